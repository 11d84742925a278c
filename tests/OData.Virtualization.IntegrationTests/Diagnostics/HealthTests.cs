using System.Diagnostics;
using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Diagnostics;

/// <summary>
/// <c>/health/live</c> answers while the process runs; <c>/health/ready</c> turns Degraded within 5 s of a source
/// stopping (the other source still served) and Healthy again after it returns, and never shows a secret.
/// </summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Ready_SourceStopsAndReturns_DegradedWithinFiveSecondsThenHealthy()
    {
        await using var stoppable = await PostgresCluster.StartAsync();
        await stoppable.ExecuteAsync("postgres", "CREATE DATABASE health");
        await stoppable.ExecuteAsync("health", "CREATE TABLE t (id integer PRIMARY KEY); INSERT INTO t VALUES (1);");
        var cluster = await PostgresCluster.GetAsync();
        var settings = InProcessServer.PostgresSettings("fx", stoppable.ConnectionString("health") + ";Password=do-not-show-me");
        foreach (var (key, value) in InProcessServer.PostgresSettings("bank", cluster.ConnectionString("bank")))
        {
            settings[key] = value;
        }

        settings["OData:Sources:fx:ConnectTimeoutSeconds"] = "1";
        await using var server = InProcessServer.Start(settings);
        var root = new Uri(server.Client.BaseAddress!, "/");

        var live = await server.Client.GetAsync(new Uri(root, "health/live"));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        var (status, body) = await ReadyAsync(server, root);
        Assert.Equal("Healthy", status);
        Assert.DoesNotContain("\"fx\"", body, StringComparison.Ordinal); // names only on the management port (ScrapeAccessTests)

        await stoppable.StopAsync();
        var stopped = Stopwatch.StartNew();
        (status, body) = await PollAsync(server, root, "Degraded", TimeSpan.FromSeconds(5));
        Assert.True(status == "Degraded", $"Still '{status}' {stopped.Elapsed.TotalSeconds:0.0} s after the source stopped: {body}");
        Assert.Contains("1 of 2 sources cannot be reached", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"fx\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("do-not-show-me", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Host=", body, StringComparison.OrdinalIgnoreCase);

        // The other source is still served meanwhile.
        var served = await server.Client.GetAsync("accounts?$top=1");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);

        await stoppable.StartAgainAsync();
        (status, body) = await PollAsync(server, root, "Healthy", TimeSpan.FromSeconds(15));
        Assert.True(status == "Healthy", $"Not healthy again after the source returned: {body}");
    }

    private static async Task<(string Status, string Body)> PollAsync(InProcessServer server, Uri root, string wanted, TimeSpan within)
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
        var status = JsonDocument.Parse(body).RootElement.GetProperty("status").GetString()!;
        Assert.Equal(status == "Unhealthy" ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK, response.StatusCode);
        return (status, body);
    }
}
