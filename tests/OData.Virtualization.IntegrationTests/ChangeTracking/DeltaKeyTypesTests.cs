using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.ChangeTracking;

/// <summary>
/// Keys whose text depends on the session that prints them: the replication connection prints a timestamp in the
/// database's time zone, the server's own sessions in UTC; a <c>char(n)</c> key comes padded from pgoutput and unpadded
/// from a cast to text. Changed keys are matched by value, never as text. (Float and double keys are not published:
/// OData allows no Edm.Double key, so such a table cannot be tracked and start-up says it is not a published set.)
/// </summary>
[Collection(LogicalDecodingCollection.Name)]
public sealed class DeltaKeyTypesTests(LogicalDecodingCluster cluster)
{
    [Fact]
    public async Task Delta_TimestampAndCharKeys_AreMatchedByValue()
    {
        var database = await cluster.CreateAsync(rows: 2);
        await database.ExecuteAsync($"""
            ALTER DATABASE {database.Name} SET timezone = 'Asia/Kolkata';
            CREATE TABLE readings (taken_at timestamptz, site char(4), value integer NOT NULL, PRIMARY KEY (taken_at, site));
            INSERT INTO readings VALUES ('2026-01-01 10:00:00.123456+00', 'ab', 1), ('2026-01-01 11:00:00+00', 'cd', 2), ('2026-01-01 12:00:00+00', 'ef', 3);
            """);
        using var server = InProcessServer.Start(database.Settings("accounts", "markers", "readings"));
        var client = server.Client;
        var link = await DeltaClient.TrackWhenReadyAsync(client, "readings?$top=0");
        await database.ExecuteAsync("UPDATE readings SET value = value + 10 WHERE site IN ('ab', 'cd')");
        await database.ExecuteAsync("DELETE FROM readings WHERE site = 'ef'");
        await database.WaitCapturedAsync();

        var page = await DeltaClient.GetAsync(client, link);
        var entries = page.GetProperty("value").EnumerateArray().ToList();
        var changed = entries.Where(e => e.TryGetProperty("value", out _)).ToList();
        var removed = entries.Where(e => e.TryGetProperty("reason", out _)).ToList();

        // What SQL says: two rows updated (now 11 and 12), one deleted.
        Assert.Equal([11, 12], changed.Select(e => e.GetProperty("value").GetInt32()).Order());
        Assert.Equal(["2026-01-01T10:00:00.123456Z", "2026-01-01T11:00:00Z"], changed.Select(e => e.GetProperty("taken_at").GetString()!).Order(StringComparer.Ordinal));
        var gone = Assert.Single(removed);
        Assert.Equal("deleted", gone.GetProperty("reason").GetString());
        var id = Uri.UnescapeDataString(gone.GetProperty("id").GetString()!);
        Assert.EndsWith("readings(taken_at=2026-01-01T12:00:00+00:00,site='ef  ')", id, StringComparison.Ordinal);
        Assert.True(page.TryGetProperty("@odata.deltaLink", out _), JsonSerializer.Serialize(page));
    }
}
