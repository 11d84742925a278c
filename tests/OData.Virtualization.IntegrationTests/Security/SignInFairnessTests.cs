using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// A flood of wrong passwords does not slow other principals down: while 30 wrong HTTP Basic sign-ins a second
/// arrive for 3 seconds (each from an address of its own, half for a known user and half for user names nobody has,
/// so that most want a password check), an API-key client's median latency stays within twice its median before,
/// plus a few milliseconds. A fairness check, not a benchmark: alone in its collection (see
/// <see cref="LatencyCollection"/>), medians over many requests.
/// </summary>
[Collection(LatencyCollection.Name)]
public sealed class SignInFairnessTests(ITestOutputHelper output)
{
    private const string ApiKeyAddress = "198.51.100.77";

    private const int RequestsPerSecond = 50;

    /// <summary>Allowed on top of twice the median before: scheduling noise on a small shared machine.</summary>
    private static readonly TimeSpan s_slack = TimeSpan.FromMilliseconds(5);

    [Fact]
    public async Task WrongPasswordFlood_LeavesAnApiKeyClientsMedianLatencyWithinTwiceItsMedianBefore()
    {
        await using var server = await SignInServer.StartAsync();

        // Warm up (JIT, connections, the cache entry), then the median before. The API-key client sends at a fixed
        // rate whatever the answers take (a client that waited for each answer would send few requests while the
        // server stalls, and its median would not see the stall).
        await MeasureAsync(server, TimeSpan.FromSeconds(1));
        var before = Median(await MeasureAsync(server, TimeSpan.FromSeconds(3)));

        var flood = FloodAsync(server, perSecond: 30, TimeSpan.FromSeconds(3));
        var during = await MeasureAsync(server, TimeSpan.FromSeconds(3));
        var statuses = await flood;
        var median = Median(during);
        output.WriteLine($"API key median before {before:F2} ms, during the flood {median:F2} ms (90th percentile {Percentile(during, 0.9):F2} ms) over {during.Count} requests; flood: {statuses.Count} sign-ins, "
                         + string.Join(", ", statuses.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{(int)g.Key}×{g.Count()}")) + $"; password checks {server.PasswordChecks}");

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests, $"flood status {(int)s}"));
        Assert.True(median <= 2 * before + s_slack.TotalMilliseconds, $"the API key's median latency rose from {before:F2} ms to {median:F2} ms during the flood");
    }

    /// <summary>Sends <paramref name="perSecond"/> wrong sign-ins a second for <paramref name="duration"/>, without waiting for answers.</summary>
    private static async Task<List<HttpStatusCode>> FloodAsync(SignInServer server, int perSecond, TimeSpan duration)
    {
        var sent = new List<Task<HttpStatusCode>>();
        var started = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / perSecond));
        var n = 0;
        while (started.Elapsed < duration && await timer.WaitForNextTickAsync())
        {
            // Catch up if a tick was late: the rate is what matters.
            var due = (int)(started.Elapsed.TotalSeconds * perSecond) + 1;
            for (; n < due; n++)
            {
                var i = n;
                sent.Add(Task.Run(async () =>
                {
                    var (response, _) = await server.BasicAsync($"10.{i / 250}.{i % 250}.1", i % 2 == 0 ? "alice" : "intruder" + i, "guess-" + i);
                    using (response)
                    {
                        return response.StatusCode;
                    }
                }));
            }
        }

        return [.. await Task.WhenAll(sent)];
    }

    /// <summary>
    /// API-key requests at <see cref="RequestsPerSecond"/> for <paramref name="duration"/>, each sent on time whether or not
    /// earlier ones have been answered; a latency is counted from when its request was due.
    /// </summary>
    private static async Task<List<double>> MeasureAsync(SignInServer server, TimeSpan duration)
    {
        var requests = new List<Task<double>>();
        var started = Stopwatch.StartNew();
        for (var i = 0; i < duration.TotalSeconds * RequestsPerSecond; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / RequestsPerSecond);
            if (due > started.Elapsed)
            {
                await Task.Delay(due - started.Elapsed);
            }

            requests.Add(Task.Run(async () =>
            {
                var (response, body) = await server.ApiKeyAsync(ApiKeyAddress, SignInServer.MonitorKey);
                var latency = (started.Elapsed - due).TotalMilliseconds;
                using (response)
                {
                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"API key: {(int)response.StatusCode} {body}");
                }

                return latency;
            }));
        }

        return [.. await Task.WhenAll(requests)];
    }

    private static double Percentile(List<double> values, double p) => values.Order().ElementAt((int)Math.Min(values.Count - 1, values.Count * p));

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

/// <summary>
/// Tests that compare latencies run alone, after the parallel collections: another test's server busy at the same time
/// on the same cores would be measured too.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LatencyCollection
{
    public const string Name = "Latency, alone";
}
