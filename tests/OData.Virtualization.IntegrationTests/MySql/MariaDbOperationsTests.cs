using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.Hosting;
using OData.Virtualization.IntegrationTests.Diagnostics;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Security;

namespace OData.Virtualization.IntegrationTests.MySql;

/// <summary>
/// Operating a MariaDB source: a statement past its limit is a 504, a client that hangs up has its statement killed
/// (KILL QUERY), the connection pool's metrics are scraped, and a schema refresh on request publishes a new column.
/// </summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbOperationsTests(MariaDbFixture fixture)
{
    // No index serves it: a SHA2 per row of 20 million, seconds of work.
    private const string SlowQuery = "slow_numbers?$filter=h eq 'nothing'&$count=true";

    private Dictionary<string, string?> Settings(int timeoutSeconds) => new(MariaDbFixture.Settings(fixture.ReaderConnectionString))
    {
        ["OData:Sources:exact:CommandTimeoutSeconds"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["OData:Sources:exact:EntitySets:exact.slow_numbers:Key:0"] = "id",
        ["OData:Telemetry:Metrics:ScrapeTokenHash"] = SecretHasher.HashApiKey(MetricsTests.ScrapeToken),
    };

    [Fact]
    public async Task StatementPastTheLimit_Is504_AndTheSourceStillAnswers()
    {
        await using var server = new InProcessServer(Settings(timeoutSeconds: 1));
        server.StartServer();

        var started = DateTime.UtcNow;
        using var response = await server.Client.GetAsync(SlowQuery);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.GatewayTimeout, $"{(int)response.StatusCode} {body}");
        Assert.DoesNotContain("SELECT", body, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "The server's own limit stops the statement, not the driver's backstop.");
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("codes('abc')")).StatusCode);
    }

    [Fact]
    public async Task ClientThatHangsUp_HasItsStatementKilled()
    {
        await using var server = new InProcessServer(Settings(timeoutSeconds: 60));
        server.StartServer();
        using var client = server.NewClient();
        client.Timeout = TimeSpan.FromSeconds(1);

        await Assert.ThrowsAnyAsync<TaskCanceledException>(() => client.GetAsync(SlowQuery));

        // Within three seconds no statement of the server's account runs any more: left alone, it runs for more than
        // six (one hash per row of 20 million, measured on an idle machine).
        var deadline = DateTime.UtcNow.AddSeconds(3);
        List<string?> running;
        do
        {
            await Task.Delay(250);
            running = await fixture.ColumnAsync(
                $"SELECT INFO FROM information_schema.PROCESSLIST WHERE USER = '{MariaDbFixture.Reader}' AND COMMAND = 'Query' AND INFO LIKE '%slow_numbers%'");
        }
        while (running.Count > 0 && DateTime.UtcNow < deadline);

        Assert.Empty(running);
    }

    [Fact]
    public async Task PoolMetrics_AreScraped_ForTheSource()
    {
        await using var server = new InProcessServer(Settings(timeoutSeconds: 5));
        var root = server.StartKestrel();
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("codes?$top=1")).StatusCode);

        var samples = await MetricsTests.ScrapeAsync(server.Client, root);
        Assert.Contains(samples, s => s.Name.StartsWith("db_client_connections_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SchemaRefresh_OnRequest_PublishesANewColumn()
    {
        await fixture.Server.ExecuteAsync("DROP DATABASE IF EXISTS refreshed; CREATE DATABASE refreshed; CREATE TABLE refreshed.t (id int PRIMARY KEY); INSERT INTO refreshed.t VALUES (1);");
        await using var server = new InProcessServer(new Dictionary<string, string?>
        {
            ["OData:Sources:r:Provider"] = "MySql",
            ["OData:Sources:r:ConnectionString"] = fixture.Server.ConnectionString("refreshed"),
        });
        server.StartServer();
        Assert.False((await server.Client.GetJsonAsync("t(1)")).TryGetProperty("added", out _));

        await fixture.Server.ExecuteAsync("ALTER TABLE refreshed.t ADD COLUMN added varchar(10) NULL DEFAULT 'new'");
        var host = server.Services.GetRequiredService<ModelHost>();
        await host.RefreshAsync("test", CancellationToken.None);

        Assert.Equal("new", (await server.Client.GetJsonAsync("t(1)?$select=id,added")).GetProperty("added").GetString());
    }

    [Fact]
    public async Task Readiness_IsHealthy_WhenTheSourceAnswers()
    {
        await using var server = new InProcessServer(Settings(timeoutSeconds: 5));
        server.StartServer();

        using var response = await server.NewClient(string.Empty).GetAsync("health/ready");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("Healthy", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpandOnPagesLargerThanTheBuffer_Is501_NotA500()
    {
        var settings = Settings(timeoutSeconds: 5);
        settings["OData:Paging:DefaultPageSize"] = "5000";
        settings["OData:Paging:MaxPageSize"] = "5000";
        settings["OData:Sources:exact:PageSize"] = "5000";
        settings["OData:Sources:exact:MaxPageSize"] = "5000";
        await using var server = new InProcessServer(settings);
        server.StartServer();

        using var response = await server.Client.GetAsync("codes?$expand=children");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.NotImplemented, $"{(int)response.StatusCode} {body}");
        Assert.Contains("smaller pages", body, StringComparison.Ordinal);

        using var small = await server.Client.GetAsync("codes?$expand=children&$top=100");
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }
}
