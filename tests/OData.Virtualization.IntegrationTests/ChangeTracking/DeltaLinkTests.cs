using System.Net;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.ChangeTracking;

/// <summary>
/// Delta links against a real PostgreSQL with logical decoding: each delta is compared with what SQL says changed
/// between the polls (a row's <c>xmin</c> moves when a transaction writes it; a rolled-back write leaves it).
/// </summary>
[Collection(LogicalDecodingCollection.Name)]
public sealed class DeltaLinkTests(LogicalDecodingCluster cluster)
{
    [Fact]
    public async Task Delta_InsertsUpdatesDeletesBetweenPolls_AreWhatSqlSaysChanged()
    {
        var database = await cluster.CreateAsync();
        using var server = InProcessServer.Start(database.Settings());
        var client = server.Client;
        var link = await DeltaClient.TrackWhenReadyAsync(client, "accounts?$top=0");
        var before = await database.AccountsAsync();

        // Each its own transaction (one command would run them all in one implicit transaction).
        foreach (var statement in new[]
        {
            "INSERT INTO accounts VALUES (101, 'north', 'new one', 5), (102, 'south', 'new two', 6)",
            "UPDATE accounts SET balance = balance + 1 WHERE id = 4",
            "UPDATE accounts SET balance = balance + 1 WHERE id = 4",
            "UPDATE accounts SET name = 'renamed' WHERE id = 4",
            "DELETE FROM accounts WHERE id = 7",
            "INSERT INTO accounts VALUES (103, 'north', 'short-lived', 1)",
            "DELETE FROM accounts WHERE id = 103",
            "UPDATE accounts SET branch = 'north' WHERE id = 11",
        })
        {
            await database.ExecuteAsync(statement);
        }

        await database.RollBackAsync("UPDATE accounts SET balance = -1 WHERE id = 9", "INSERT INTO accounts VALUES (104, 'north', 'never', 0)");
        await database.WaitCapturedAsync();
        var after = await database.AccountsAsync();
        var delta = await DeltaClient.PollAsync(client, link);

        // Changed: every row a committed transaction wrote (new xmin), with its current values.
        var expectedChanged = after.Where(r => !before.TryGetValue(r.Key, out var old) || old.Xmin != r.Value.Xmin).Select(r => r.Key).Order().ToList();
        Assert.Equal(expectedChanged, delta.Changed.Keys.Order().ToList());
        foreach (var (id, entity) in delta.Changed)
        {
            Assert.Equal(after[id].Name, entity.GetProperty("name").GetString());
            Assert.Equal(after[id].Balance, entity.GetProperty("balance").GetInt32());
            Assert.Equal(after[id].Branch, entity.GetProperty("branch").GetString());
        }

        // Removed: the rows that are gone, and the one inserted and deleted between the polls (its last state).
        var gone = before.Keys.Except(after.Keys).Append(103).Select(id => client.BaseAddress + $"accounts({id})").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(gone, delta.Removed.Keys.Order(StringComparer.Ordinal).ToList());
        Assert.All(delta.Removed.Values, reason => Assert.Equal("deleted", reason));
        Assert.DoesNotContain(9, delta.Changed.Keys);
        Assert.DoesNotContain(104, delta.Changed.Keys);

        // Nothing changed since: an empty delta, and a new link.
        await database.WaitCapturedAsync();
        var quiet = await DeltaClient.PollAsync(client, delta.DeltaLink);
        Assert.Empty(quiet.Changed);
        Assert.Empty(quiet.Removed);
        Assert.NotEqual(delta.DeltaLink, quiet.DeltaLink);
    }
}
