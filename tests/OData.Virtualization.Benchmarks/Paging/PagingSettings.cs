namespace OData.Virtualization.Benchmarks.Paging;

/// <summary>How much the paging and cache part measures. Every loop is bounded by a count and by time.</summary>
internal sealed record PagingSettings
{
    /// <summary>Everything: the narrow walk with the cache on and off, full rows, two non-key orders.</summary>
    public static readonly PagingSettings Full = new();

    /// <summary>A smoke test: one walk, few requests.</summary>
    public static readonly PagingSettings Quick = new()
    {
        Walks = [PagingWorkload.Narrow],
        ServerWarmupPages = 100,
        WarmupPages = 20,
        OffsetPairs = 2,
        CacheWarmup = 50,
        CacheRounds = 60,
        CacheBudget = TimeSpan.FromSeconds(4),
        CpuBlock = 200,
        LoadRounds = 1,
        LoadSeconds = 2,
        LoadWarmupSeconds = 1,
    };

    public IReadOnlyList<Walk> Walks { get; init; } =
        [PagingWorkload.Narrow, PagingWorkload.NarrowUncached, PagingWorkload.Full, PagingWorkload.BookedAscending, PagingWorkload.BookedDescending];

    /// <summary>A walk that has not reached its last page after this long is stopped (and reported as incomplete).</summary>
    public TimeSpan WalkBudget { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Pages of all columns read from each fresh server before its first walk (<c>Prefer: odata.maxpagesize=999</c>, so
    /// that no measured page is in the cache). Measured here: a fresh process serves its first few hundred pages up to
    /// twice as slowly while the JIT's background thread, starved on a busy 2-core machine, recompiles the hot paths.
    /// </summary>
    public int ServerWarmupPages { get; init; } = 400;

    /// <summary>
    /// Pages read before each measured walk, of the same request with another page size (<c>Prefer: odata.maxpagesize=999</c>):
    /// the same code runs warm, but no measured page is already in the cache.
    /// </summary>
    public int WarmupPages { get; init; } = 50;

    /// <summary>Pairs of <c>$skip=0</c> and <c>$skip=999000</c> requests, interleaved.</summary>
    public int OffsetPairs { get; init; } = 6;

    /// <summary>Misses and hits sent to the fresh cache server before measuring.</summary>
    public int CacheWarmup { get; init; } = 200;

    /// <summary>Rounds of the cache measurement; each sends two misses, two hits and the service document.</summary>
    public int CacheRounds { get; init; } = 300;

    public TimeSpan CacheBudget { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Hits back to back, then as many misses, to measure the server's CPU per request of each.</summary>
    public int CpuBlock { get; init; } = 1000;

    /// <summary>Rounds of the load measurement (wrk): each runs hits, then misses, or the other way round.</summary>
    public int LoadRounds { get; init; } = 3;

    /// <summary>Seconds of each kind in a round of the load measurement.</summary>
    public int LoadSeconds { get; init; } = 5;

    /// <summary>Seconds of each kind under load before the rounds (not recorded).</summary>
    public int LoadWarmupSeconds { get; init; } = 3;

    /// <summary>Cache entries that the cache measurement keeps hitting (each requested once before, a miss).</summary>
    public int HotPages { get; init; } = 8;
}
