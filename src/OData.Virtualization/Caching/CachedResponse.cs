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
