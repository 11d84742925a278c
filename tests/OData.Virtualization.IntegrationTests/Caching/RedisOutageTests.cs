using System.Diagnostics;
using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Diagnostics;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Security;
using Xunit.Abstractions;

namespace OData.Virtualization.IntegrationTests.Caching;

/// <summary>
/// Redis is an accelerator, not a dependency: with the shared cache's redis-server killed, a cache miss costs about
/// what it costs on a server without Redis (it used to wait 5.5–17 s for StackExchange.Redis's timeouts), readiness
/// says Degraded naming the cache's distributed level, <c>odata_cache_distributed_available</c> is 0, and both come
/// back by themselves when Redis is started again on the same port.
/// </summary>
/// <remarks>
/// In the metered collection (alone, after the parallel ones): the latency comparison wants a quiet machine, and the
/// gauge is read from a scrape that would also see another test's server sharing a Redis.
/// </remarks>
[Collection(MeteredCollection.Name)]
public sealed class RedisOutageTests(ITestOutputHelper output)
{
    /// <summary>Requests per median: distinct entities, so each one is a miss (a statement at the source).</summary>
    private const int Requests = 21;

    /// <summary>
    /// What the killed-Redis median may exceed twice the Redis-less median by. A miss here costs a few milliseconds,
    /// so twice that alone is within the jitter of a 2-core machine shared with other builds; 50 ms still fails the
    /// old behaviour (seconds per miss) by two orders of magnitude.
    /// </summary>
    private const double AllowanceMilliseconds = 50;

    private static readonly string s_encryptionKey = "k1:" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task Misses_RedisKilled_CostWithinTwiceTheMedianOfAServerWithoutRedis()
    {
        var bank = (await PostgresCluster.GetAsync()).ConnectionString("bank");
        double withoutRedis;
        await using (var plain = InProcessServer.Start(InProcessServer.PostgresSettings("bank", bank)))
        {
            withoutRedis = await MedianMissMillisecondsAsync(plain, firstId: 100_000);
        }

        await using var redis = await RedisServer.StartAsync();
        await using var server = InProcessServer.Start(Settings(bank, redis));
        var withRedis = await MedianMissMillisecondsAsync(server, firstId: 200_000);
        await redis.KillAsync();
        var killed = await MedianMissMillisecondsAsync(server, firstId: 300_000, warmUp: false);

        var timings = $"median miss: {withoutRedis:0.0} ms without Redis, {withRedis:0.0} ms with Redis up, {killed:0.0} ms with Redis killed";
        output.WriteLine(timings);
        Assert.True(killed <= (2 * withoutRedis) + AllowanceMilliseconds, $"A miss with Redis down costs too much: {timings} (allowed: twice the first + {AllowanceMilliseconds} ms).");
    }

