using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Security;

namespace OData.Virtualization.IntegrationTests.ChangeTracking;

/// <summary>
/// Rows that leave what a caller reads (its row filter, its <c>$filter</c>) arrive as removed with reason
/// <c>changed</c>; removals name only rows the caller could have held. Each delta is compared with what SQL says
/// changed between the polls.
/// </summary>
[Collection(LogicalDecodingCollection.Name)]
public sealed class DeltaFilterTests(LogicalDecodingCluster cluster)
{
    private const string NorthKey = "north-branch-api-key-0123456789abcdef";
    private const string HeadKey = "head-office-api-key-0123456789abcdef";

    /// <summary>Changes of every kind, each its own transaction: rows moving between the branches, staying, going.</summary>
    private static readonly string[] s_changes =
    [
        "UPDATE accounts SET branch = 'south' WHERE id = 2",                  // north -> south: leaves north
        "UPDATE accounts SET name = 'still north' WHERE id = 4",              // stays north
        "UPDATE accounts SET branch = 'north' WHERE id = 3",                  // south -> north: enters north
        "UPDATE accounts SET balance = 0 WHERE id = 5",                       // stays south
        "UPDATE accounts SET balance = 1 WHERE id = 9",
        "UPDATE accounts SET balance = 2 WHERE id = 9",                       // south, several updates
        "UPDATE accounts SET branch = 'south' WHERE id = 6",
        "DELETE FROM accounts WHERE id = 6",                                  // north, moved south, then deleted
        "DELETE FROM accounts WHERE id = 8",                                  // north, deleted
        "DELETE FROM accounts WHERE id = 11",                                 // south, deleted
        "INSERT INTO accounts VALUES (301, 'south', 'new south', 1)",
        "INSERT INTO accounts VALUES (302, 'north', 'new north', 1)",
        "INSERT INTO accounts VALUES (303, 'north', 'brief', 1)",
        "UPDATE accounts SET branch = 'south' WHERE id = 303",                // inserted north, moved south
    ];

