using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using OData.Virtualization.Benchmarks.Infrastructure;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.Benchmarks.Paging;

/// <summary>
/// Cache hits against misses under load, the way a burst of client callouts arrives: <c>wrk</c> keeps
/// <see cref="Connections"/> connections busy for a few seconds with the hot URLs (every response a hit), then with
/// URLs never requested before (every response a miss), alternating which goes first. What a request costs is read from
/// the operating system: the CPU time of our server process, and of PostgreSQL (the postmaster and its backends), per
/// request; and the latency wrk saw. Every response's <c>X-Cache</c> is counted by the wrk script.
/// </summary>
internal static partial class LoadBenchmark
{
    /// <summary>Connections kept busy (as in the burst of <see cref="CacheBenchmark"/>).</summary>
    public const int Connections = 8;

    /// <summary>
    /// Miss targets written for each run under load (5/8 of it for one connection); more than a run can use (measured:
    /// at most ~3,400 misses/s under load, ~1,300/s one at a time). 15,000 for the warm-up and 3 rounds take 132,000
    /// of the 187,000 keys of <see cref="CacheBenchmark.LoadMisses"/>.
    /// </summary>
    private const int MissTargetsPerRound = 24_000;

    /// <summary>
    /// Runs the rounds against <paramref name="server"/>, whose cache holds <paramref name="hot"/>. The misses come from
    /// <paramref name="misses"/>: cache keys never requested before, enough for every round.
    /// </summary>
    /// <remarks>
    /// The miss rounds fill the cache past its size limit (256 MB by default), and its compaction evicts the least
    /// recently used entries: the hot ones, not read during a miss round. <paramref name="refill"/> requests each hot URL
    /// once before a hit round, so that the round is all hits (in a first trial without it, the 8 hot pages were misses
    /// once each in the second round).
    /// </remarks>
    public static async Task<LoadResult> RunAsync(ServerProcess server, ClusterInfo cluster, IReadOnlyList<Uri> hot, IEnumerator<Uri> misses, Func<CancellationToken, Task> refill, PagingSettings part, string apiKey, CancellationToken ct)
    {
        var result = new LoadResult();
        var wrk = FindOnPath("wrk");
        if (wrk is null)
        {
            result.NotMeasured = "wrk is not installed (apt-get install -y wrk)";
            return result;
        }

        var postgres = await PostgresProcesses.FindAsync(cluster, ct);
        var folder = Directory.CreateTempSubdirectory("odv-load-");
        try
        {
            var script = Path.Combine(folder.FullName, "cycle.lua");
            await File.WriteAllTextAsync(script, CycleScript, ct);
            var hotFile = Path.Combine(folder.FullName, "hot.txt");
            await File.WriteAllLinesAsync(hotFile, hot.Select(u => u.PathAndQuery), ct);

            // Warm-up, not recorded: both paths under load. A first trial with one second each measured the first
            // round's hits at twice the CPU of the later rounds' (the JIT had not finished with wrk's request shape).
            await RunWrkAsync(wrk, server, script, hotFile, apiKey, Connections, seconds: part.LoadWarmupSeconds, ct);
            var warmFile = Path.Combine(folder.FullName, "warm.txt");
            await File.WriteAllLinesAsync(warmFile, Take(misses, MissTargetsPerRound * 5 / 8).Select(u => u.PathAndQuery), ct);
            await RunWrkAsync(wrk, server, script, warmFile, apiKey, Connections, seconds: part.LoadWarmupSeconds, ct);

            for (var round = 0; round < part.LoadRounds; round++)
            {
                // Under load (8 connections), then one request at a time (1 connection: a client that waits for
                // each answer, with wrk's negligible overhead instead of HttpClient's).
                foreach (var connections in new[] { Connections, 1 })
                {
                    var missFile = Path.Combine(folder.FullName, $"misses-{round}-{connections}.txt");
                    var missTargets = connections == 1 ? MissTargetsPerRound * 5 / 8 : MissTargetsPerRound;
                    await File.WriteAllLinesAsync(missFile, Take(misses, missTargets).Select(u => u.PathAndQuery), ct);
                    foreach (var isHit in round % 2 == 0 ? new[] { true, false } : [false, true])
                    {
                        if (isHit)
                        {
                            await refill(ct);
                        }

                        var serverBefore = server.CpuTime();
                        var postgresBefore = postgres.CpuTime();
                        var clock = Stopwatch.StartNew();
                        var run = await RunWrkAsync(wrk, server, script, isHit ? hotFile : missFile, apiKey, connections, part.LoadSeconds, ct);
                        run = run with
                        {
                            Hit = isHit,
                            Connections = connections,
                            WallSeconds = clock.Elapsed.TotalSeconds,
                            ServerCpu = server.CpuTime() - serverBefore,
                            PostgresCpu = postgres.CpuTime() - postgresBefore,
                        };
                        result.Runs.Add(run);
                        BenchmarkRun.Progress(Invariant($"load c{connections} {(isHit ? "hits  " : "misses")}: {run.Requests,7:N0} requests, {run.Requests / run.WallSeconds,7:N0}/s, ")
                            + Invariant($"CPU per request ours {run.ServerMicroseconds,6:0.0} µs, PostgreSQL {run.PostgresMicroseconds,6:0.0} µs, p50 {run.P50Microseconds} µs; ")
                            + Invariant($"X-Cache HIT {run.Hits:N0}, MISS {run.Misses:N0}, other {run.Other:N0}"));
                    }
                }
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        return result;
    }

    private static IEnumerable<Uri> Take(IEnumerator<Uri> source, int count)
    {
        for (var i = 0; i < count && source.MoveNext(); i++)
        {
            yield return source.Current;
        }
    }

    private static async Task<LoadRun> RunWrkAsync(string wrk, ServerProcess server, string script, string targets, string apiKey, int connections, int seconds, CancellationToken ct)
    {
        var start = new ProcessStartInfo(wrk)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-t1", "-c" + connections.ToString(CultureInfo.InvariantCulture), "-d" + seconds.ToString(CultureInfo.InvariantCulture) + "s",
            "--timeout", "10s", "-H", "X-API-Key: " + apiKey, "-s", script, server.Root.GetLeftPart(UriPartial.Authority), "--", targets,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start wrk.");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(seconds + 30));
            await process.WaitForExitAsync(deadline.Token);
        }

        var text = await output;
        var summary = Summary().Match(text);
        if (process.ExitCode != 0 || !summary.Success)
        {
            throw new InvalidOperationException($"wrk failed (exit {process.ExitCode}): {text} {await error}");
        }

        long Value(string name) => long.Parse(summary.Groups[name].Value, CultureInfo.InvariantCulture);
        return new LoadRun
        {
            Requests = Value("requests"),
            Hits = Value("hit"),
            Misses = Value("miss"),
            Other = Value("other"),
            P50Microseconds = Value("p50"),
            P90Microseconds = Value("p90"),
            Errors = Value("errors"),
        };
    }

    private static string? FindOnPath(string name)
        => (System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"odv requests=(?<requests>\d+) hit=(?<hit>\d+) miss=(?<miss>\d+) other=(?<other>\d+) p50_us=(?<p50>\d+) p90_us=(?<p90>\d+) errors=(?<errors>\d+)")]
    private static partial Regex Summary();

