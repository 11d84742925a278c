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

    [Fact]
    public async Task EveryWayAStatementEnds_GivesItsSlotBack()
    {
        // Server paging off (a whole-table read streams), a 2 s statement timeout.
        const string slow = "transactions?$filter=contains(tolower(toupper(tolower(toupper(tolower(toupper(concat(concat(concat(concat(concat(iban,category),iban),category),iban),category))))))),'zzzz')&$top=1";
        await using var server = await StartAsync(timeoutSeconds: 2);
        var root = server.StartKestrel();
        var paths = new List<(string Path, Func<Task<string>> End)>
        {
            ("completed", async () => $"{(int)(await server.Client.GetAsync("accounts?$top=5")).StatusCode}"),
            ("the database refused it (division by zero in the data)", async () => $"{(int)(await server.Client.GetAsync("accounts?$filter=1 div (interest_rate sub interest_rate) gt 1")).StatusCode}"),
            ("statement timeout", async () =>
            {
                using var response = await server.Client.GetAsync(slow);
                return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }),
            ("client cancelled before the answer", async () =>
            {
                using var leave = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
                try
                {
                    await server.Client.GetAsync(slow, leave.Token);
                    return "answered";
                }
                catch (OperationCanceledException)
                {
                    return "left";
                }
            }),
            ("client hung up mid-stream", async () =>
            {
                // Mid-stream on a quiet machine (headers and rows arrive within the second); on a loaded one perhaps
                // still before the headers: a client gone either way.
                var slowReader = await SlowClient.GetAsync(root, "/odata/transactions", 4_096, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));
                return slowReader.HungUp ? "hung up after " + slowReader.Bytes + " bytes" : slowReader.ToString();
            }),
            ("statement timeout after the response started", async () =>
            {
                // A fast reader of a million rows: the database cuts the statement at 2 s, after headers and rows were sent.
                using var response = await server.Client.GetAsync("transactions?$orderby=amount desc,transaction_id", HttpCompletionOption.ResponseHeadersRead);
                try
                {
                    await response.Content.ReadAsStringAsync();
                    return $"{(int)response.StatusCode}, complete";
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException)
                {
                    return $"{(int)response.StatusCode}, cut: {ex.GetType().Name}";
                }
            }),
        };

        var expected = new[] { "200", "400", "50", "left", "hung up", "200, cut" }; // 503 or 504 for the timeout
        foreach (var ((path, end), want) in paths.Zip(expected))
        {
            var outcome = await end();
            Assert.True(outcome.StartsWith(want, StringComparison.Ordinal), $"{path}: expected {want}…, got {outcome}");
            var free = await WaitForFreeSlotsAsync(server, TimeSpan.FromSeconds(3));
            output.WriteLine($"{path}: {outcome}; slots free after {free.Waited.TotalMilliseconds:F0} ms");
            Assert.True(free.Free, $"{path} ({outcome}): {free.Active} slots still taken 3 s later");
        }
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

    private static async Task<InProcessServer> StartAsync(int timeoutSeconds = StatementTimeoutSeconds)
    {
        var cluster = await PostgresCluster.GetAsync();
        var settings = InProcessServer.PostgresSettings("bank", cluster.ConnectionString("bank"));
        settings["OData:Paging:MaxPageSize"] = "0";
        settings["OData:Sources:bank:CommandTimeoutSeconds"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["OData:Sources:bank:MaxConcurrentQueries"] = "16";
        settings["OData:Sources:bank:MaxConcurrentQueriesPerPrincipal"] = "16";
        settings["OData:Refresh:NotifyChannel"] = string.Empty;
        settings["OData:Refresh:IntervalSeconds"] = "0";
        return new InProcessServer(settings);
    }
}