    [Fact]
    public async Task Delta_RowLeavesTheCallersRowFilter_IsRemovedChanged_AndNoOtherBranchRowIsNamed()
    {
        var database = await cluster.CreateAsync(identity: "FULL");
        using var server = InProcessServer.Start(BranchSettings(database));
        using var north = Client(server, NorthKey);
        var link = await DeltaClient.TrackWhenReadyAsync(north, "accounts?$top=0");
        var before = await database.AccountsAsync();
        foreach (var statement in s_changes)
        {
            await database.ExecuteAsync(statement);
        }

        await database.WaitCapturedAsync();
        var after = await database.AccountsAsync();
        var delta = await DeltaClient.PollAsync(north, link);

        // SQL's view: rows a committed transaction wrote or removed since the link.
        var touched = Touched(before, after).Append(303).ToHashSet();
        var wasNorth = touched.Where(id => before.TryGetValue(id, out var old) && old.Branch == "north").Append(303).ToHashSet();
        Assert.Equal(touched.Where(id => after.TryGetValue(id, out var row) && row.Branch == "north").Order(), delta.Changed.Keys.Order());
        var leftNorth = wasNorth.Where(id => after.TryGetValue(id, out var row) && row.Branch != "north").Select(id => Id(north, id));
        var deletedNorth = wasNorth.Where(id => !after.ContainsKey(id)).Select(id => Id(north, id));
        Assert.Equal(leftNorth.Order(StringComparer.Ordinal), delta.Removed.Where(r => r.Value == "changed").Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.Equal(deletedNorth.Order(StringComparer.Ordinal), delta.Removed.Where(r => r.Value == "deleted").Select(r => r.Key).Order(StringComparer.Ordinal));

        // Never a row that was south all along (5, 9, 11, 301): north cannot learn that they exist.
        var everNorth = wasNorth.Concat(after.Where(r => r.Value.Branch == "north").Select(r => r.Key)).Select(id => Id(north, id)).ToHashSet();
        Assert.All(delta.Removed.Keys, id => Assert.Contains(id, everNorth));
        Assert.All(delta.Changed.Values, entity => Assert.Equal("north", entity.GetProperty("branch").GetString()));
    }

    [Fact]
    public async Task Delta_FullIdentity_RemovesOnlyRowsTheFilterOnceSelected()
    {
        var database = await cluster.CreateAsync(identity: "FULL");
        using var server = InProcessServer.Start(database.Settings());
        var client = server.Client;
        var link = await DeltaClient.TrackWhenReadyAsync(client, "accounts?$filter=branch eq 'north'&$select=id,name&$top=0");
        var before = await database.AccountsAsync();
        foreach (var statement in s_changes)
        {
            await database.ExecuteAsync(statement);
        }

        await database.WaitCapturedAsync();
        var after = await database.AccountsAsync();
        var delta = await DeltaClient.PollAsync(client, link);

        // The same answer as the row filter's, for the query's own $filter: removals of south rows (5, 9, 11, 301) are
        // not sent, since the client never held them; rows that left north are 'changed', north rows deleted 'deleted'.
        var touched = Touched(before, after).Append(303).ToHashSet();
        var wasNorth = touched.Where(id => before.TryGetValue(id, out var old) && old.Branch == "north").Append(303).ToHashSet();
        Assert.Equal(touched.Where(id => after.TryGetValue(id, out var row) && row.Branch == "north").Order(), delta.Changed.Keys.Order());
        Assert.Equal(
            wasNorth.Where(id => after.TryGetValue(id, out var row) && row.Branch != "north").Select(id => Id(client, id)).Order(StringComparer.Ordinal),
            delta.Removed.Where(r => r.Value == "changed").Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.Equal(
            wasNorth.Where(id => !after.ContainsKey(id)).Select(id => Id(client, id)).Order(StringComparer.Ordinal),
            delta.Removed.Where(r => r.Value == "deleted").Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.All(delta.Changed.Values, entity => Assert.False(entity.TryGetProperty("balance", out _)));
    }

    [Fact]
    public async Task Capture_RowFilteredSetWithoutFullIdentity_IsReportedWithTheStatement_AndOnlyThoseCallersGoUntracked()
    {
        var database = await cluster.CreateAsync(identity: "DEFAULT");
        using var server = InProcessServer.Start(BranchSettings(database));
        using var head = Client(server, HeadKey);
        using var north = Client(server, NorthKey);
        await DeltaClient.TrackWhenReadyAsync(head, "accounts?$top=0"); // capture runs for callers without a row filter

        using var root = server.NewClient("/");
        var health = await root.GetStringAsync("health/ready");
        Assert.Contains("'accounts' is filtered by rows for the callers of policy 'north'", health, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE \\\"public\\\".\\\"accounts\\\" REPLICA IDENTITY FULL", health, StringComparison.Ordinal);
        var (response, link) = await DeltaClient.TrackAsync(north, "accounts?$top=0");
        Assert.Null(link);
        Assert.False(response.Headers.Contains("Preference-Applied"));

        // Fixed as the message says: after the next check, the north branch is tracked too and readiness is clean.
        await database.ExecuteAsync("ALTER TABLE accounts REPLICA IDENTITY FULL");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (link is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            (_, link) = await DeltaClient.TrackAsync(north, "accounts?$top=0");
        }

        Assert.NotNull(link);
    }

    private static IEnumerable<int> Touched(Dictionary<int, AccountRow> before, Dictionary<int, AccountRow> after)
        => after.Where(r => !before.TryGetValue(r.Key, out var old) || old.Xmin != r.Value.Xmin).Select(r => r.Key)
            .Concat(before.Keys.Except(after.Keys));

    private static Dictionary<string, string?> BranchSettings(TrackedDatabase database)
    {
        var settings = database.Settings();
        settings["OData:Security:AllowAnonymous"] = "false";
        settings["OData:Security:ApiKeys:north:KeyHash"] = SecretHasher.HashApiKey(NorthKey);
        settings["OData:Security:ApiKeys:north:Roles:0"] = "north";
        settings["OData:Security:ApiKeys:head:KeyHash"] = SecretHasher.HashApiKey(HeadKey);
        settings["OData:Security:ApiKeys:head:Roles:0"] = "head";
        settings["OData:Security:Policies:0:Name"] = "north";
        settings["OData:Security:Policies:0:Roles:0"] = "north";
        settings["OData:Security:Policies:0:EntitySets:accounts:RowFilter"] = "branch eq 'north'";
        settings["OData:Security:Policies:0:EntitySets:markers:RowFilter"] = string.Empty;
        settings["OData:Security:Policies:1:Name"] = "head";
        settings["OData:Security:Policies:1:Roles:0"] = "head";
        settings["OData:Security:Policies:1:EntitySets:*:RowFilter"] = string.Empty;
        return settings;
    }

    private static HttpClient Client(InProcessServer server, string key)
    {
        var client = server.NewClient();
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        return client;
    }

    private static string Id(HttpClient client, int key) => client.BaseAddress + $"accounts({key})";
}
