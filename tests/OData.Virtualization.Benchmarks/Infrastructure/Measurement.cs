using System.Diagnostics;

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
    /// Sequential requests to each of <paramref name="urls"/> in turn (which one goes first rotates every round), so
    /// that noise from other work on the machine falls on all of them. Stops after <paramref name="maxRounds"/> rounds
    /// or when the budget is spent. Also returns the <c>Server-Timing</c> headers of the first URL's responses.
    /// </summary>
    public static async Task<(List<double>[] Times, List<string> FirstServerTimings)> InterleavedAsync(
        HttpClient client, IReadOnlyList<Uri> urls, int maxRounds, TimeSpan budget, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var times = urls.Select(_ => new List<double>(maxRounds)).ToArray();
        var serverTimings = new List<string>(maxRounds);
        var clock = Stopwatch.StartNew();
        for (var round = 0; round < maxRounds && clock.Elapsed < budget; round++)
        {
            for (var k = 0; k < urls.Count; k++)
            {
                var i = (round + k) % urls.Count;
                times[i].Add((await GetAsync(client, urls[i], buffer, i == 0 ? serverTimings : null, ct)).Milliseconds);
            }
        }

        return (times, serverTimings);
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
