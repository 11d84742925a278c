using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Paging;

/// <summary>
/// Rows inserted and deleted between pages never cause a duplicate or a gap among the rows that existed
/// throughout. The writes go to a database of this test's own (<c>paging_churn</c>, 50,000 rows); the server reads
/// it through its usual read-only sessions.
/// </summary>
public sealed class ChurnTests : IAsyncLifetime
{
    private const int InitialRows = 50_000;
    private const int PageSize = 500;

    private ScratchDatabase _database = null!;
    private InProcessServer _server = null!;

    public async Task InitializeAsync()
    {
        // Keys are multiples of 10, so that rows can be inserted just before and just after any row in key order.
        _database = await ScratchDatabase.CreateAsync("paging_churn", $"""
            CREATE TABLE items (id bigint PRIMARY KEY, grp integer NOT NULL, label text);
            INSERT INTO items
            SELECT i * 10, (i * 7919) % 37, CASE WHEN i % 5 = 0 THEN NULL ELSE 'L' || lpad(((i * 104729) % 997)::text, 4, '0') END
            FROM generate_series(1::bigint, {InitialRows}) AS i;
            """);
        var settings = InProcessServer.PostgresSettings("churn", _database.ConnectionString);

        // The walk must see the source as it changes, not a cached page.
        settings["OData:Cache:DefaultTtlSeconds"] = "0";
        _server = InProcessServer.Start(settings);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Theory]
    [InlineData("id", "id ASC")]
    [InlineData("id desc", "id DESC")]
    [InlineData("label", "label ASC NULLS FIRST, id ASC")]
    [InlineData("label desc", "label DESC NULLS LAST, id DESC")]
    [InlineData("grp desc,label", "grp DESC, label ASC NULLS FIRST, id ASC")]
    public async Task RowsInsertedAndDeletedBetweenPages_NoDuplicateAndNoGapAmongRowsThatStayed(string orderBy, string sqlOrder)
    {
        // Each case starts from the same 50,000 rows.
        await _database.ExecuteAsync($"""
            DELETE FROM items;
            INSERT INTO items
            SELECT i * 10, (i * 7919) % 37, CASE WHEN i % 5 = 0 THEN NULL ELSE 'L' || lpad(((i * 104729) % 997)::text, 4, '0') END
            FROM generate_series(1::bigint, {InitialRows}) AS i;
            """);
        var initialOrder = await _database.QueryAsync($"SELECT id FROM items ORDER BY {sqlOrder}", r => r.GetInt64(0));
        Assert.Equal(InitialRows, initialOrder.Count);
        var positionOf = initialOrder.Select((id, index) => (id, index)).ToDictionary(p => p.id, p => p.index);
        var initial = initialOrder.ToHashSet();
        var deleted = new HashSet<long>();
        var inserted = new HashSet<long>();
        var deletedAhead = new HashSet<long>();
        var random = new Random(4242);
        long nextId = 1;

        await using var writes = await _database.OpenAsync();
        var url = $"items?$select=id,grp,label&$orderby={orderBy}";
        var (rows, pages) = await PageWalk.WalkAsync(_server.Client, url, PageSize, r => new Row(
                PageWalk.Int64(r, "id"),
                r.GetProperty("grp").GetInt32(),
                r.GetProperty("label").GetString()),
            maxPages: 2 * InitialRows / PageSize,
            betweenPages: async served =>
            {
                // Where the walk stands: the last row served that was there from the start.
                var last = served.Count == 0 ? null : served[^1];
                var lastOriginal = served.LastOrDefault(r => initial.Contains(r.Id));
                var position = lastOriginal is null ? -1 : positionOf[lastOriginal.Id];

                // Insert: next to the current row (same order values, key just below and just above: the tie-breaker's
                // boundary), and at both ends of the order (NULL and extreme labels and groups).
                var inserts = new List<Row>();
                if (last is not null)
                {
                    inserts.Add(last with { Id = last.Id - 1 - random.Next(4) });
                    inserts.Add(last with { Id = last.Id + 1 + random.Next(4) });
                }

                inserts.Add(new Row(5 + (10 * random.NextInt64(InitialRows)), -1, null));
                inserts.Add(new Row(5 + (10 * random.NextInt64(InitialRows)), 99, "A" + nextId));
                inserts.Add(new Row(5 + (10 * random.NextInt64(InitialRows)), 40, "Z" + nextId++));
                await using var batch = new NpgsqlBatch(writes);
                foreach (var row in inserts.Where(r => r.Id > 0 && !initial.Contains(r.Id) && inserted.Add(r.Id)))
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO items (id, grp, label) VALUES ($1, $2, $3)")
                    {
                        Parameters = { new() { Value = row.Id }, new() { Value = row.Grp }, new() { Value = (object?)row.Label ?? DBNull.Value } },
                    });
                }

                // Delete: some rows not yet reached (just ahead and further on), and some already served.
                var victims = new List<long>();
                foreach (var ahead in new[] { 1, 2 + random.Next(10), 100 + random.Next(5_000) })
                {
                    if (position + ahead < initialOrder.Count && deletedAhead.Add(initialOrder[position + ahead]))
                    {
                        victims.Add(initialOrder[position + ahead]);
                    }
                }

                if (position > 0)
                {
                    victims.Add(initialOrder[random.Next(position)]);
                    victims.Add(initialOrder[position]);
                }

                batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM items WHERE id = ANY($1)") { Parameters = { new() { Value = victims.Where(deleted.Add).ToArray() } } });
                await batch.ExecuteNonQueryAsync();
            });

        Assert.True(pages.Count > InitialRows / PageSize / 2, $"only {pages.Count} pages");
        Assert.True(deleted.Count > 200 && inserted.Count > 200, $"only {deleted.Count} deletes and {inserted.Count} inserts between pages");

        var ids = rows.Select(r => r.Id).ToList();
        var twice = ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
        Assert.True(twice.Count == 0, $"{url}: served more than once: {string.Join(", ", twice)}");

        var servedIds = ids.ToHashSet();
        var stayed = initialOrder.Where(id => !deleted.Contains(id)).ToList();
        var gaps = stayed.Where(id => !servedIds.Contains(id)).Take(5).ToList();
        Assert.True(gaps.Count == 0, $"{url}: rows that existed throughout were never served, e.g. {string.Join(", ", gaps)}");
        Assert.All(ids, id => Assert.True(initial.Contains(id) || inserted.Contains(id), $"{url}: row {id} was never in the table"));
        var ghosts = deletedAhead.Where(servedIds.Contains).Take(5).ToList();
        Assert.True(ghosts.Count == 0, $"{url}: rows deleted before the walk reached them were served: {string.Join(", ", ghosts)}");

        // The rows that stayed come in their original relative order, and the whole walk is in the order asked.
        PageWalk.AssertSameSequence(stayed, ids.Where(id => initial.Contains(id) && !deleted.Contains(id)).ToList(), url + " (rows that stayed)");
        var comparer = Comparer(orderBy);
        for (var i = 1; i < rows.Count; i++)
        {
            Assert.True(comparer(rows[i - 1], rows[i]) < 0, $"{url}: row {i} ({rows[i]}) is served after {rows[i - 1]}, against the order");
        }
    }

    /// <summary>The service's total order in C#: NULLs first ascending and last descending, then the key in the direction of the last term.</summary>
    private static Comparison<Row> Comparer(string orderBy) => orderBy switch
    {
        "id" => (a, b) => a.Id.CompareTo(b.Id),
        "id desc" => (a, b) => b.Id.CompareTo(a.Id),
        "label" => (a, b) => Then(Label(a, b), a, b),
        "label desc" => (a, b) => Then(-Label(a, b), b, a),
        "grp desc,label" => (a, b) => b.Grp != a.Grp ? b.Grp.CompareTo(a.Grp) : Then(Label(a, b), a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(orderBy)),
    };

    private static int Label(Row a, Row b) => (a.Label, b.Label) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        _ => string.CompareOrdinal(a.Label, b.Label),
    };

    private static int Then(int first, Row a, Row b) => first != 0 ? first : a.Id.CompareTo(b.Id);

    private sealed record Row(long Id, int Grp, string? Label);
}
