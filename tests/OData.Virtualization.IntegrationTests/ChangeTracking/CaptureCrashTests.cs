using System.Diagnostics;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.ChangeTracking;

/// <summary>The slot advances only after the store has the changes: a killed server loses none.</summary>
[Collection(LogicalDecodingCollection.Name)]
public sealed class CaptureCrashTests(LogicalDecodingCluster cluster)
{
    [Fact]
    public async Task Capture_ServerKilledBetweenCommitAndPoll_LosesNothing()
    {
        var database = await cluster.CreateAsync();
        var environment = database.Settings().ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        environment["OData__Security__AllowAnonymous"] = "true";
        // Behind one address, as instances of a deployment are: links start with it, whichever instance wrote them.
        const string publicRoot = "http://odata.example/odata/";
        environment["OData__Transport__PublicBaseUrl"] = "http://odata.example/";
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        string link;
        await using (var first = ServerProcess.Start("instance 1", environment))
        {
            await first.WaitReadyAsync("odata/", TimeSpan.FromSeconds(60));
            http.BaseAddress = new Uri(first.Root, "odata/");
            link = await DeltaClient.TrackWhenReadyAsync(http, "accounts?$top=0");

            // Committed while the server captures; SIGKILL at once, before it can have stored and acknowledged all.
            await database.ExecuteAsync("UPDATE accounts SET balance = balance + 1 WHERE id <= 20");
            await database.ExecuteAsync("DELETE FROM accounts WHERE id = 30");
            Process.GetProcessById(first.Id).Kill(entireProcessTree: true);
        }

        var after = await database.AccountsAsync();
        await using var second = ServerProcess.Start("instance 2", environment);
        await second.WaitReadyAsync("odata/", TimeSpan.FromSeconds(60));
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(second.Root, "odata/") };
        await database.WaitCapturedAsync(); // the new instance resumes from the slot

        var delta = await DeltaClient.PollAsync(client, link.Replace(publicRoot, client.BaseAddress.ToString(), StringComparison.Ordinal));
        Assert.Equal(Enumerable.Range(1, 20), delta.Changed.Keys.Order());
        Assert.All(delta.Changed, e => Assert.Equal(after[e.Key].Balance, e.Value.GetProperty("balance").GetInt32()));
        Assert.Equal([publicRoot + "accounts(30)"], delta.Removed.Keys);
    }
}
