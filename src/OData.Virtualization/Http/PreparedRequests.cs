using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Model;
using OData.Virtualization.Paging;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>What a planned request became: the set, the planned query, its page plan (collections) and format.</summary>
internal sealed record PreparedRequest(PreparedKind Kind, PublishedSet Set, EntityQuery Query, PagePlan? Page, ResponseFormat Format);

internal enum PreparedKind
{
    Collection,
    Entity,
    Count,
}

/// <summary>
/// Remembers how a request was parsed and planned, so that the same request again (the same caller scope, service
/// root, target, <c>Accept</c> and <c>Prefer</c>) skips the URI parser and the planner even when its answer is not
/// in the cache: clients repeat themselves (a list view, a preview, a dashboard tile), and parsing and planning were
/// a quarter of a 50-row page's server time. Plans hold no time and no connection: <c>now()</c> is bound when the
/// statement is compiled. Links with a <c>$skiptoken</c> are not remembered (each is followed once), and everything
/// is forgotten when the options change or when <see cref="Clear"/> is called (a new model).
/// </summary>
internal sealed class PreparedRequests : IDisposable
{
    /// <summary>At most this many remembered requests; when full, the memo starts again empty.</summary>
    internal const int MaxRemembered = 4_096;

    private readonly ConcurrentDictionary<string, PreparedRequest> _prepared = new(StringComparer.Ordinal);
    private readonly IDisposable? _subscription;
    private int _generation;
    private int _count;

    public PreparedRequests(IOptionsMonitor<VirtualizationOptions> options)
    {
        _subscription = options.OnChange(_ =>
        {
            Interlocked.Increment(ref _generation);
            Clear();
        });
    }

    /// <summary>Moves on every options change: part of every memo key, so nothing planned under older options is found.</summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>What identifies a request to both memos (this one and the cache's repeat map): built once per request.</summary>
    public static string RequestKey(string scope, string serviceRoot, string relative, string accept, string prefer)
        => string.Join('\u001f', scope, serviceRoot, relative, accept, prefer);

    /// <summary>Whether a plan for <paramref name="relative"/> is worth remembering: not for links with a <c>$skiptoken</c>.</summary>
    public static bool Remembers(string relative)
        => !relative.Contains("$skiptoken", StringComparison.OrdinalIgnoreCase) && !relative.Contains("%24skiptoken", StringComparison.OrdinalIgnoreCase);

    /// <summary>The memo's key for a request, or null when it should not be remembered.</summary>
    public static string? KeyOf(string scope, string serviceRoot, string relative, string accept, string prefer)
        => Remembers(relative) ? RequestKey(scope, serviceRoot, relative, accept, prefer) : null;

    public bool TryGet(string? key, out PreparedRequest prepared)
    {
        prepared = null!;
        return key is not null && _prepared.TryGetValue(key, out prepared!);
    }

    public void Remember(string? key, PreparedRequest prepared)
    {
        if (key is null)
        {
            return;
        }

        // A counter instead of ConcurrentDictionary.Count, which takes every bucket's lock.
        if (Interlocked.Increment(ref _count) > MaxRemembered)
        {
            Clear();
            Interlocked.Increment(ref _count);
        }

        _prepared[key] = prepared;
    }

    public int Count => _prepared.Count;

    public void Clear()
    {
        _prepared.Clear();
        Volatile.Write(ref _count, 0);
    }

    public void Dispose() => _subscription?.Dispose();
}
