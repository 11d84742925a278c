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
/// not remembered: each is followed once, and a walk would push out the first pages that clients repeat. Everything is
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

    /// <summary>Remembers the plan of the request <paramref name="key"/> names (unless it continues a walk).</summary>
    public void Remember(string key, string relative, PreparedRequest prepared)
    {
        if (!Remembers(relative))
        {
            return;
        }

        // A counter instead of ConcurrentDictionary.Count, which takes every bucket's lock.
        if (Interlocked.Increment(ref _count) > MaxRemembered)
        {
            Clear();
            Interlocked.Increment(ref _count);
        }

        _entries[key] = new Entry(prepared, CanRepeat(relative));
    }

    /// <summary>Remembers where the answer to a remembered request is cached, and for how long.</summary>
    public void RememberAnswer(string key, string cacheKey, TimeSpan ttl)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.CanRepeat)
        {
            entry.Answer = new CachedAnswer(cacheKey, ttl);
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

    private static bool Remembers(string relative)
        => !relative.Contains("$skiptoken", StringComparison.OrdinalIgnoreCase) && !relative.Contains("%24skiptoken", StringComparison.OrdinalIgnoreCase);

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

    internal sealed record CachedAnswer(string CacheKey, TimeSpan Ttl);
}
