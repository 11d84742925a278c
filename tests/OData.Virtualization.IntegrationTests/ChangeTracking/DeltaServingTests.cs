using System.Net;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.ChangeTracking;

/// <summary>Large deltas, several instances, <c>$metadata</c>, and a configuration that tracks nothing.</summary>
[Collection(LogicalDecodingCollection.Name)]
public sealed class DeltaServingTests(LogicalDecodingCluster cluster)
{
    [Fact]
    public async Task Delta_100000RowChange_PagesWithNextLinksAndEndsWithTheDeltaLink()
    {
        const int rows = 100_000;
        var database = await cluster.CreateAsync(rows: 10);
        var settings = database.Settings();
        settings["OData:Paging:DefaultPageSize"] = "2000";
        using var server = InProcessServer.Start(settings);
        var client = server.Client;
        var link = await DeltaClient.TrackWhenReadyAsync(client, "accounts?$select=id,balance&$top=0");
        await database.ExecuteAsync($"INSERT INTO accounts SELECT i, 'north', 'bulk ' || i, i FROM generate_series(1001, {1000 + rows}) AS i");
        await database.ExecuteAsync("UPDATE accounts SET balance = balance + 1 WHERE id % 3 = 0");
        await database.WaitCapturedAsync();
        var after = await database.AccountsAsync();

        var delta = await DeltaClient.PollAsync(client, link); // each page checked for duplicates while walking
        var expected = after.Keys.Where(id => id > 1000 || id % 3 == 0).Order().ToList();
        Assert.Equal(expected, delta.Changed.Keys.Order().ToList());
        Assert.All(delta.Changed, e => Assert.Equal(after[e.Key].Balance, e.Value.GetProperty("balance").GetInt32()));
        Assert.Equal((expected.Count + 1999) / 2000, delta.Pages); // 2,000 keys a page, full pages before the last
        Assert.Empty(delta.Removed);
    }

    [Fact]
    public async Task TrackedRead_OfSeveralPages_EndsWithADeltaLinkFromWhereItBegan()
    {
        var database = await cluster.CreateAsync(rows: 50);
        var settings = database.Settings();
        settings["OData:Paging:DefaultPageSize"] = "20";
        using var server = InProcessServer.Start(settings);
        var client = server.Client;
        await DeltaClient.TrackWhenReadyAsync(client, "accounts?$top=0");

        // Page 1 is read, then a row already sent changes before the last page: the delta link must still show it.
        using var request = new HttpRequestMessage(HttpMethod.Get, "accounts?$filter=balance ge 0");
        request.Headers.Add("Prefer", "odata.track-changes");
        using var response = await client.SendAsync(request);
        Assert.Contains("odata.track-changes", response.Headers.GetValues("Preference-Applied").Single(), StringComparison.Ordinal);
        var page = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        Assert.False(page.TryGetProperty("@odata.deltaLink", out _));
        await database.ExecuteAsync("UPDATE accounts SET name = 'changed mid-read' WHERE id = 1");
        var rows = page.GetProperty("value").GetArrayLength();
        while (page.TryGetProperty("@odata.nextLink", out var next))
        {
            page = await DeltaClient.GetAsync(client, next.GetString()!);
            rows += page.GetProperty("value").GetArrayLength();
        }

        Assert.Equal(50, rows);
        var link = page.GetProperty("@odata.deltaLink").GetString()!;
        Assert.Contains("$filter=", link, StringComparison.Ordinal);
        await database.WaitCapturedAsync();
        var delta = await DeltaClient.PollAsync(client, link);
        Assert.Equal("changed mid-read", delta.Changed[1].GetProperty("name").GetString());
    }

