using OData.Virtualization.Benchmarks.Infrastructure;

namespace OData.Virtualization.Benchmarks.Paging;

/// <summary>Everything the paging and cache part measured.</summary>
internal sealed class PagingResults
{
    public DateTimeOffset Started { get; init; }

    public TimeSpan Duration { get; set; }

    public MachineInfo Machine { get; set; } = null!;

    public string PostgresVersion { get; set; } = string.Empty;

    public string Commit { get; set; } = string.Empty;

    public string LoadBefore { get; init; } = string.Empty;

    public string LoadAfter { get; set; } = string.Empty;

    public List<WalkResult> Walks { get; } = [];

    public OffsetResult? Offset { get; set; }

    public CacheResult? Cache { get; set; }

    /// <summary>Hits against misses under load (wrk); null when the part did not get that far.</summary>
    public LoadResult? Load { get; set; }

    /// <summary><c>GET /status/cache</c> of each server after its part, by server.</summary>
    public Dictionary<string, string> CacheCounters { get; } = new(StringComparer.Ordinal);

    /// <summary>Resident memory (VmRSS) and its peak (VmHWM) of the walks' servers after the walks, in bytes.</summary>
    public Dictionary<string, (long Rss, long Peak)> ServerMemory { get; } = new(StringComparer.Ordinal);
}

/// <summary>One page of a walk: wall time from sending the request to its last byte, and what the server said about it.</summary>
internal sealed record PageSample(double Milliseconds, int Rows, int Bytes, string? CacheOutcome, string? ServerTiming);

/// <summary>A walk along <c>@odata.nextLink</c>, and what the client checked of the rows.</summary>
internal sealed record WalkResult(
    Walk Walk,
    IReadOnlyList<PageSample> Pages,
    long Rows,
    long DistinctRows,
    long OrderViolations,
    double WallSeconds,
    double ClientSeconds,
    bool Complete)
{
    public int Edge => Math.Min(PagingWorkload.EdgePages, Pages.Count / 2);

    public IReadOnlyList<PageSample> FirstPages => [.. Pages.Take(Edge)];

    public IReadOnlyList<PageSample> LastPages => [.. Pages.Skip(Pages.Count - Edge)];

    /// <summary>CPU time (user + system) our server process used during the walk.</summary>
    public double ServerCpuSeconds { get; init; }

    public double FirstMedian => Measurement.Median(FirstPages.Select(p => p.Milliseconds).ToList());

    public double LastMedian => Measurement.Median(LastPages.Select(p => p.Milliseconds).ToList());

    /// <summary>Last pages' median ÷ first pages' median.</summary>
    public double LastToFirst => LastMedian / FirstMedian;

    /// <summary>The same over a tenth of the walk at each end: less swayed by a burst of other work on the machine.</summary>
    public double LastToFirstTenth
    {
        get
        {
            var tenth = Math.Max(1, Pages.Count / 10);
            return Measurement.Median(Pages.Skip(Pages.Count - tenth).Select(p => p.Milliseconds).ToList())
                / Measurement.Median(Pages.Take(tenth).Select(p => p.Milliseconds).ToList());
        }
    }

    public double RowsPerSecond => Rows / WallSeconds;

    /// <summary>The sum of the pages' wall times: the walk without the client's own parsing between pages.</summary>
    public double RequestSeconds => Pages.Sum(p => p.Milliseconds) / 1000;

    public long Bytes => Pages.Sum(p => (long)p.Bytes);

    /// <summary>Every row of the table exactly once, in the order asked.</summary>
    public bool EveryRowOnce => Complete && Rows == PagingWorkload.TableRows && DistinctRows == Rows && OrderViolations == 0;
}

/// <summary>Client-driven pages of 1,000 rows: the first by <c>$skip=0</c> and the last by <c>$skip=999000</c>, interleaved.</summary>
internal sealed record OffsetResult(IReadOnlyList<double> First, IReadOnlyList<double> Deep)
{
    public double FirstMedian => Measurement.Median(First);

    public double DeepMedian => Measurement.Median(Deep);

    public double Ratio => DeepMedian / FirstMedian;
}

/// <summary>A request of the cache measurement: wall time and the server's <c>Server-Timing</c>.</summary>
internal sealed record TimedRequest(double Milliseconds, string? ServerTiming);

/// <summary>The filtered 50-row page, answered from the cache (hits) and from PostgreSQL (misses), interleaved.</summary>
internal sealed class CacheResult
{
    public List<TimedRequest> Hits { get; } = [];

    /// <summary>The service document (<c>GET /odata/</c>): authentication, routing and a small body, no query — our server's floor.</summary>
    public List<TimedRequest> Floor { get; } = [];

    /// <summary>Misses on accounts not requested before: the database meets rows it may not have in its buffers.</summary>
    public List<TimedRequest> NewAccountMisses { get; } = [];

    /// <summary>Misses on one account with a new <c>$skip</c> each time: the database's buffers are warm, only the cache key is new.</summary>
    public List<TimedRequest> WarmMisses { get; } = [];

    /// <summary>Responses whose <c>X-Cache</c> was not what the request was meant to be (left out of the figures above).</summary>
    public List<string> Unexpected { get; } = [];

    public int CpuRequests { get; set; }

    public TimeSpan HitCpu { get; set; }

    public TimeSpan MissCpu { get; set; }

    /// <summary>Requests of each kind in the burst measurement (8 clients at once).</summary>
    public int BurstRequests { get; set; }

    public TimeSpan BurstHitCpu { get; set; }

    public TimeSpan BurstMissCpu { get; set; }

    public double HitMedian => Measurement.Median(Hits.Select(h => h.Milliseconds).ToList());

    public double NewAccountMissMedian => Measurement.Median(NewAccountMisses.Select(h => h.Milliseconds).ToList());

    public double WarmMissMedian => Measurement.Median(WarmMisses.Select(h => h.Milliseconds).ToList());
}
