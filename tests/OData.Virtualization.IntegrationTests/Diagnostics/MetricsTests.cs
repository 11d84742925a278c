using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Security;
using OData.Virtualization.Security;

namespace OData.Virtualization.IntegrationTests.Diagnostics;

/// <summary>
/// A Prometheus scrape after a known set of requests (a server of its own) counts exactly those requests: per entity
/// set, status code and client profile; per cache outcome (miss, hit, joined, bypass, stale, each as the response's
/// <c>X-Cache</c> said); rows returned; SQL statements per source; and the pool of each source. Alone in their
/// collection: see <see cref="MeteredCollection"/>.
/// </summary>
[Collection(MeteredCollection.Name)]
public sealed class MetricsTests
{
    internal const string ScrapeToken = "odv_metrics-test-token-0123456789abcdef";

    [Fact]
    public async Task Scrape_AfterKnownRequests_CountsEachEntitySetStatusProfileAndCacheOutcome()
    {
        // A source of this test's own that can be stopped, for a stale serve; the shared cluster's erp for the rest.
        await using var fx = await PostgresCluster.StartAsync();
        await fx.ExecuteAsync("postgres", "CREATE DATABASE metrics");
        await fx.ExecuteAsync("metrics", "CREATE TABLE rates (code char(3) PRIMARY KEY, rate numeric(12,6) NOT NULL); INSERT INTO rates VALUES ('CHF', 0.94), ('EUR', 1), ('USD', 1.08);");
        // erp through a relay that can hold the database's answers back: concurrent identical requests then join one statement.
        var cluster = await PostgresCluster.GetAsync();
        await using var relay = new TcpRelay(cluster.Admin.Host!, cluster.Admin.Port);
        var settings = await ErpSettingsAsync();
        settings["OData:Sources:erp:ConnectionString"] = new NpgsqlConnectionStringBuilder(cluster.ConnectionString("erp")) { Port = relay.Port }.ConnectionString;
        foreach (var (key, value) in InProcessServer.PostgresSettings("fx", fx.ConnectionString("metrics")))
        {
            settings[key] = value;
        }

        settings["OData:Sources:fx:ConnectTimeoutSeconds"] = "2";
        settings["OData:Sources:erp:EntitySets:public.suppliers:CacheTtlSeconds"] = "0";
        settings["OData:Cache:DefaultTtlSeconds"] = "10";
        settings["OData:Cache:MaxStalenessSeconds"] = "60";
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = InProcessServer.Start(settings, clock);
        var root = new Uri(server.Client.BaseAddress!, "/");
        var sent = new List<Sent>();

        async Task SendAsync(string path, string set, string profile = "odata")
        {
            using var response = await server.Client.GetAsync(new Uri(root, path));
            var body = await response.Content.ReadAsStringAsync();
            var cache = response.Headers.TryGetValues("X-Cache", out var values) ? values.Single().ToLowerInvariant() : null;
            long? rows = null;
            if (response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                using var json = JsonDocument.Parse(body);
                rows = json.RootElement.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Array ? value.GetArrayLength() : null;
            }

            lock (sent)
            {
                sent.Add(new Sent(set, profile, (int)response.StatusCode, cache, rows));
            }
        }

        await SendAsync("odata/customers?$top=3", "customers");
        await SendAsync("odata/customers?$top=3", "customers");
        await SendAsync("odata/customers?$top=3", "customers");
        await SendAsync("odata/products?$top=2&$select=name", "products");
        await SendAsync("odata/suppliers?$top=2", "suppliers");
        await SendAsync("odata/suppliers?$top=2", "suppliers");
        await SendAsync("odata/$metadata", "$metadata");
        await SendAsync("odata/no_such_set?$top=1", "(none)");
        await SendAsync("odata/products?$top=1&$frobnicate=1", "(none)");
        await SendAsync("salesforce/customers?$top=1", "customers", "salesforce");
        relay.Lag = TimeSpan.FromMilliseconds(500);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => SendAsync("odata/products?$top=5&$orderby=name", "products")));
        relay.Lag = TimeSpan.Zero;
        await SendAsync("odata/rates?$orderby=code", "rates");
        await fx.StopAsync();
        clock.Advance(TimeSpan.FromSeconds(11));
        await SendAsync("odata/rates?$orderby=code", "rates");

        var summary = string.Join(Environment.NewLine, sent);
        Assert.True(sent.Count(s => s.Status >= 400) == 2, "Only the two bad requests should fail:" + Environment.NewLine + summary);
        Assert.True(new[] { "miss", "hit", "joined", "stale", "bypass" }.All(outcome => sent.Any(s => s.Cache == outcome)), "Not every cache outcome happened:" + Environment.NewLine + summary);

        var expectedRequests = Tally(sent.GroupBy(s => (s.Set, s.Status.ToString(CultureInfo.InvariantCulture), s.Profile)), s => 1);
        var expectedCache = Tally(sent.Where(s => s.Cache is not null).GroupBy(s => (s.Set, s.Cache!, string.Empty)), s => 1);
        var expectedRows = Tally(sent.Where(s => s.Rows is > 0).GroupBy(s => (s.Set, string.Empty, string.Empty)), s => s.Rows!.Value);
        var expectedSql = Tally(sent.Where(s => s.Cache is "miss" or "bypass").GroupBy(s => (s.Set, string.Empty, string.Empty)), s => 1);
        var erpStatements = sent.Count(s => s.Set != "rates" && s.Cache is "miss" or "bypass");

        // The request counters are updated as each request ends; poll briefly for the last ones.
        IReadOnlyList<PrometheusSample> samples = [];
        var waited = Stopwatch.StartNew();
        do
        {
            samples = await ScrapeAsync(server.Client, root);
        }
        while (Sum(samples, "odata_requests_total") < sent.Count && waited.Elapsed < TimeSpan.FromSeconds(10));

        Assert.Equal(expectedRequests, Actual(samples, "odata_requests_total", s => (s.Label("entity_set"), s.Label("status_code"), s.Label("profile"))));
        Assert.Equal(expectedCache, Actual(samples, "odata_cache_requests_total", s => (s.Label("entity_set"), s.Label("outcome"), string.Empty)));
        Assert.Equal(expectedRows, Actual(samples, "odata_rows_total", s => (s.Label("entity_set"), string.Empty, string.Empty)));
        Assert.Equal(expectedSql, Actual(samples, "odata_sql_duration_seconds_count", s => (s.Label("entity_set"), string.Empty, string.Empty)));
        var durations = Tally(sent.GroupBy(s => (s.Set, s.Profile, string.Empty)), s => 1);
        Assert.Equal(durations, Actual(samples, "odata_request_duration_seconds_count", s => (s.Label("entity_set"), s.Label("profile"), string.Empty)));
        Assert.Equal(erpStatements, Sum(samples, "odata_source_statements_total", s => s.Label("source") == "erp"));
        // fx: the miss's statement, and whatever the stale attempt got to send on a pooled connection before it failed.
        Assert.True(Sum(samples, "odata_source_statements_total", s => s.Label("source") == "fx") >= 1, "no statement counted for the source 'fx'");

        // Pool use per source: ours (statements running now, out of the limit) and Npgsql's own, named after the source.
        Assert.Equal(0, Sum(samples, "odata_source_statements_active", s => s.Label("source") == "erp"));
        Assert.True(Sum(samples, "odata_source_statements_limit", s => s.Label("source") == "erp") > 0, "no statement limit for the source 'erp'");
        Assert.Contains(samples, s => s.Name == "db_client_connection_count" && s.Label("db_client_connection_pool_name") == "erp");
        Assert.Contains(samples, s => s.Name == "db_client_connection_count" && s.Label("db_client_connection_pool_name") == "fx");
    }

    [Fact]
    public async Task RateLimitRejections_AreCountedByLimit()
    {
        var settings = await ErpSettingsAsync();
        settings["OData:Limits:RequestsPerMinute"] = "3";
        await using var server = InProcessServer.Start(settings);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await server.Client.GetAsync("customers?$top=1");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        var samples = await ScrapeAsync(server.Client, new Uri(server.Client.BaseAddress!, "/"));
        Assert.Equal(2, Sum(samples, "odata_rate_limit_rejections_total", s => s.Label("limit") == "requests_per_minute"));
        Assert.Equal(2, Sum(samples, "odata_requests_total", s => s.Label("status_code") == "429"));
    }

    /// <summary>The PostgreSQL fixture's erp source (the shared cluster), readable with the scrape token.</summary>
    private static async Task<Dictionary<string, string?>> ErpSettingsAsync()
    {
        var cluster = await PostgresCluster.GetAsync();
        return new Dictionary<string, string?>
        {
            ["OData:Sources:erp:Provider"] = "PostgreSQL",
            ["OData:Sources:erp:ConnectionString"] = cluster.ConnectionString("erp"),
            ["OData:Sources:erp:Publish:0"] = "*.*",
            ["OData:Sources:erp:Publish:1"] = "!*.audit_log",
            ["OData:Sources:erp:EntitySets:sales.order_summaries:Key:0"] = "order_id",
            ["OData:Telemetry:Metrics:ScrapeTokenHash"] = SecretHasher.HashApiKey(ScrapeToken),
        };
    }

    internal static async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync(HttpClient client, Uri root)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(root, "metrics"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ScrapeToken);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"The scrape answered {(int)response.StatusCode}: {text}");
        return PrometheusText.Parse(text);
    }

    private static double Sum(IReadOnlyList<PrometheusSample> samples, string name, Func<PrometheusSample, bool>? where = null)
        => samples.Where(s => s.Name == name && (where is null || where(s))).Sum(s => s.Value);

    private static SortedDictionary<string, double> Tally(IEnumerable<IGrouping<(string, string, string), Sent>> groups, Func<Sent, long> value)
        => new(groups.ToDictionary(g => Key(g.Key), g => (double)g.Sum(value)), StringComparer.Ordinal);

    private static SortedDictionary<string, double> Actual(IReadOnlyList<PrometheusSample> samples, string name, Func<PrometheusSample, (string, string, string)> key)
        => new(samples.Where(s => s.Name == name).GroupBy(s => Key(key(s))).ToDictionary(g => g.Key, g => g.Sum(s => s.Value)), StringComparer.Ordinal);

    private static string Key((string A, string B, string C) key) => $"{key.A} | {key.B} | {key.C}";

    private sealed record Sent(string Set, string Profile, int Status, string? Cache, long? Rows);
}
