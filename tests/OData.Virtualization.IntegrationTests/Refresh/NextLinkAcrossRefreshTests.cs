using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Refresh;

/// <summary>
/// A next link minted before a schema refresh: it continues where it was when the set's key and order columns stayed
/// as they were (whatever else changed), and is refused with a 400 <c>InvalidSkipToken</c> that says to start again
/// when they changed — never followed to a wrong page.
/// </summary>
public sealed class NextLinkAcrossRefreshTests
{
    private const string Setup = """
        CREATE TABLE walk (id integer PRIMARY KEY, code text NOT NULL UNIQUE, n integer NOT NULL, note text);
        INSERT INTO walk SELECT i, 'c' || lpad(i::text, 3, '0'), 100 - i, 'note ' || i FROM generate_series(1, 30) AS i;
        """;

    /// <summary>Ordered by n ascending: ids 30 down to 1.</summary>
    private const string Walk = "walk?$select=id,n&$orderby=n";

    [Fact]
    public async Task CompatibleChange_OldNextLink_ContinuesWithoutGapOrDuplicate()
    {
        await using var database = await ScratchDatabase.CreateAsync("nextlink_ok", Setup);
        await using var server = await RefreshServer.StartAsync(database.ConnectionString);
        var (first, next) = await FirstPageAsync(server);

        // A column added, an unrelated column retyped, another table: the key and the order column are untouched.
        await database.ExecuteAsync("ALTER TABLE walk ADD COLUMN extra integer; ALTER TABLE walk ALTER COLUMN note TYPE varchar(50); CREATE TABLE other (id integer PRIMARY KEY);");
        Assert.Equal("Published", (await server.RefreshAsync()).GetProperty("outcome").GetString());

        var ids = new List<int>(first);
        for (var link = next; link is not null;)
        {
            var page = await server.Client.GetJsonAsync(link);
            ids.AddRange(page.GetProperty("value").EnumerateArray().Select(r => r.GetProperty("id").GetInt32()));
            link = page.TryGetProperty("@odata.nextLink", out var more) ? more.GetString() : null;
        }

        Assert.Equal(Enumerable.Range(1, 30).Reverse(), ids);
    }

    [Theory]
    [InlineData("ALTER TABLE walk ALTER COLUMN n TYPE bigint", "the order column retyped")]
    [InlineData("ALTER TABLE walk DROP CONSTRAINT walk_pkey; ALTER TABLE walk ADD PRIMARY KEY (code)", "the key changed")]
    [InlineData("ALTER TABLE walk ALTER COLUMN id TYPE text", "the key retyped")]
    public async Task IncompatibleChange_OldNextLink_Is400InvalidSkipToken_SayingToStartAgain(string ddl, string what)
    {
        await using var database = await ScratchDatabase.CreateAsync("nextlink_bad", Setup);
        await using var server = await RefreshServer.StartAsync(database.ConnectionString);
        var (_, next) = await FirstPageAsync(server);

        await database.ExecuteAsync(ddl);
        Assert.Equal("Published", (await server.RefreshAsync()).GetProperty("outcome").GetString());

        var (response, body) = await server.Client.SendAsync(HttpMethod.Get, next!);
        using (response)
        {
            var error = ODataAssert.AssertError(response, body, HttpStatusCode.BadRequest, $"the old next link after {what}");
            Assert.Equal("InvalidSkipToken", error.GetProperty("code").GetString());
            var message = error.GetProperty("message").GetString()!;
            Assert.Contains("published model of 'walk' changed", message, StringComparison.Ordinal);
            Assert.Contains("Request the first page again", message, StringComparison.Ordinal);
        }

        // Starting again works, on the new model.
        var again = (await server.Client.GetJsonAsync(Walk)).GetProperty("value").EnumerateArray().Select(r => r.GetProperty("id").ToString());
        Assert.Equal(Enumerable.Range(1, 30).Reverse().Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), again);
    }

    private static async Task<(List<int> Ids, string? Next)> FirstPageAsync(RefreshServer server)
    {
        var (response, body) = await server.Client.SendAsync(HttpMethod.Get, Walk, ("Prefer", "odata.maxpagesize=5"));
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var page = JsonDocument.Parse(body).RootElement;
        var ids = page.GetProperty("value").EnumerateArray().Select(r => r.GetProperty("id").GetInt32()).ToList();
        Assert.Equal([30, 29, 28, 27, 26], ids);
        return (ids, page.GetProperty("@odata.nextLink").GetString());
    }
}