    /// <summary>
    /// The change store kept in the source's own database (as here) holds keys and old rows of tracked tables: a server
    /// that discovers its tables never publishes them, whatever its Publish patterns say.
    /// </summary>
    [Fact]
    public async Task TheChangeStore_InTheSourceDatabase_IsNeverPublished()
    {
        var database = await cluster.CreateAsync();
        using var first = InProcessServer.Start(database.Settings());
        await DeltaClient.TrackWhenReadyAsync(first.Client, "accounts?$top=0"); // the store exists now
        using var later = InProcessServer.Start(database.Settings());
        var metadata = await later.Client.GetStringAsync("$metadata");
        Assert.Contains("accounts", metadata, StringComparison.Ordinal);
        Assert.DoesNotContain("odv_changes", metadata, StringComparison.Ordinal);
        Assert.DoesNotContain("old_row", metadata, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeltaLink_IssuedByOneInstance_IsAnsweredByAnother()
    {
        var database = await cluster.CreateAsync();
        using var first = InProcessServer.Start(database.Settings());
        using var second = InProcessServer.Start(database.Settings());
        var link = await DeltaClient.TrackWhenReadyAsync(first.Client, "accounts?$top=0");
        await database.ExecuteAsync("UPDATE accounts SET balance = 0 WHERE id = 3");
        await database.WaitCapturedAsync();

        var delta = await DeltaClient.PollAsync(second.Client, link);
        Assert.Equal([3], delta.Changed.Keys);
        await database.ExecuteAsync("DELETE FROM accounts WHERE id = 6");
        await database.WaitCapturedAsync();
        var next = await DeltaClient.PollAsync(first.Client, delta.DeltaLink);
        Assert.Empty(next.Changed);
        Assert.Equal([first.Client.BaseAddress + "accounts(6)"], next.Removed.Keys);
    }

    [Fact]
    public async Task Metadata_TrackedSet_IsAnnotatedInBothServiceRoots()
    {
        var database = await cluster.CreateAsync();
        using var server = InProcessServer.Start(database.Settings("accounts"));
        foreach (var root in new[] { "odata/", "salesforce/" })
        {
            using var client = server.NewClient(root);
            var metadata = await client.GetTextAsync("$metadata", "application/xml");
            Assert.Contains("Term=\"Capabilities.ChangeTracking\"", EntitySet(metadata, "accounts"), StringComparison.Ordinal);
            Assert.DoesNotContain("ChangeTracking", EntitySet(metadata, "markers"), StringComparison.Ordinal);
        }
    }

    /// <summary>An entity set's element in CSDL, up to the next set or the container's end.</summary>
    private static string EntitySet(string metadata, string name)
    {
        var start = metadata.IndexOf($"<EntitySet Name=\"{name}\"", StringComparison.Ordinal);
        var next = metadata.IndexOf("<EntitySet ", start + 1, StringComparison.Ordinal);
        return metadata[start..(next < 0 ? metadata.IndexOf("</EntityContainer>", StringComparison.Ordinal) : next)];
    }

    [Fact]
    public async Task DefaultConfiguration_IgnoresThePreference_AndOpensNoReplicationConnection()
    {
        var database = await cluster.CreateAsync();
        using var server = InProcessServer.Start(InProcessServer.PostgresSettings("bank", database.ConnectionString));
        var client = server.Client;
        var (response, link) = await DeltaClient.TrackAsync(client, "accounts?$top=0");
        Assert.Null(link);
        Assert.False(response.Headers.Contains("Preference-Applied"));
        var error = await client.GetErrorAsync("accounts?$deltatoken=anything", HttpStatusCode.NotImplemented);
        Assert.Contains("$deltatoken", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var metadata = await client.GetTextAsync("$metadata", "application/xml");
        Assert.DoesNotContain("ChangeTracking", metadata, StringComparison.Ordinal);

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT (SELECT count(*) FROM pg_replication_slots WHERE database = current_database()) + (SELECT count(*) FROM pg_stat_replication) + (SELECT count(*) FROM pg_namespace WHERE nspname = 'odv_changes')", connection);
        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }
}
