using MySqlConnector;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Paging;

namespace OData.Virtualization.IntegrationTests.MySql;

/// <summary>
/// A nextLink walk over a case-insensitive text column on MariaDB while rows are inserted and deleted between pages:
/// no row is served twice, none that stayed is missed, and the walk is in code point order (labels that differ only
/// in case or trailing space are distinct values, so the walk and the seek must agree on their order exactly).
/// </summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbChurnTests(MariaDbFixture fixture)
{
    private const int InitialRows = 3_000;
    private const int PageSize = 50;

    private static string? Label(long i) => i % 7 == 0 ? null : ((i * 104729) % 6) switch
    {
        0 => "a" + (i % 13),
        1 => "A" + (i % 13),
        2 => "b" + (i % 13) + " ",
        3 => "B" + (i % 13),
        4 => "ä" + (i % 13),
        _ => "Ä" + (i % 13),
    };

    [Theory]
    [InlineData("label")]
    [InlineData("label desc")]
    [InlineData("id desc")]
    public async Task RowsInsertedAndDeletedBetweenPages_NoDuplicateAndNoGapAmongRowsThatStayed(string orderBy)
    {
        await using var writes = new MySqlConnection(fixture.RootConnectionString);
        await writes.OpenAsync();
        await ExecuteAsync(writes, "DELETE FROM churn");
        await ExecuteAsync(writes, "INSERT INTO churn VALUES " + string.Join(", ", Enumerable.Range(1, InitialRows).Select(i => $"({i * 10}, {Quote(Label(i))})")));

        await using var server = new InProcessServer(new Dictionary<string, string?>(MariaDbFixture.Settings(fixture.ReaderConnectionString))
        {
            ["OData:Cache:DefaultTtlSeconds"] = "0",
        });
        server.StartServer();

        var initial = Enumerable.Range(1, InitialRows).Select(i => (long)i * 10).ToHashSet();
        var deleted = new HashSet<long>();
        var inserted = new HashSet<long>();
        var random = new Random(4242);
        var url = $"churn?$orderby={orderBy}";
        var (rows, pages) = await PageWalk.WalkAsync(server.Client, url, PageSize, r => (Id: PageWalk.Int64(r, "id"), Label: r.GetProperty("label").GetString()),
            maxPages: 4 * InitialRows / PageSize,
            betweenPages: async served =>
            {
                var last = served[^1];
                var adds = new[] { last.Id - 1 - random.Next(4), last.Id + 1 + random.Next(4), 5 + (10 * random.NextInt64(InitialRows)) }
                    .Where(id => id > 0 && !initial.Contains(id) && inserted.Add(id)).ToList();
                if (adds.Count > 0)
                {
                    await ExecuteAsync(writes, "INSERT INTO churn VALUES " + string.Join(", ", adds.Select(id => $"({id}, {Quote(last.Label)})")));
                }

                var victims = new[] { 10L * (1 + random.Next(InitialRows)), 10L * (1 + random.Next(InitialRows)) }.Where(deleted.Add).ToList();
                if (victims.Count > 0)
                {
                    await ExecuteAsync(writes, $"DELETE FROM churn WHERE id IN ({string.Join(", ", victims)})");
                }
            });

        Assert.True(pages.Count > InitialRows / PageSize / 2, $"only {pages.Count} pages");
        var ids = rows.Select(r => r.Id).ToList();
        Assert.Empty(ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key));
        var served = ids.ToHashSet();
        Assert.Empty(initial.Where(id => !deleted.Contains(id) && !served.Contains(id)).Take(5));

        // In the order asked, text in code point order (UTF-8 bytes), NULLs first ascending, the key breaking ties.
        var descending = orderBy.EndsWith(" desc", StringComparison.Ordinal);
        for (var i = 1; i < rows.Count; i++)
        {
            var c = orderBy.StartsWith("label", StringComparison.Ordinal) ? CompareLabels(rows[i - 1].Label, rows[i].Label) : 0;
            c = c != 0 ? c : rows[i - 1].Id.CompareTo(rows[i].Id);
            Assert.True(descending ? c > 0 : c < 0, $"{url}: {rows[i - 1]} before {rows[i]}");
        }
    }

    private static int CompareLabels(string? a, string? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        _ => ((ReadOnlySpan<byte>)System.Text.Encoding.UTF8.GetBytes(a)).SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(b)),
    };

    private static string Quote(string? value) => value is null ? "NULL" : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static async Task ExecuteAsync(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
