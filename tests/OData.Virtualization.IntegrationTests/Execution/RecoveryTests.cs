using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Publishing;

namespace OData.Virtualization.IntegrationTests.Execution;

/// <summary>
/// Issue 16, finding 5: readiness tells the truth and requests recover fast. The circuit breaker that opened while
/// PostgreSQL was down closes within a second of its return (its probe, not the 10 s break); readiness says Degraded
/// while every statement slot of a source is taken, and Healthy again after.
/// </summary>
[Collection(UnderLoadCollection.Name)]
public sealed class RecoveryTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task CircuitOpenedWhilePostgresWasDown_RequestsAnswerWithinOneSecondOfItsReturn_AndReadinessIsHealthyAgain()
    {
        await using var postgres = await PostgresCluster.StartAsync();
        await postgres.ExecuteAsync("postgres", "CREATE DATABASE recover");
        await postgres.ExecuteAsync("recover", "CREATE TABLE t (id integer PRIMARY KEY, name text); INSERT INTO t VALUES (1, 'one');");
        var settings = InProcessServer.PostgresSettings("fx", postgres.ConnectionString("recover"));
        settings["OData:Sources:fx:ConnectTimeoutSeconds"] = "1";
        settings["OData:Cache:DefaultTtlSeconds"] = "0";
        settings["OData:Refresh:IntervalSeconds"] = "0";
        await using var server = InProcessServer.Start(settings);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("t(1)")).StatusCode);
        var source = server.Services.GetRequiredService<ModelHost>().Sources.Single();

        await postgres.StopAsync();
        for (var i = 0; i < 10 && !source.Breaker.IsOpen; i++)
        {
            using var failed = await server.Client.GetAsync("t(1)");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        Assert.True(source.Breaker.IsOpen, "the circuit never opened: the test proves nothing");
        using (var fast = await server.Client.GetAsync("t(1)"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, fast.StatusCode);
            Assert.Contains("SourceUnavailable", await fast.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await postgres.StartAgainAsync();
        var back = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            using var response = await server.Client.GetAsync("t(1)");
            status = response.StatusCode;
            if (status != HttpStatusCode.OK)
            {
                await Task.Delay(50);
            }
        }
        while (status != HttpStatusCode.OK && back.Elapsed < TimeSpan.FromSeconds(15));

        output.WriteLine($"first 200 {back.Elapsed.TotalMilliseconds:F0} ms after PostgreSQL accepted connections again");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(1), $"requests recovered {back.Elapsed.TotalSeconds:F1} s after PostgreSQL returned");
        Assert.False(source.Breaker.IsOpen);
        Assert.Equal("Healthy", await ReadinessAsync(server));
    }

    [Fact]
    public async Task EverySlotOfASourceTaken_ReadinessIsDegradedAndNamesItBusy_ThenHealthyWhenTheyEnd()
    {
        await using var db = await StuckTable.CreateAsync("stuck_ready");
        var settings = db.Settings(commandTimeoutSeconds: 30);
        settings["OData:Sources:s:MaxConcurrentQueries"] = "2";
        settings["OData:Sources:s:MaxConcurrentQueriesPerPrincipal"] = "2";
        settings["OData:Sources:s:MaxConcurrentQueriesPerSet"] = "2";
        settings["OData:Cache:DefaultTtlSeconds"] = "0";
        await using var server = InProcessServer.Start(settings);
        Assert.Equal("Healthy", await ReadinessAsync(server));

        await db.LockAsync();
        var stuck = Enumerable.Range(1, 2).Select(i => server.Client.GetAsync($"stuck({i})")).ToList();
        var waited = Stopwatch.StartNew();
        while (SlotReleaseTests.ActiveStatements(server) < 2 && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        var management = await ManagementReadinessAsync(server);
        Assert.Equal("Degraded", await ReadinessAsync(server));
        Assert.Contains("\"s\":\"busy\"", management, StringComparison.Ordinal);

        await db.UnlockAsync();
        foreach (var response in await Task.WhenAll(stuck))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        Assert.Equal("Healthy", await ReadinessAsync(server));
    }

    private static async Task<string> ReadinessAsync(InProcessServer server)
    {
        using var response = await server.Client.GetAsync(new Uri(server.Client.BaseAddress!, "/health/ready"));
        var body = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(body).RootElement.GetProperty("status").GetString()!;
    }

    /// <summary>The readiness report with each source's state, as the health check reports it (the management view).</summary>
    private static async Task<string> ManagementReadinessAsync(InProcessServer server)
    {
        var check = server.Services.GetServices<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>().Single();
        var report = await check.CheckHealthAsync();
        return JsonSerializer.Serialize(report.Entries.ToDictionary(e => e.Key, e => e.Value.Data));
    }
}
