using System.Diagnostics;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.Benchmarks.Infrastructure;

/// <summary>Timed HTTP requests: the whole body is read (and discarded) before the clock stops.</summary>
internal static class Measurement
{
    public static async Task<(double Milliseconds, long Bytes)> GetAsync(HttpClient client, Uri url, byte[] buffer, CancellationToken ct)
        => await GetAsync(client, url, buffer, serverTimings: null, ct);

    /// <summary>As above; adds the response's <c>Server-Timing</c> header (if any) to <paramref name="serverTimings"/>.</summary>
    public static async Task<(double Milliseconds, long Bytes)> GetAsync(HttpClient client, Uri url, byte[] buffer, List<string>? serverTimings, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }

        if (serverTimings is not null && response.Headers.TryGetValues("Server-Timing", out var timing))
        {
            serverTimings.Add(string.Join(", ", timing));
        }

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
        }

        return (Stopwatch.GetElapsedTime(start).TotalMilliseconds, total);
    }

    /// <summary>
    /// Sequential requests, ours and the baseline's alternating (which goes first alternates too), so that noise from
    /// other work on the machine falls on both. Stops after <paramref name="maxPairs"/> pairs or when the budget is spent.
    /// </summary>
    /// <remarks>Also returns the CPU time each server process used meanwhile (each served only its own requests).</remarks>
    public static async Task<(List<double> Ours, List<double> Baseline, TimeSpan OursCpu, TimeSpan BaselineCpu, List<string> OursServerTimings)> InterleavedAsync(
        HttpClient client, (Uri Url, ServerProcess Process) ours, (Uri Url, ServerProcess Process) baseline, int maxPairs, TimeSpan budget, CancellationToken ct)
    {
        var oursCpu = ours.Process.CpuTime();
        var baselineCpu = baseline.Process.CpuTime();
        var buffer = new byte[64 * 1024];
        var oursTimes = new List<double>(maxPairs);
        var baselineTimes = new List<double>(maxPairs);
        var serverTimings = new List<string>(maxPairs);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < maxPairs && clock.Elapsed < budget; i++)
        {
            if (i % 2 == 0)
            {
                oursTimes.Add((await GetAsync(client, ours.Url, buffer, serverTimings, ct)).Milliseconds);
                baselineTimes.Add((await GetAsync(client, baseline.Url, buffer, ct)).Milliseconds);
            }
            else
            {
                baselineTimes.Add((await GetAsync(client, baseline.Url, buffer, ct)).Milliseconds);
                oursTimes.Add((await GetAsync(client, ours.Url, buffer, serverTimings, ct)).Milliseconds);
            }
        }

        return (oursTimes, baselineTimes, ours.Process.CpuTime() - oursCpu, baseline.Process.CpuTime() - baselineCpu, serverTimings);
    }

    /// <summary><paramref name="workers"/> clients, each sending requests back to back; returns completed requests and seconds.</summary>
    public static async Task<(int Requests, double Seconds)> ConcurrentAsync(
        HttpClient client, Uri url, int workers, int maxRequests, TimeSpan budget, CancellationToken ct)
    {
        var issued = 0;
        var completed = 0;
        var clock = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, workers).Select(async _ =>
        {
            var buffer = new byte[64 * 1024];
            while (Interlocked.Increment(ref issued) <= maxRequests && clock.Elapsed < budget)
            {
                await GetAsync(client, url, buffer, ct);
                Interlocked.Increment(ref completed);
            }
        }).ToList();
        await Task.WhenAll(tasks);
        return (completed, clock.Elapsed.TotalSeconds);
    }

    public static double Percentile(IReadOnlyList<double> values, double percentile)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = percentile / 100.0 * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);
}
