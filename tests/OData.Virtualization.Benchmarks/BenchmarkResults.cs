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

    public List<ResultCheck> Checks { get; } = [];

    public List<LatencyResult> Latency { get; } = [];

    public List<ThroughputResult> Throughput { get; } = [];

    public List<MemoryResult> Memory { get; } = [];
}

/// <summary>Whether the baseline returned exactly our rows (so that both did the same work).</summary>
internal sealed record ResultCheck(Scenario Scenario, bool Same, string Rows, long OursChars, long BaselineChars);

/// <summary>Sequential, interleaved wall times (ms, request sent to last body byte) of one scenario in one pass.</summary>
internal sealed record LatencyResult(Scenario Scenario, int Pass, IReadOnlyList<double> Ours, IReadOnlyList<double> Baseline, TimeSpan OursCpu, TimeSpan BaselineCpu)
{
    public double OursMedian { get; } = Measurement.Median(Ours);

    public double BaselineMedian { get; } = Measurement.Median(Baseline);

    public double OursP95 { get; } = Measurement.Percentile(Ours, 95);

    public double BaselineP95 { get; } = Measurement.Percentile(Baseline, 95);

    /// <summary>Our server's <c>Server-Timing</c> headers (<c>parse;dur=…, sql;dur=…, …</c>), one per request.</summary>
    public IReadOnlyList<string> OursServerTimings { get; init; } = [];

    /// <summary>Ours ÷ baseline, of the medians.</summary>
    public double Ratio => OursMedian / BaselineMedian;
}

/// <summary>Throughput with several concurrent clients.</summary>
internal sealed class ThroughputResult(Scenario scenario, int workers)
{
    public Scenario Scenario { get; } = scenario;

    public int Workers { get; } = workers;

    public int OursRequests { get; private set; }

    public double OursSeconds { get; private set; }

    public int BaselineRequests { get; private set; }

    public double BaselineSeconds { get; private set; }

    public double OursPerSecond => OursRequests / OursSeconds;

    public double BaselinePerSecond => BaselineRequests / BaselineSeconds;

    /// <summary>Baseline throughput ÷ ours: the cost of a request on our server relative to the baseline.</summary>
    public double CostRatio => BaselinePerSecond / OursPerSecond;

    public void Add(bool ours, int requests, double seconds)
    {
        if (ours)
        {
            OursRequests += requests;
            OursSeconds += seconds;
        }
        else
        {
            BaselineRequests += requests;
            BaselineSeconds += seconds;
        }
    }
}

/// <summary>One fresh server process streaming the whole table: its resident memory before, during and after.</summary>
internal sealed record MemoryResult(string Server, long IdleRss, long PeakBeforeStream, long PeakAfterStream, long MaxSampledRss, long Bytes, long Rows, double Seconds);
