namespace OData.Virtualization.Diagnostics;

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
