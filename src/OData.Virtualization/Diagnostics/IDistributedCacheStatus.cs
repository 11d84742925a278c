namespace OData.Virtualization.Diagnostics;

/// <summary>
/// What the metrics read of the response cache's distributed level (Redis), declared here so that they need not know
/// the cache: implemented by <c>Caching/DistributedLevel</c>.
/// </summary>
internal interface IDistributedCacheStatus
{
    /// <summary>Null when no distributed level is configured; otherwise whether it answers now.</summary>
    bool? IsAvailable { get; }
}
