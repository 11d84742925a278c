using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Sources;

namespace OData.Virtualization.IntegrationTests.Execution;

/// <summary>
/// Issue 17: an expanded level with <c>$top</c>/<c>$skip</c> is read parent by parent with a lateral join where an index
/// finds a parent's related rows, and numbered in one scan where none does. Both give every parent exactly its window of
/// related rows, in order, computed here independently of either statement.
/// </summary>
public sealed class LateralExpandTests
{
    private const string Setup = """
        CREATE TABLE parents (id integer PRIMARY KEY, name text NOT NULL);
        CREATE TABLE kids_indexed (id integer PRIMARY KEY, parent_id integer REFERENCES parents (id), score integer NOT NULL);
        CREATE TABLE kids_plain (id integer PRIMARY KEY, parent_id integer REFERENCES parents (id), score integer NOT NULL);
        CREATE INDEX kids_by_parent ON kids_indexed (parent_id, score);
        CREATE INDEX kids_partial ON kids_plain (parent_id) WHERE score > 3;
        CREATE INDEX kids_expression ON kids_plain ((parent_id + 0), parent_id);
        INSERT INTO parents SELECT g, 'p' || g FROM generate_series(1, 50) g;
        INSERT INTO kids_indexed SELECT g, CASE WHEN g % 17 = 0 THEN NULL ELSE g % 40 + 1 END, g % 7 FROM generate_series(1, 1000) g;
        INSERT INTO kids_plain SELECT id, parent_id, score FROM kids_indexed;
        ANALYZE;
        """;

    [Fact]
    public async Task Catalog_ReadsTheIndexesThatFindRowsByEquality()
    {
        await using var database = await ScratchDatabase.CreateAsync("odv_lateral_catalog", Setup);
        await using var connection = await database.OpenAsync();
        var schema = await PostgresCatalog.DiscoverAsync("s", connection, CancellationToken.None);
        var indexed = schema.Objects.Single(o => o.Name == "kids_indexed");
        var plain = schema.Objects.Single(o => o.Name == "kids_plain");

        Assert.True(indexed.HasIndexOn(["parent_id"]));
        Assert.True(indexed.HasIndexOn(["id"])); // the primary key's index
        // A partial index serves some rows only; an expression's column ends what an index can seek on.
        Assert.False(plain.HasIndexOn(["parent_id"]));
        Assert.Equal([["id"]], plain.Indexes.Select(i => i.ToArray()).ToArray());
    }

    [Theory]
    [InlineData("kids_indexed")]
    [InlineData("kids_plain")]
    public async Task ExpandWithTopAndSkip_EveryParentHasExactlyItsWindow(string kids)
    {
        await using var database = await ScratchDatabase.CreateAsync("odv_lateral_" + kids, Setup);
        var settings = InProcessServer.PostgresSettings("s", database.ConnectionString);
        settings["OData:Refresh:NotifyChannel"] = string.Empty;
        settings["OData:Refresh:IntervalSeconds"] = "0";
        settings["OData:Cache:DefaultTtlSeconds"] = "0";
        await using var server = InProcessServer.Start(settings);
        var rows = await database.QueryAsync("SELECT id, parent_id, score FROM kids_indexed", r => (Id: r.GetInt32(0), Parent: r.IsDBNull(1) ? (int?)null : r.GetInt32(1), Score: r.GetInt32(2)));
        List<int> Expected(int parent) => rows.Where(r => r.Parent == parent).OrderByDescending(r => r.Score).ThenByDescending(r => r.Id).Skip(1).Take(3).Select(r => r.Id).ToList();

        // A page's parents (read in the page's batch) and one parent by key (its value bound).
        foreach (var url in new[] { $"parents?$orderby=id&$top=45&$expand={kids}($orderby=score desc;$top=3;$skip=1;$select=id,score)", $"parents(7)?$expand={kids}($orderby=score desc;$top=3;$skip=1;$select=id,score)" })
        {
            using var response = await server.Client.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            using var json = JsonDocument.Parse(body);
            var parents = json.RootElement.TryGetProperty("value", out var value) ? value.EnumerateArray().ToList() : [json.RootElement];
            Assert.Equal(url.StartsWith("parents(", StringComparison.Ordinal) ? 1 : 45, parents.Count);
            foreach (var parent in parents)
            {
                var id = parent.GetProperty("id").GetInt32();
                var got = parent.GetProperty(kids).EnumerateArray().Select(k => k.GetProperty("id").GetInt32()).ToList();
                Assert.True(Expected(id).SequenceEqual(got), $"{url}: parent {id} has [{string.Join(", ", got)}], expected [{string.Join(", ", Expected(id))}]");
            }
        }
    }
}
