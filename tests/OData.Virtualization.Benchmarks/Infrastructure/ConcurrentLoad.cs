using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace OData.Virtualization.Benchmarks.Infrastructure;

/// <summary>
/// A fixed number of clients sending one URL back to back for a fixed time: <c>wrk</c> (one thread, negligible CPU
/// per request) when it is installed, else as many <see cref="HttpClient"/> loops in this process.
/// </summary>
internal static partial class ConcurrentLoad
{
    /// <summary>Prints what the run needs from wrk's summary: requests, failed responses and errors, time, latency.</summary>
    private const string SummaryScript = """
        function done(summary, latency, requests)
          local e = summary.errors
          io.write(string.format("odv requests=%d errors=%d status=%d duration_us=%d p50_us=%d p99_us=%d\n",
            summary.requests, e.connect + e.read + e.write + e.timeout, e.status, summary.duration,
            latency:percentile(50), latency:percentile(99)))
        end
        """;

    private static readonly Lazy<string?> s_wrk = new(() => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(folder => Path.Combine(folder, "wrk"))
        .FirstOrDefault(File.Exists));

    private static readonly Lazy<string> s_script = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"odv-bench-summary-{Environment.ProcessId}.lua");
        File.WriteAllText(path, SummaryScript);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    });

    /// <summary>Which client the numbers come from.</summary>
    public static string Client => s_wrk.Value is null
        ? "HttpClient loops in the benchmark process (wrk is not installed)"
        : "wrk -t1 (HttpClient loops in the benchmark process for the slow requests, which then run until the last answer is in)";

    /// <param name="slow">
    /// Requests that take longer than a fraction of <paramref name="duration"/> with <paramref name="clients"/> in flight:
    /// wrk counts only the requests completed within its time, which would leave out most of them. Then each client stops
    /// sending when the time is up and it has sent <see cref="MinRequestsPerClient"/>, and the run ends when the last
    /// answer is in (requests ÷ that time).
    /// </param>
    /// <summary>
    /// Each client of a slow cell sends at least this many requests: with one each, a cell of 1-second <c>$skip</c> pages
    /// measured when the sixteenth answer happened to come (2–3 requests a second, ratios between runs 0.67–0.83).
    /// </summary>
    private const int MinRequestsPerClient = 3;

    public static async Task<LoadOutcome> RunAsync(HttpClient client, Uri url, string apiKey, int clients, TimeSpan duration, bool slow, CancellationToken ct)
    {
        if (slow || s_wrk.Value is null)
        {
            var times = new List<double>();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
            {
                var buffer = new byte[64 * 1024];
                var own = new List<double>();
                do
                {
                    own.Add((await Measurement.GetAsync(client, url, buffer, ct)).Milliseconds);
                }
                while (clock.Elapsed < duration || own.Count < MinRequestsPerClient);
                lock (times)
                {
                    times.AddRange(own);
                }
            }));
            return new LoadOutcome(times.Count, 0, clock.Elapsed.TotalSeconds, Measurement.Median(times), Measurement.Percentile(times, 99));
        }

        var wrk = s_wrk.Value;

        var start = new ProcessStartInfo(wrk)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-t1", "-c" + clients.ToString(CultureInfo.InvariantCulture),
            "-d" + Math.Ceiling(duration.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s", // whole seconds only
            "--timeout", "20s", "-H", "X-API-Key: " + apiKey, "-s", s_script.Value, url.AbsoluteUri,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start wrk.");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            deadline.CancelAfter(duration + TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                throw;
            }
        }

        var text = await output;
        var summary = Summary().Match(text);
        if (process.ExitCode != 0 || !summary.Success)
        {
            throw new InvalidOperationException($"wrk failed (exit {process.ExitCode}) on {url}: {text} {await error}");
        }

        long Value(string name) => long.Parse(summary.Groups[name].Value, CultureInfo.InvariantCulture);
        var failed = Value("errors") + Value("status");
        if (failed > 0)
        {
            throw new InvalidOperationException($"{failed} of {Value("requests")} requests to {url} failed under load ({Value("status")} answered an error status).");
        }

        return new LoadOutcome(Value("requests"), failed, Value("duration") / 1e6, Value("p50") / 1000.0, Value("p99") / 1000.0);
    }

    [GeneratedRegex(@"odv requests=(?<requests>\d+) errors=(?<errors>\d+) status=(?<status>\d+) duration_us=(?<duration>\d+) p50_us=(?<p50>\d+) p99_us=(?<p99>\d+)")]
    private static partial Regex Summary();
}

/// <summary>What one load run counted: requests, failures, wall seconds, median and p99 latency (ms; NaN without wrk).</summary>
internal sealed record LoadOutcome(long Requests, long Failed, double Seconds, double P50, double P99);
