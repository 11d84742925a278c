using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Publishing;

namespace OData.Virtualization.Http;

/// <summary>
/// Remembers what a request became — its plan, and once its answer is cached, the cache key and TTL of that answer — so
/// that the same request again (the same caller scope, service root, target, <c>Accept</c> and <c>Prefer</c>) is answered
/// from a fresh cache entry without parsing, planning or compiling, or, when its answer is not cached, skips the URI
/// parser and the planner. Clients repeat themselves (a list view, a preview, a dashboard tile); parsing and planning
/// were a quarter of a 50-row page's server time. Plans hold no time and no connection: <c>now()</c> is bound when the
/// statement is compiled, and a request with <c>now()</c> is never answered from a remembered key.
/// </summary>
/// <remarks>
/// One bound for everything remembered; when it is full, the memo starts again empty. Links with a <c>$skiptoken</c> are
/// remembered once per walk, without the token (<see cref="WalkOf"/>): each link is followed once, but every page of a
/// walk has the same plan, and a walk of a million rows no longer parses its URL ten thousand times. Everything is
/// forgotten when the options change (the generation moves, and is part of every key) and when a model is published.
/// </remarks>
internal sealed class RequestMemo : IDisposable
{
    /// <summary>At most this many remembered requests.</summary>
    internal const int MaxRemembered = 8_192;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly IDisposable? _subscription;
    private readonly ModelHost? _models;
    private int _generation;
    private int _count;

    public RequestMemo(IOptionsMonitor<VirtualizationOptions> options, ModelHost? models = null)
    {
        _subscription = options.OnChange(_ =>
        {
            Interlocked.Increment(ref _generation);
            Clear();
        });
        _models = models;
        if (models is not null)
        {
            models.Published += OnPublished;
        }
    }

    /// <summary>Moves on every options change: part of every key, so nothing planned under older options is found.</summary>
    public int Generation => Volatile.Read(ref _generation);

    public int Count => _entries.Count;

    /// <summary>What identifies a request: built once per request, for every lookup.</summary>
    public static string Key(string scope, string serviceRoot, string relative, string accept, string prefer)
        => string.Join('\u001f', scope, serviceRoot, relative, accept, prefer);

    public bool TryGet(string key, out Entry entry) => _entries.TryGetValue(key, out entry!);

    /// <summary>
    /// The request <paramref name="relative"/> names with its <c>$skiptoken</c>'s value left out, when it has one: what
    /// every continuation of one walk shares (its plan; its position is the token's). Null without a token, or when the
    /// query string is not one this can read exactly (then the request is planned every time, as before).
    /// </summary>
    public static string? WalkOf(string relative)
    {
        var question = relative.IndexOf('?', StringComparison.Ordinal);
        if (question < 0 || !Continues(relative))
        {
            return null;
        }

        var walk = new System.Text.StringBuilder(relative.Length).Append(relative, 0, question + 1);
        var tokens = 0;
        foreach (var pair in relative.AsSpan(question + 1).ToString().Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? pair : pair[..equals];
            if (walk[^1] != '?')
            {
                walk.Append('&');
            }

            if (name.Equals("$skiptoken", StringComparison.OrdinalIgnoreCase) || name.Equals("%24skiptoken", StringComparison.OrdinalIgnoreCase))
            {
                tokens++;
                walk.Append("$skiptoken=");
            }
            else
            {
                walk.Append(pair);
            }
        }

        // One token, spelled plainly: anything else is planned (and refused, or read) by the parser every time.
        return tokens == 1 ? walk.ToString() : null;
    }

    /// <summary>
    /// Remembers the plan of the request <paramref name="key"/> names. The continuation of a walk is remembered by its
    /// <see cref="WalkOf">walk</see>, its page planned again for each token, and never answered from a remembered key.
    /// </summary>
    public void Remember(string key, string relative, PreparedRequest prepared)
    {
        var continues = Continues(relative);
        if (continues && (prepared.Kind != PreparedKind.Collection || prepared.Page is null || WalkOf(relative) is null))
        {
            return;
        }

        // A counter instead of ConcurrentDictionary.Count, which takes every bucket's lock.
        if (Interlocked.Increment(ref _count) > MaxRemembered)
        {
            Clear();
            Interlocked.Increment(ref _count);
        }

        _entries[key] = new Entry(prepared, !continues && CanRepeat(relative));
    }

    /// <summary>
    /// The write generation of a remembered request's source now (read before its answer's cache key is built), or -1
    /// when the request is not remembered.
    /// </summary>
    public long WriteGenerationOf(string key) => _entries.TryGetValue(key, out var entry) ? entry.Prepared.Set.Source.WriteGeneration : -1;

    /// <summary>Remembers where the answer to a remembered request is cached, for how long, and under which write generation.</summary>
    public void RememberAnswer(string key, string cacheKey, TimeSpan ttl, long writeGeneration)
    {
        if (writeGeneration >= 0 && _entries.TryGetValue(key, out var entry) && entry.CanRepeat)
        {
            entry.Answer = new CachedAnswer(cacheKey, ttl, writeGeneration);
        }
    }

    public void Clear()
    {
        _entries.Clear();
        Volatile.Write(ref _count, 0);
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        if (_models is not null)
        {
            _models.Published -= OnPublished;
        }
    }

    private void OnPublished(ModelSnapshot snapshot) => Clear();

    private static bool Continues(string relative)
        => relative.Contains("$skiptoken", StringComparison.OrdinalIgnoreCase) || relative.Contains("%24skiptoken", StringComparison.OrdinalIgnoreCase);

    /// <summary><c>now()</c> binds a new instant every time: its answer is never the one cached before.</summary>
    private static bool CanRepeat(string relative) => !relative.Contains("now(", StringComparison.OrdinalIgnoreCase);

    /// <summary>A remembered request.</summary>
    internal sealed class Entry(PreparedRequest prepared, bool canRepeat)
    {
        public PreparedRequest Prepared { get; } = prepared;

        public bool CanRepeat { get; } = canRepeat;

        /// <summary>Where its answer was last cached; null until then.</summary>
        public CachedAnswer? Answer
        {
            get => Volatile.Read(ref _answer);
            set => Volatile.Write(ref _answer, value);
        }

        private CachedAnswer? _answer;
    }

    /// <param name="WriteGeneration">The source's <c>WriteGeneration</c> the answer was cached under: a write since makes it unusable.</param>
    internal sealed record CachedAnswer(string CacheKey, TimeSpan Ttl, long WriteGeneration);
}