    /// <summary>
    /// Cycles through the request targets in the file named after <c>--</c>, one per request, and counts each
    /// response's <c>X-Cache</c> (a 200 that says HIT, a 200 that says MISS, anything else).
    /// </summary>
    private const string CycleScript = """
        local targets = {}
        local position = 0
        hit, miss, other = 0, 0, 0
        local threads = {}

        function setup(thread)
          table.insert(threads, thread)
        end

        function init(args)
          for line in io.lines(args[1]) do
            if #line > 0 then targets[#targets + 1] = line end
          end
        end

        function request()
          position = position % #targets + 1
          return wrk.format("GET", targets[position])
        end

        function response(status, headers, body)
          local outcome = headers["X-Cache"]
          if status == 200 and outcome == "HIT" then hit = hit + 1
          elseif status == 200 and outcome == "MISS" then miss = miss + 1
          else other = other + 1 end
        end

        function done(summary, latency, requests)
          local h, m, o = 0, 0, 0
          for _, t in ipairs(threads) do
            h = h + t:get("hit"); m = m + t:get("miss"); o = o + t:get("other")
          end
          local e = summary.errors
          io.write(string.format("odv requests=%d hit=%d miss=%d other=%d p50_us=%d p90_us=%d errors=%d\n",
            summary.requests, h, m, o, latency:percentile(50), latency:percentile(90),
            e.connect + e.read + e.write + e.status + e.timeout))
        end
        """;
}

/// <summary>The load measurement's rounds; <see cref="NotMeasured"/> says why there are none.</summary>
internal sealed class LoadResult
{
    public List<LoadRun> Runs { get; } = [];

    public string? NotMeasured { get; set; }

    public IReadOnlyList<LoadRun> HitRuns(int connections) => Runs.Where(r => r.Hit && r.Connections == connections).ToList();

    public IReadOnlyList<LoadRun> MissRuns(int connections) => Runs.Where(r => !r.Hit && r.Connections == connections).ToList();

    /// <summary>The median over the rounds of one kind.</summary>
    public static double Median(IReadOnlyList<LoadRun> runs, Func<LoadRun, double> value) => Measurement.Median(runs.Select(value).ToList());
}

/// <summary>One wrk run of one kind: what wrk counted, and the CPU the operating system counted meanwhile.</summary>
internal sealed record LoadRun
{
    public bool Hit { get; init; }

    /// <summary>wrk's connections: 8 (under load) or 1 (one request at a time).</summary>
    public int Connections { get; init; }

    public long Requests { get; init; }

    public long Hits { get; init; }

    public long Misses { get; init; }

    public long Other { get; init; }

    public long Errors { get; init; }

    public long P50Microseconds { get; init; }

    public long P90Microseconds { get; init; }

    public double WallSeconds { get; init; }

    public TimeSpan ServerCpu { get; init; }

    public TimeSpan PostgresCpu { get; init; }

    public double ServerMicroseconds => ServerCpu.TotalMicroseconds / Math.Max(1, Requests);

    public double PostgresMicroseconds => PostgresCpu.TotalMicroseconds / Math.Max(1, Requests);

    public double RequestsPerSecond => Requests / Math.Max(0.001, WallSeconds);

    /// <summary>Whether every response was what the kind means (a hit, or a miss).</summary>
    public bool AsMeant => Errors == 0 && Other == 0 && (Hit ? Misses == 0 : Hits == 0);
}
