using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Refresh;

/// <summary>
/// The server as a process: the <c>--config</c> file reloads without a restart (a global TTL, a limit, and an entity
/// set's TTL all take effect; a half-written file or an invalid value changes nothing), and SIGTERM drains: readiness
/// turns 503 at once, new requests are still served during the readiness delay, a request in flight finishes, and the
/// process exits cleanly.
/// </summary>
public sealed class GracefulOperationTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "odv-graceful-" + Guid.NewGuid().ToString("N")[..8]);

    public GracefulOperationTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task ConfigFile_Reloaded_TtlsAndLimitsTakeEffect_ABrokenFileChangesNothing()
    {
        await using var database = await ScratchDatabase.CreateAsync("graceful_reload", """
            CREATE TABLE items (id integer PRIMARY KEY, name text);
            INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 50) AS i;
            CREATE TABLE other (id integer PRIMARY KEY);
            INSERT INTO other SELECT i FROM generate_series(1, 50) AS i;
            """);
        var file = Path.Combine(_folder, "odata.json");
        var config = Config(database.ConnectionString, maxTop: 5, defaultTtl: 300, itemsTtl: 30);
        await File.WriteAllTextAsync(file, config.ToJsonString());
        await using var server = StartServer(file);
        await server.WaitReadyAsync("health/live", TimeSpan.FromSeconds(60));
        using var client = server.NewClient();

        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("odata/items?$top=10")).StatusCode);
        Assert.InRange(await MaxAgeAsync(client, "items", 1), 29, 30);
        Assert.InRange(await MaxAgeAsync(client, "other", 1), 299, 300);

        await File.WriteAllTextAsync(file, Config(database.ConnectionString, maxTop: 50, defaultTtl: 7, itemsTtl: 12).ToJsonString());

        // A limit and the global TTL are read per request; the set's TTL comes with the refresh the reload asks for.
        var probe = 2;
        await RefreshServer.WaitUntilAsync(async () => (await client.GetAsync("odata/items?$top=10")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(15), "the reloaded MaxTop");
        await RefreshServer.WaitUntilAsync(async () => await MaxAgeAsync(client, "other", probe++) is 6 or 7, TimeSpan.FromSeconds(15), "the reloaded default TTL");
        await RefreshServer.WaitUntilAsync(async () => await MaxAgeAsync(client, "items", probe++) is 11 or 12, TimeSpan.FromSeconds(15), "the reloaded entity-set TTL");

        // Half a file (as an editor may leave it for a moment), then a value that fails validation: neither applies.
        var valid = Config(database.ConnectionString, maxTop: 50, defaultTtl: 7, itemsTtl: 12).ToJsonString();
        await File.WriteAllTextAsync(file, valid[..(valid.Length / 2)]);
        await RefreshServer.WaitUntilAsync(() => Task.FromResult(server.Output.Contains("its last valid version stays in effect", StringComparison.Ordinal)), TimeSpan.FromSeconds(15), "the broken file to be noticed");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("odata/items?$top=10")).StatusCode);
        Assert.InRange(await MaxAgeAsync(client, "other", probe++), 6, 7);

        var invalid = Config(database.ConnectionString, maxTop: 1, defaultTtl: 7, itemsTtl: 12);
        invalid["OData"]!["Limits"]!["MaxUrlLength"] = 10;
        await File.WriteAllTextAsync(file, invalid.ToJsonString());
        await RefreshServer.WaitUntilAsync(() => Task.FromResult(server.Output.Contains("reloaded configuration was not applied", StringComparison.Ordinal)), TimeSpan.FromSeconds(15), "the invalid configuration to be rejected");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("odata/items?$top=10")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("odata/items?$filter=name eq 'item 1'")).StatusCode);
    }

    [Fact]
    public async Task ConfigFile_ABlankedKeyHash_RevokesThatKeyWithoutARestart_WithAWarning()
    {
        await using var database = await ScratchDatabase.CreateAsync("graceful_revoke", """
            CREATE TABLE items (id integer PRIMARY KEY, name text);
            INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 5) AS i;
            """);
        const string Key = "odv_a-key-that-leaked";
        var file = Path.Combine(_folder, "odata.json");
        JsonObject WithKey(string hash)
        {
            var config = Config(database.ConnectionString, maxTop: 0, defaultTtl: 300, itemsTtl: 300);
            config["OData"]!["Security"] = new JsonObject { ["ApiKeys"] = new JsonObject { ["etl"] = new JsonObject { ["KeyHash"] = hash } } };
            return config;
        }

        await File.WriteAllTextAsync(file, WithKey(OData.Virtualization.Security.SecretHasher.HashApiKey(Key)).ToJsonString());
        await using var server = StartServer(file);
        await server.WaitReadyAsync("health/live", TimeSpan.FromSeconds(60));
        using var client = server.NewClient();
        client.DefaultRequestHeaders.Add("X-API-Key", Key);

        // Twice: the second is answered from the cache for the key's shared principal and its remembered scope.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("odata/items")).StatusCode);
        using (var again = await client.GetAsync("odata/items"))
        {
            Assert.Equal((HttpStatusCode.OK, "HIT"), (again.StatusCode, again.Headers.GetValues("X-Cache").Single()));
        }

        await File.WriteAllTextAsync(file, WithKey(string.Empty).ToJsonString());
        await RefreshServer.WaitUntilAsync(async () => (await client.GetAsync("odata/items")).StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(15), "the revoked key to be refused");
        Assert.Contains("OData:Security:ApiKeys:etl:KeyHash is not 'sha256$'", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_ReadinessTurns503_NewRequestsServedDuringTheDelay_InFlightRequestFinishes_ThenExit0()
    {
        await using var database = await ScratchDatabase.CreateAsync("graceful_drain", """
            CREATE TABLE items (id integer PRIMARY KEY, name text);
            INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 10) AS i;
            CREATE FUNCTION slow_id(i integer) RETURNS integer LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1); RETURN i; END $$;
            CREATE VIEW slow AS SELECT slow_id(i) AS id FROM generate_series(1, 6) AS i;
            """);
        var config = Config(database.ConnectionString, maxTop: 0, defaultTtl: 0, itemsTtl: 0);
        config["OData"]!["Sources"]!["src"]!["EntitySets"]!["public.slow"] = new JsonObject { ["Key"] = new JsonArray("id") };
        config["OData"]!["Shutdown"] = new JsonObject { ["ReadinessDelaySeconds"] = 3, ["DrainSeconds"] = 20 };
        var file = Path.Combine(_folder, "odata.json");
        await File.WriteAllTextAsync(file, config.ToJsonString());
        await using var server = StartServer(file);
        await server.WaitReadyAsync("health/live", TimeSpan.FromSeconds(60));
        using (var ready = server.NewClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await ready.GetAsync("health/ready")).StatusCode);
        }

        using var slowClient = server.NewClient();
        var watch = Stopwatch.StartNew();
        var slow = slowClient.GetAsync("odata/slow?$orderby=id");
        await Task.Delay(500);
        await server.TerminateAsync();
        var terminated = watch.Elapsed;

        // During the readiness delay: not ready, but still serving (a load balancer is taking the instance out).
        using (var during = server.NewClient())
        {
            await RefreshServer.WaitUntilAsync(async () => (await during.GetAsync("health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(2.5), "readiness to turn 503");
            Assert.Equal(HttpStatusCode.OK, (await during.GetAsync("odata/items(3)")).StatusCode);
        }

        // After the delay the port closes, while the slow request is still being answered.
        await RefreshServer.WaitUntilAsync(async () =>
        {
            try
            {
                using var late = server.NewClient();
                using var answered = await late.GetAsync("odata/items(4)");
                return false;
            }
            catch (HttpRequestException)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(10), "the port to close");
        Assert.True(watch.Elapsed - terminated >= TimeSpan.FromSeconds(3), $"the port closed {(watch.Elapsed - terminated).TotalSeconds:F1} s after SIGTERM, before the readiness delay ended");
        Assert.False(slow.IsCompleted, "the slow request ended before the port closed: the test proves nothing about draining");

        using var response = await slow;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("value");
        Assert.Equal([1, 2, 3, 4, 5, 6], rows.EnumerateArray().Select(r => r.GetProperty("id").GetInt32()));

        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the server did not exit after draining: " + server.Output);
        Assert.Equal(0, server.ExitCode);
        Assert.Contains("Shutting down: /health/ready now answers 503", server.Output, StringComparison.Ordinal);
    }

    /// <summary>The server executable on <paramref name="configFile"/>, logging at Information (the reload messages are asserted).</summary>
    private static ServerProcess StartServer(string configFile)
        => ServerProcess.Start("the server", new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Information" }, ["--config", configFile]);

    /// <summary>
    /// <c>Cache-Control: max-age</c> of a fresh request (a filter never used before, so a miss that shows the whole TTL,
    /// or a second less when rendering took a moment).
    /// </summary>
    private static async Task<int> MaxAgeAsync(HttpClient client, string set, int probe)
    {
        using var response = await client.GetAsync($"odata/{set}?$filter=id ge {probe}&$top=2");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("MISS", string.Join(",", response.Headers.GetValues("X-Cache")));
        return (int)response.Headers.CacheControl!.MaxAge!.Value.TotalSeconds;
    }

    private static JsonObject Config(string connectionString, int maxTop, int defaultTtl, int itemsTtl) => new()
    {
        ["OData"] = new JsonObject
        {
            ["Sources"] = new JsonObject
            {
                ["src"] = new JsonObject
                {
                    ["Provider"] = "PostgreSQL",
                    ["ConnectionString"] = connectionString,
                    ["EntitySets"] = new JsonObject { ["public.items"] = new JsonObject { ["CacheTtlSeconds"] = itemsTtl } },
                },
            },
            ["Security"] = new JsonObject { ["AllowAnonymous"] = true },
            ["Limits"] = new JsonObject { ["MaxTop"] = maxTop, ["RequestsPerMinute"] = 0, ["ConcurrentRequests"] = 0 },
            ["Cache"] = new JsonObject { ["DefaultTtlSeconds"] = defaultTtl },
            ["Refresh"] = new JsonObject { ["DebounceMilliseconds"] = 100 },
        },
    };
}
