using System.Net;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// <c>any</c>, <c>all</c>, <c>any()</c> and <c>/$count</c> over PostgreSQL arrays (published as <c>Collection(Edm.String)</c>
/// and <c>Collection(Edm.Int32)</c>), on a database of the test's own with NULL arrays, empty arrays, NULL elements,
/// duplicates and quotes in keys and elements. The expected rows are computed here from the rows read separately, with
/// OData's two-valued rules spelled out in C#: the server's SQL is not consulted.
/// </summary>
public sealed class ArrayLambdaTests
{
    private const string Setup = """
        CREATE TABLE owners (id integer PRIMARY KEY, name text);
        CREATE TABLE items (code text PRIMARY KEY, owner_id integer REFERENCES owners (id), tags text[], scores integer[]);
        INSERT INTO owners VALUES (1, 'a''b'), (2, 'red'), (3, NULL), (4, 'blue');
        INSERT INTO items VALUES
            ('O''Neil/1', 1, ARRAY['a''b', 'red'], ARRAY[1, 7]),
            ('nulls', 2, NULL, NULL),
            ('empty', 2, ARRAY[]::text[], ARRAY[]::integer[]),
            ('with null', 3, ARRAY['red', NULL], ARRAY[NULL, 3]::integer[]),
            ('only null', NULL, ARRAY[NULL]::text[], ARRAY[NULL]::integer[]),
            ('dupes % _', 4, ARRAY['blue', 'blue', 'ant'], ARRAY[9, 9, 9]),
            ('日本 ☕', 1, ARRAY['ant', 'apple'], ARRAY[2]),
            ('blue''s own', 4, ARRAY['red'], ARRAY[6, 5]);
        """;

    private sealed record Item(string Code, int? Owner, string?[]? Tags, int?[]? Scores);

    [Fact]
    public async Task ArrayLambdas_SelectExactlyTheRowsTheirDefinitionSays()
    {
        await using var database = await ScratchDatabase.CreateAsync("odv_array_lambdas", Setup);
        var items = await database.QueryAsync(
            "SELECT code, owner_id, tags, scores FROM items",
            r => new Item(r.GetString(0), r.IsDBNull(1) ? null : r.GetInt32(1), r.IsDBNull(2) ? null : r.GetFieldValue<string?[]>(2), r.IsDBNull(3) ? null : r.GetFieldValue<int?[]>(3)));
        var owners = (await database.QueryAsync("SELECT id, name FROM owners", r => (Id: r.GetInt32(0), Name: r.IsDBNull(1) ? null : r.GetString(1)))).ToDictionary(o => o.Id, o => o.Name);
        string? OwnerName(Item i) => i.Owner is { } id ? owners[id] : null;

        var cases = new (string Filter, Func<Item, bool> Oracle)[]
        {
            ("tags/any(t: t eq 'a''b')", i => i.Tags?.Contains("a'b") == true),
            ("tags/any(t: t eq null)", i => i.Tags?.Any(t => t is null) == true),
            // null ne 'red' is true: a NULL element does not break this 'all'; a NULL array has no element to break it.
            ("tags/all(t: t ne 'red')", i => i.Tags is null || i.Tags.All(t => t != "red")),
            // startswith(null, 'a') is null, which is not true: a NULL element breaks this one.
            ("tags/all(t: startswith(t,'a'))", i => i.Tags is null || i.Tags.All(t => t is not null && t.StartsWith('a'))),
            ("tags/any()", i => i.Tags is { Length: > 0 }),
            ("not tags/any()", i => i.Tags is not { Length: > 0 }),
            ("scores/any(s: s gt 5) and not scores/all(s: s gt 5)", i => i.Scores?.Any(s => s > 5) == true && !i.Scores.All(s => s > 5)),
            ("scores/all(s: s eq 9)", i => i.Scores is null || i.Scores.All(s => s == 9)),
            ("tags/$count ge 2", i => (i.Tags?.Length ?? 0) >= 2),
            ("tags/$count eq 3 or scores/$count eq 1", i => i.Tags?.Length == 3 || i.Scores?.Length == 1),
            // null eq null is true in OData: a NULL element equals the name of an owner without one (or of no owner).
            ("tags/any(t: t eq $it/owner/name)", i => i.Tags?.Any(t => t == OwnerName(i)) == true),
            ("owner/name ne null and tags/all(t: t ne owner/name)", i => OwnerName(i) is { } name && (i.Tags is null || i.Tags.All(t => t != name))),
            ("tags/any(t: t in ('ant', 'red') and scores/any(s: s lt 3))", i => i.Tags?.Any(t => t is "ant" or "red") == true && i.Scores?.Any(s => s < 3) == true),
        };

        var settings = InProcessServer.PostgresSettings("s", database.ConnectionString);
        settings["OData:Refresh:NotifyChannel"] = string.Empty;
        settings["OData:Refresh:IntervalSeconds"] = "0";
        await using var server = InProcessServer.Start(settings);
        foreach (var (filter, oracle) in cases)
        {
            var expected = items.Where(oracle).Select(i => i.Code).Order(StringComparer.Ordinal).ToList();
            Assert.True(expected.Count > 0 && expected.Count < items.Count, $"{filter}: the case selects {expected.Count} of {items.Count} rows.");
            var (keys, count) = await server.Client.GetAllKeysAsync("items?$select=code&$count=true&$filter=" + Uri.EscapeDataString(filter), ["code"]);
            Assert.True(expected.SequenceEqual(keys.Order(StringComparer.Ordinal)), $"{filter}: expected [{string.Join(", ", expected)}], served [{string.Join(", ", keys.Order(StringComparer.Ordinal))}]");
            Assert.Equal(expected.Count, count);
        }

        // Through a navigation lambda: owners with an item tagged 'red', and owners all of whose items have a score.
        var red = owners.Keys.Where(o => items.Any(i => i.Owner == o && i.Tags?.Contains("red") == true)).Select(o => o.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal);
        var (redOwners, _) = await server.Client.GetAllKeysAsync("owners?$select=id&$filter=" + Uri.EscapeDataString("items/any(i: i/tags/any(t: t eq 'red'))"), ["id"]);
        Assert.Equal(red, redOwners.Order(StringComparer.Ordinal));
        var scored = owners.Keys.Where(o => items.Where(i => i.Owner == o).All(i => i.Scores?.Any(s => s is not null) == true)).Select(o => o.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal);
        var (scoredOwners, _) = await server.Client.GetAllKeysAsync("owners?$select=id&$filter=" + Uri.EscapeDataString("items/all(i: i/scores/any(s: s ne null))"), ["id"]);
        Assert.Equal(scored, scoredOwners.Order(StringComparer.Ordinal));

        // Ordering by a collection stays a 400; comparing one as a whole stays a 501.
        await server.Client.GetErrorAsync("items?$orderby=tags", HttpStatusCode.BadRequest);
        await server.Client.GetErrorAsync("items?$filter=" + Uri.EscapeDataString("'red' in tags"), HttpStatusCode.NotImplemented);
    }
}
