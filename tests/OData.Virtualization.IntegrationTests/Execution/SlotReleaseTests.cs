using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Publishing;

namespace OData.Virtualization.IntegrationTests.Execution;

/// <summary>
/// Issue 16, findings 1, 2 and 10: clients on slow lines that read an unpaged set of a million rows, and hang up or keep
/// reading, never keep a source's statement slots. Every slot is free again within the statement timeout and a little,
/// the next request is a 200, and a response the server had to cut ends in a way the client detects (no chunked
/// terminator). Slots are read where the <c>odata.source.statements.active</c> gauge reads them.
/// </summary>
[Collection(UnderLoadCollection.Name)]
public sealed class SlotReleaseTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int StatementTimeoutSeconds = 3;

    [Fact]
    public async Task SixteenSlowClientsHangingUpAsTheStatementTimesOut_LeaveNoSlotTaken_AndTheNextRequestIsA200()
    {
        await using var server = await StartAsync();
        var root = server.StartKestrel();
        var clients = Enumerable.Range(0, 16).Select(i => SlowClient.GetAsync(
            root,
            $"/odata/transactions?$filter=transaction_id gt {i}",
            bytesPerSecond: 1_024,
            hangUpAfter: TimeSpan.FromSeconds(StatementTimeoutSeconds),
            giveUpAfter: TimeSpan.FromSeconds(30))).ToList();
        var outcomes = await Task.WhenAll(clients);
        Assert.All(outcomes, o => Assert.True(o.HungUp, $"a client was not cut as planned: {o}"));
        Assert.Contains(outcomes, o => o.StatusLine.Contains("200", StringComparison.Ordinal)); // the reads did start

        var free = await WaitForFreeSlotsAsync(server, TimeSpan.FromSeconds(StatementTimeoutSeconds + 2));
        Assert.True(free.Free, $"{free.Active} statement slots still taken {free.Waited.TotalSeconds:F1} s after the clients hung up");

        var watch = Stopwatch.StartNew();
        using var next = await server.Client.GetAsync("accounts?$top=1");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the next request took {watch.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task SixteenSlowReadersThatStay_HoldNoSlotPastTheStatementTimeout_AndSeeTheirBodyCut()
    {
        await using var server = await StartAsync();
        var root = server.StartKestrel();
        var watch = Stopwatch.StartNew();
        var clients = Enumerable.Range(0, 16).Select(i => SlowClient.GetAsync(
            root,
            $"/odata/transactions?$filter=transaction_id gt {i}",
            bytesPerSecond: 10_240,
            hangUpAfter: null,
            giveUpAfter: TimeSpan.FromSeconds(40))).ToList();

        // While they read: another set of the source answers, and within the statement timeout and a little every slot
        // is free again although the readers are still connected.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var free = await WaitForFreeSlotsAsync(server, TimeSpan.FromSeconds((2 * StatementTimeoutSeconds) + 3));
        output.WriteLine($"slots free after {watch.Elapsed.TotalSeconds:F1} s: {free}");
        Assert.True(free.Free, $"{free.Active} statement slots still held by slow readers {watch.Elapsed.TotalSeconds:F1} s after they started");
        using (var other = await server.Client.GetAsync("accounts?$top=1"))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        var outcomes = await Task.WhenAll(clients);
        foreach (var outcome in outcomes)
        {
            output.WriteLine(outcome.ToString());
        }

        // Truncation is visible: no reader got a body that looks complete.
        Assert.All(outcomes, o => Assert.False(o.CompleteBody, $"a slow reader of a million rows got a complete body: {o}"));
        Assert.All(outcomes, o => Assert.True(o.Elapsed < TimeSpan.FromSeconds(40), $"a slow reader was never cut: {o}"));
    }

    internal static async Task<(bool Free, int Active, TimeSpan Waited)> WaitForFreeSlotsAsync(InProcessServer server, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        int active;
        do
        {
            active = ActiveStatements(server);
            if (active == 0)
            {
                return (true, 0, watch.Elapsed);
            }

            await Task.Delay(100);
        }
        while (watch.Elapsed < within);
        return (false, active, watch.Elapsed);
    }

    /// <summary>Statements holding a slot on any source, as the gauge counts them.</summary>
    internal static int ActiveStatements(InProcessServer server)
        => server.Services.GetRequiredService<ModelHost>().Sources.Sum(s => Math.Max(1, s.Options.MaxConcurrentQueries) - s.Slots.CurrentCount);

    private static async Task<InProcessServer> StartAsync()
    {
        var cluster = await PostgresCluster.GetAsync();
        var settings = InProcessServer.PostgresSettings("bank", cluster.ConnectionString("bank"));
        settings["OData:Paging:MaxPageSize"] = "0";
        settings["OData:Sources:bank:CommandTimeoutSeconds"] = StatementTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["OData:Sources:bank:MaxConcurrentQueries"] = "16";
        settings["OData:Sources:bank:MaxConcurrentQueriesPerPrincipal"] = "16";
        settings["OData:Refresh:NotifyChannel"] = string.Empty;
        settings["OData:Refresh:IntervalSeconds"] = "0";
        return new InProcessServer(settings);
    }
}
