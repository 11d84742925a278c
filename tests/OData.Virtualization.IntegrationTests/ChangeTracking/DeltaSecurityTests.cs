using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Security;

namespace OData.Virtualization.IntegrationTests.ChangeTracking;

/// <summary>What a delta link may show, to whom, and for how long.</summary>
[Collection(LogicalDecodingCollection.Name)]
public sealed class DeltaSecurityTests(LogicalDecodingCluster cluster)
{
    private const string NorthKey = "north-branch-api-key-0123456789abcdef";
    private const string HeadKey = "head-office-api-key-0123456789abcdef";

    [Fact]
    public async Task Delta_CallerWithRowFilter_NeverSeesAnotherBranchesChange()
    {
        var database = await cluster.CreateAsync(identity: "FULL");
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
        using var server = InProcessServer.Start(settings);
        using var north = server.NewClient();
        north.DefaultRequestHeaders.Add("X-API-Key", NorthKey);
        using var head = server.NewClient();
        head.DefaultRequestHeaders.Add("X-API-Key", HeadKey);
        var northLink = await DeltaClient.TrackWhenReadyAsync(north, "accounts?$top=0");
        var headLink = await DeltaClient.TrackWhenReadyAsync(head, "accounts?$top=0");
        var before = await database.AccountsAsync();

        foreach (var statement in new[]
        {
            "UPDATE accounts SET balance = 1 WHERE id IN (2, 3)",
            "DELETE FROM accounts WHERE id IN (4, 5)",
            "INSERT INTO accounts VALUES (201, 'north', 'n', 1), (202, 'south', 's', 1)",
        })
        {
            await database.ExecuteAsync(statement);
        }

        await database.WaitCapturedAsync();
        var after = await database.AccountsAsync();
        var northDelta = await DeltaClient.PollAsync(north, northLink);
        var headDelta = await DeltaClient.PollAsync(head, headLink);

        // The head office sees every change; the north branch only the changes of north rows, deletions included.
        var changed = after.Where(r => !before.TryGetValue(r.Key, out var old) || old.Xmin != r.Value.Xmin).ToList();
        var deleted = before.Where(r => !after.ContainsKey(r.Key)).ToList();
        Assert.Equal(changed.Select(r => r.Key).Order(), headDelta.Changed.Keys.Order());
        Assert.Equal(deleted.Select(r => Id(north, r.Key)).Order(StringComparer.Ordinal), headDelta.Removed.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(changed.Where(r => r.Value.Branch == "north").Select(r => r.Key).Order(), northDelta.Changed.Keys.Order());
        Assert.Equal(deleted.Where(r => r.Value.Branch == "north").Select(r => Id(north, r.Key)).Order(StringComparer.Ordinal), northDelta.Removed.Keys.Order(StringComparer.Ordinal));
        Assert.All(northDelta.Changed.Values, entity => Assert.Equal("north", entity.GetProperty("branch").GetString()));

        // North's link is north's: the head office cannot follow it (bound to the caller's scope).
        var (response, _) = await north.SendAsync(HttpMethod.Get, headDelta.DeltaLink);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Delta_RowLeavesTheFilter_IsRemovedWithReasonChanged()
    {
        var database = await cluster.CreateAsync();
        using var server = InProcessServer.Start(database.Settings());
        var client = server.Client;
        var link = await DeltaClient.TrackWhenReadyAsync(client, "accounts?$filter=branch eq 'north'&$select=id,name&$top=0");
        await database.ExecuteAsync("UPDATE accounts SET branch = 'south' WHERE id = 2");
        await database.ExecuteAsync("UPDATE accounts SET name = 'still north' WHERE id = 4");
        await database.ExecuteAsync("UPDATE accounts SET name = 'always south' WHERE id = 5");
        await database.WaitCapturedAsync();
        var delta = await DeltaClient.PollAsync(client, link);

        var after = await database.AccountsAsync();
        var changed = Assert.Single(delta.Changed);
        Assert.Equal(4, changed.Key);
        Assert.Equal(after[4].Name, changed.Value.GetProperty("name").GetString());
        Assert.False(changed.Value.TryGetProperty("balance", out _)); // $select holds
        // Row 2 left the filter. The server keeps no old values, so every changed row outside the filter is reported
        // removed (row 5 too, which the client never had and drops): never a row the filter still selects.
        Assert.Equal("changed", delta.Removed[Id(client, 2)]);
        Assert.All(delta.Removed, removed => Assert.Equal("changed", removed.Value));
        var outside = after.Where(r => r.Value.Branch != "north").Select(r => Id(client, r.Key)).ToHashSet();
        Assert.All(delta.Removed.Keys, id => Assert.Contains(id, outside));
        Assert.Contains("$filter=", delta.DeltaLink, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeltaLink_Tampered_OrOfAnotherQuery_Is400()
    {
        var database = await cluster.CreateAsync();
        using var server = InProcessServer.Start(database.Settings());
        var client = server.Client;
        var link = await DeltaClient.TrackWhenReadyAsync(client, "accounts?$filter=branch eq 'north'&$top=0");
        var token = link[(link.IndexOf("$deltatoken=", StringComparison.Ordinal) + 12)..];
        var tampered = link[..^token.Length] + (token[0] == 'A' ? 'B' : 'A') + token[1..];
        var error = await client.GetErrorAsync(tampered, HttpStatusCode.BadRequest);
        Assert.Equal("InvalidDeltaToken", error.GetProperty("code").GetString());
        error = await client.GetErrorAsync("accounts?$deltatoken=" + token, HttpStatusCode.BadRequest);
        Assert.Equal("InvalidDeltaToken", error.GetProperty("code").GetString());
        error = await client.GetErrorAsync("accounts?$deltatoken=not-a-token", HttpStatusCode.BadRequest);
        Assert.Equal("InvalidDeltaToken", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task DeltaLink_OlderThanRetention_Is410()
    {
        var database = await cluster.CreateAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var server = InProcessServer.Start(database.Settings(), time);
        var client = server.Client;
        // The clock stands still: a read answered before capture started must not be answered again from the cache.
        var link = await DeltaClient.TrackWhenReadyAsync(client, "accounts?$top=0");
        await DeltaClient.PollAsync(client, link); // answered while it is young

        time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        var error = await client.GetErrorAsync(link, HttpStatusCode.Gone);
        Assert.Equal("DeltaLinkExpired", error.GetProperty("code").GetString());
        Assert.Contains("Prefer: odata.track-changes", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static string Id(HttpClient client, int key) => client.BaseAddress + $"accounts({key})";
}
