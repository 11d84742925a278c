using System.Globalization;
using OData.Virtualization.Benchmarks.Paging;

namespace OData.Virtualization.Benchmarks;

/// <summary>How long and how hard to measure. Every loop is bounded by a count and by time.</summary>
internal sealed record BenchmarkSettings
{
    public bool Quick { get; init; }

    public string? WritePath { get; init; }

    /// <summary>Measured passes over all scenarios (the spread between passes shows the noise).</summary>
    public int Passes { get; init; } = 3;

    /// <summary>Warm-up rounds (one request to each side) per scenario, bounded by <see cref="WarmupBudget"/>.</summary>
    public int Warmup { get; init; } = 100;

    public TimeSpan WarmupBudget { get; init; } = TimeSpan.FromSeconds(2.5);

    /// <summary>Rounds (one request to each side) per scenario and pass.</summary>
    public int MaxPairs { get; init; } = 1500;

    public TimeSpan PassBudget { get; init; } = TimeSpan.FromSeconds(2.5);

    /// <summary>Concurrent clients in the throughput part (issue 17: 16).</summary>
    public int Workers { get; init; } = 16;

    /// <summary>How long one side sends one scenario under load, per repeat (whole seconds: wrk takes no fractions).</summary>
    public TimeSpan ConcurrentBudget { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Before a scenario's measured repeats, each side serves it this long with the same clients, unmeasured (whole
    /// seconds; 0: none): the first seconds of a load after sequential requests measure the runtime's tiering and the
    /// thread pool's growth, not the request. Slow scenarios (a request of tens of milliseconds) are not warmed.
    /// </summary>
    public TimeSpan ConcurrentWarmup { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Repeats per side in the throughput part; the order of the sides is reversed every repeat.</summary>
    public int ConcurrentSegments { get; init; } = 2;

    /// <summary>Also stream the full table from a fresh baseline process, for comparison.</summary>
    public bool BaselineMemory { get; init; } = true;

    /// <summary>The whole run is cancelled after this long.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(15);

    public string CommandLine { get; init; } = string.Empty;

    /// <summary><c>--diagnose</c>: measure request variants (see <see cref="Diagnostics"/>) instead of the benchmark.</summary>
    public bool Diagnose { get; init; }

    /// <summary><c>--paging</c>: only the paging and cache part (issue 3), which the normal run does after the comparison with the baseline.</summary>
    public bool PagingOnly { get; init; }

    /// <summary>What the paging and cache part measures.</summary>
    public PagingSettings PagingPart { get; init; } = PagingSettings.Full;

    /// <summary><c>--pages-csv FILE</c>: also write every page of every walk (time, rows, bytes, X-Cache, Server-Timing) as CSV.</summary>
    public string? PagesCsvPath { get; init; }

    /// <summary>
    /// <c>--only id,id,…</c>: measure only these scenarios of <see cref="Workload.Timed"/> (null: all of them). A partial
    /// run skips the memory and the paging parts, and does not replace "Latest results" (<c>--write</c> is refused).
    /// </summary>
    public IReadOnlyList<Scenario>? Only { get; init; }

    /// <summary>
    /// <c>--only delta</c>: only change tracking (issue 14), on a cluster of its own with <c>wal_level=logical</c>; its
    /// table is printed (not written by <c>--write</c>).
    /// </summary>
    public bool DeltaOnly { get; init; }

    /// <summary>The scenarios this run times: <see cref="Only"/>, or all of <see cref="Workload.Timed"/>.</summary>
    public IReadOnlyList<Scenario> Scenarios => Only ?? Workload.Timed;

    public static BenchmarkSettings Parse(string[] args)
    {
        var quick = args.Contains("--quick", StringComparer.Ordinal);
        var settings = quick
            ? new BenchmarkSettings
            {
                Quick = true,
                Passes = 1,
                Warmup = 30,
                WarmupBudget = TimeSpan.FromSeconds(0.7),
                MaxPairs = 200,
                PassBudget = TimeSpan.FromSeconds(1),
                ConcurrentBudget = TimeSpan.FromSeconds(1),
                ConcurrentSegments = 1,
                ConcurrentWarmup = TimeSpan.FromSeconds(1),
                BaselineMemory = false,
                PagingPart = PagingSettings.Quick,
                Deadline = TimeSpan.FromMinutes(6),
            }
            : new BenchmarkSettings();

        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    break;
                case "--diagnose":
                    settings = settings with { Diagnose = true };
                    break;
                case "--paging":
                    settings = settings with { PagingOnly = true, Deadline = settings.Quick ? TimeSpan.FromMinutes(3) : TimeSpan.FromMinutes(4) };
                    break;
                case "--pages-csv" when i + 1 < args.Length:
                    settings = settings with { PagesCsvPath = args[++i] };
                    break;
                case "--write" when i + 1 < args.Length:
                    settings = settings with { WritePath = args[++i] };
                    break;
                case "--passes" when i + 1 < args.Length:
                    settings = settings with { Passes = Math.Clamp(int.Parse(args[++i], CultureInfo.InvariantCulture), 1, 10) };
                    break;
                case "--only" when i + 1 < args.Length && args[i + 1] == "delta":
                    settings = settings with { DeltaOnly = true, BaselineMemory = false };
                    i++;
                    break;
                case "--only" when i + 1 < args.Length:
                    settings = settings with { Only = ParseOnly(args[++i]), BaselineMemory = false };
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'. Use: [--quick] [--paging] [--passes N] [--write docs/benchmarks.md] [--pages-csv FILE] [--diagnose] [--only id,…]");
            }
        }

        if ((settings.Only is not null || settings.DeltaOnly) && (settings.WritePath is not null || settings.PagingOnly))
        {
            throw new ArgumentException("--only measures a part of the scenarios: it cannot replace \"Latest results\" (--write) and has no paging part (--paging).");
        }

        return settings with { CommandLine = string.Join(' ', args) };
    }

    private static Scenario[] ParseOnly(string list)
    {
        var ids = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var unknown = ids.Where(id => !Workload.Timed.Any(s => s.Id == id)).ToList();
        if (ids.Length == 0 || unknown.Count > 0)
        {
            throw new ArgumentException($"--only: unknown scenario '{string.Join("', '", unknown)}'. Known: {string.Join(",", Workload.Timed.Select(s => s.Id))}.");
        }

        // In the workload's order, each once.
        return [.. Workload.Timed.Where(s => ids.Contains(s.Id, StringComparer.Ordinal))];
    }
}
