using OData.Virtualization.Benchmarks.Infrastructure;

namespace OData.Virtualization.Benchmarks;

/// <summary>Everything one run measured.</summary>
internal sealed class BenchmarkResults
{
    public DateTimeOffset Started { get; init; }

    public TimeSpan Duration { get; set; }

    public MachineInfo Machine { get; set; } = null!;

    public string PostgresVersion { get; set; } = string.Empty;

    /// <summary>The commit the servers were built from (the working tree may hold more).</summary>
    public string Commit { get; set; } = string.Empty;

    public string LoadBefore { get; init; } = string.Empty;

    public string LoadAfter { get; set; } = string.Empty;

    public Dictionary<string, string[]> Sql { get; set; } = [];

    /// <summary>The URL measured per scenario id (under <c>/odata/</c>), where it differs from the scenario's (a resolved nextLink).</summary>
    public Dictionary<string, string> Paths { get; } = [];

    /// <summary>Which client generated the concurrent load.</summary>
    public string LoadClient { get; set; } = string.Empty;

    public List<ResultCheck> Checks { get; } = [];

    public List<LatencyResult> Latency { get; } = [];

    public List<ThroughputResult> Throughput { get; } = [];

    public List<MemoryResult> Memory { get; } = [];
}

/// <summary>The three sides of every comparison: our server, the hand-written baseline, the baseline that runs our SQL.</summary>
internal enum Side
{
    Ours,
    HandWritten,
    OurSql,
}

/// <summary>Whether a baseline returned exactly our rows (so that both did the same work); <paramref name="Note"/> says why not.</summary>
internal sealed record ResultCheck(Scenario Scenario, Side Side, bool Same, string Rows, long OursChars, long BaselineChars, string? Note = null);

/// <summary>Sequential, interleaved wall times (ms, request sent to last body byte) of one scenario in one pass.</summary>
internal sealed record LatencyResult(Scenario Scenario, int Pass, IReadOnlyList<double> Ours, IReadOnlyList<double> Hand, IReadOnlyList<double> OurSql)
{
    public double OursMedian { get; } = Measurement.Median(Ours);

    public double HandMedian { get; } = Measurement.Median(Hand);

    /// <summary>NaN when the our-SQL baseline could not give our answer for this scenario.</summary>
    public double OurSqlMedian { get; } = Measurement.Median(OurSql);

    public double OursP95 { get; } = Measurement.Percentile(Ours, 95);

    public double HandP95 { get; } = Measurement.Percentile(Hand, 95);

    public double OurSqlP95 { get; } = Measurement.Percentile(OurSql, 95);

    /// <summary>Our server's <c>Server-Timing</c> headers (<c>parse;dur=…, sql;dur=…, …</c>), one per request.</summary>
    public IReadOnlyList<string> OursServerTimings { get; init; } = [];

    /// <summary>Ours ÷ hand-written, of the medians (higher: we are slower).</summary>
    public double RatioHand => OursMedian / HandMedian;

    /// <summary>Ours ÷ our SQL, of the medians.</summary>
    public double RatioOurSql => OursMedian / OurSqlMedian;
}

/// <summary>One side of one scenario under concurrent clients: every run of it added up.</summary>
internal sealed class ThroughputCell
{
    public long Requests { get; private set; }

    public double Seconds { get; private set; }

    public TimeSpan ServerCpu { get; private set; }

    /// <summary>Null when PostgreSQL's processes cannot be read (a server elsewhere, <c>ODATA_TEST_POSTGRES</c>).</summary>
    public TimeSpan? PostgresCpu { get; private set; } = TimeSpan.Zero;

    public List<double> P50 { get; } = [];

    public List<double> P99 { get; } = [];

    public double PerSecond => Requests / Seconds;

    public double ServerMicroseconds => ServerCpu.TotalMicroseconds / Requests;

    public double PostgresMicroseconds => PostgresCpu is { } cpu ? cpu.TotalMicroseconds / Requests : double.NaN;

    public void Add(LoadOutcome outcome, TimeSpan serverCpu, TimeSpan? postgresCpu)
    {
        Requests += outcome.Requests;
        Seconds += outcome.Seconds;
        ServerCpu += serverCpu;
        PostgresCpu = PostgresCpu is { } sum && postgresCpu is { } more ? sum + more : null;
        P50.Add(outcome.P50);
        P99.Add(outcome.P99);
    }
}

/// <summary>Throughput of one scenario with several concurrent clients, each side alone in turn.</summary>
internal sealed class ThroughputResult(Scenario scenario, int clients)
{
    public Scenario Scenario { get; } = scenario;

    public int Clients { get; } = clients;

    public ThroughputCell Ours { get; } = new();

    public ThroughputCell Hand { get; } = new();

    /// <summary>Null when the our-SQL baseline could not give our answer for this scenario.</summary>
    public ThroughputCell? OurSql { get; init; }

    /// <summary>Ours ÷ hand-written requests/s (1 = as fast; issue 17's target is 0.8–0.9).</summary>
    public double RatioHand => Ours.PerSecond / Hand.PerSecond;

    public double RatioOurSql => OurSql is null ? double.NaN : Ours.PerSecond / OurSql.PerSecond;

    public ThroughputCell Cell(Side side) => side switch
    {
        Side.Ours => Ours,
        Side.HandWritten => Hand,
        _ => OurSql ?? throw new InvalidOperationException("No our-SQL cell."),
    };
}

/// <summary>One fresh server process streaming the whole table: its resident memory before, during and after.</summary>
internal sealed record MemoryResult(string Server, long IdleRss, long PeakBeforeStream, long PeakAfterStream, long MaxSampledRss, long Bytes, long Rows, double Seconds);
