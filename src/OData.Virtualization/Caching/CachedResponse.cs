namespace OData.Virtualization.Caching;

/// <summary>A rendered response as the cache keeps it (and as Redis stores it, serialized as JSON).</summary>
public sealed record CachedResponse
{
    public required int StatusCode { get; init; }

    public required string ContentType { get; init; }

    public required byte[] Body { get; init; }

    /// <summary>A strong ETag over the body.</summary>
    public required string ETag { get; init; }

    /// <summary>When the source produced it (the server's <see cref="TimeProvider"/>): freshness counts from here.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Extra response headers that belong to the representation (for example <c>Preference-Applied</c>).</summary>
    public Dictionary<string, string> Headers { get; init; } = [];

    /// <summary>Time spent in the source and rendering, for <c>Server-Timing</c> on a miss.</summary>
    public double SqlMilliseconds { get; init; }

    public double SerializeMilliseconds { get; init; }

    /// <summary>Rows in the body (a page's or an entity's), for metrics and the request log; null for a count or a property.</summary>
    public long? Rows { get; init; }
}

/// <summary>How the cache answered a request.</summary>
public enum CacheOutcome
{
    /// <summary>A fresh entry.</summary>
    Hit,

    /// <summary>No fresh entry: this request ran the source.</summary>
    Miss,

    /// <summary>No fresh entry: another identical request was already running the source, and this one waited for it.</summary>
    Joined,

    /// <summary>The source failed; an entry within the staleness window was served.</summary>
    Stale,

    /// <summary>Not cacheable (caching off for the set, or the response is too large).</summary>
    Bypass,
}

/// <summary>The names of the outcomes, from the enum's, formatted once: they are written on every response.</summary>
internal static class CacheOutcomes
{
    private static readonly string[] s_headers = [.. Enum.GetNames<CacheOutcome>().Select(n => n.ToUpperInvariant())];
    private static readonly string[] s_labels = [.. Enum.GetNames<CacheOutcome>().Select(n => n.ToLowerInvariant())];

    /// <summary>As the <c>X-Cache</c> and <c>Server-Timing</c> headers say it: <c>HIT</c>, <c>MISS</c>, …</summary>
    public static string Header(CacheOutcome outcome) => s_headers[(int)outcome];

    /// <summary>As metric labels, span tags and the request log say it: <c>hit</c>, <c>miss</c>, …</summary>
    public static string Label(CacheOutcome outcome) => s_labels[(int)outcome];
}