    [Fact]
    public async Task Readiness_RedisKilledThenRestarted_DegradedNamingTheDistributedLevel_ThenHealthy_AndTheGaugeFollows()
    {
        var bank = (await PostgresCluster.GetAsync()).ConnectionString("bank");
        await using var redis = await RedisServer.StartAsync();
        var settings = Settings(bank, redis);
        settings["OData:Telemetry:Metrics:ScrapeTokenHash"] = SecretHasher.HashApiKey(MetricsTests.ScrapeToken);
        await using var server = InProcessServer.Start(settings);
        var root = new Uri(server.Client.BaseAddress!, "/");
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(server, "transactions(400000)")).Status);

        var (status, body) = await PollReadyAsync(server, root, "Healthy", TimeSpan.FromSeconds(5));
        Assert.True(status == "Healthy", $"Not healthy with Redis up: {body}");
        Assert.Equal(1, await PollAvailableAsync(server, root, 1));

        await redis.KillAsync();
        var killed = Stopwatch.StartNew();
        (status, body) = await PollReadyAsync(server, root, "Degraded", TimeSpan.FromSeconds(5));
        var degradedAfter = killed.Elapsed;
        Assert.True(status == "Degraded", $"Still '{status}' {degradedAfter.TotalSeconds:0.0} s after Redis was killed: {body}");
        var cache = JsonDocument.Parse(body).RootElement.GetProperty("entries").GetProperty("cache");
        Assert.Equal("Degraded", cache.GetProperty("status").GetString());
        Assert.Contains("distributed level", cache.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("cannot be reached", cache.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), body, StringComparison.Ordinal);
        Assert.Equal(0, await PollAvailableAsync(server, root, 0));

        // Still served, from the source and the memory level.
        Assert.Equal((HttpStatusCode.OK, "MISS"), await GetAsync(server, "transactions(400001)"));
        Assert.Equal((HttpStatusCode.OK, "HIT"), await GetAsync(server, "transactions(400001)"));

        await redis.RestartAsync();
        var restarted = Stopwatch.StartNew();
        (status, body) = await PollReadyAsync(server, root, "Healthy", TimeSpan.FromSeconds(20));
        var healthyAfter = restarted.Elapsed;
        Assert.True(status == "Healthy", $"Still '{status}' {healthyAfter.TotalSeconds:0.0} s after Redis was started again: {body}");
        Assert.Equal(1, await PollAvailableAsync(server, root, 1));
        output.WriteLine($"Degraded {degradedAfter.TotalSeconds:0.00} s after the kill, Healthy {healthyAfter.TotalSeconds:0.00} s after the restart (200 ms polls).");
    }

    private static Dictionary<string, string?> Settings(string bank, RedisServer redis)
    {
        var settings = InProcessServer.PostgresSettings("bank", bank);
        settings["OData:Cache:Redis"] = redis.Configuration;
        settings["OData:Cache:EncryptionKeys:0"] = s_encryptionKey;
        return settings;
    }

    /// <summary>The median time of <see cref="Requests"/> misses, each on an entity of its own from <paramref name="firstId"/>.</summary>
    private static async Task<double> MedianMissMillisecondsAsync(InProcessServer server, int firstId, bool warmUp = true)
    {
        if (warmUp)
        {
            // JIT, the connection pools, the first plans: not what a miss costs.
            for (var i = 0; i < 5; i++)
            {
                await GetAsync(server, $"transactions({firstId + 900 + i})");
            }
        }

        var times = new List<double>();
        for (var i = 0; i < Requests; i++)
        {
            var watch = Stopwatch.StartNew();
            var (status, cache) = await GetAsync(server, $"transactions({firstId + i})");
            times.Add(watch.Elapsed.TotalMilliseconds);
            Assert.Equal((HttpStatusCode.OK, "MISS"), (status, cache));
        }

        times.Sort();
        return times[times.Count / 2];
    }

    private static async Task<(HttpStatusCode Status, string Cache)> GetAsync(InProcessServer server, string url)
    {
        using var response = await server.Client.GetAsync(url);
        await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.Headers.TryGetValues("X-Cache", out var values) ? string.Join(",", values) : string.Empty);
    }

    /// <summary>
    /// The gauge, read until it is <paramref name="wanted"/> (within 2 s): the Prometheus exporter answers scrapes less
    /// than 300 ms apart from the previous one's text.
    /// </summary>
    private static async Task<double> PollAvailableAsync(InProcessServer server, Uri root, double wanted)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var samples = await MetricsTests.ScrapeAsync(server.Client, root);
            var gauge = samples.Where(s => s.Name == "odata_cache_distributed_available").ToList();
            Assert.True(gauge.Count == 1, $"Expected one odata_cache_distributed_available sample, found {gauge.Count}.");
            if (gauge[0].Value == wanted || deadline.Elapsed > TimeSpan.FromSeconds(2))
            {
                return gauge[0].Value;
            }

            await Task.Delay(100);
        }
    }

    private static async Task<(string Status, string Body)> PollReadyAsync(InProcessServer server, Uri root, string wanted, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        var (status, body) = await ReadyAsync(server, root);
        while (status != wanted && deadline.Elapsed < within)
        {
            await Task.Delay(200);
            (status, body) = await ReadyAsync(server, root);
        }

        return (status, body);
    }

    private static async Task<(string Status, string Body)> ReadyAsync(InProcessServer server, Uri root)
    {
        using var response = await server.Client.GetAsync(new Uri(root, "health/ready"));
        var body = await response.Content.ReadAsStringAsync();
        return (JsonDocument.Parse(body).RootElement.GetProperty("status").GetString()!, body);
    }
}
