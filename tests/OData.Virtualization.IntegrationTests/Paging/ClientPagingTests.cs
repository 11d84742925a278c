using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Paging;

/// <summary>
/// Client-driven paging (<c>$top=500&amp;$skip=N</c>, Salesforce Connect's default) stays exact at any depth, and
/// <c>Prefer: odata.maxpagesize</c> sizes server pages, answered with <c>Preference-Applied</c> and capped at the
/// maximum.
/// </summary>
public abstract class ClientPagingTests(ServerFixture fixture)
{
    protected ServerFixture Fixture { get; } = fixture;

    protected abstract int TransactionRows { get; }

    private string Transactions => DirectRows.Table(Fixture, "core", "transactions");

    public static TheoryData<string, string> Orders => new()
    {
        { string.Empty, "transaction_id ASC" },
        { "&$orderby=counterparty desc", "counterparty DESC NULLS LAST, transaction_id DESC" },
    };

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task TopAndSkip_AtAnyDepth_EqualTheSliceOfTheFullOrder(string orderBy, string sqlOrder)
    {
        var all = await DirectRows.Int64Async(Fixture, Fixture.BankConnectionString, $"SELECT transaction_id FROM {Transactions} ORDER BY {sqlOrder}");
        Assert.Equal(TransactionRows, all.Count);
        var rows = TransactionRows;
        var depths = new[] { 0, 1, 1_999, 2_000, 2_001, 2_500, 10_000, rows / 2 + 7, rows - 2_000, rows - 700, rows - 500, rows - 300, rows, rows + 10 };
        foreach (var skip in depths)
        {
            var url = $"transactions?$select=transaction_id&$top=500&$skip={skip}{orderBy}";
            var json = await Fixture.Client.GetJsonAsync(url);
            var keys = json.GetProperty("value").EnumerateArray().Select(r => PageWalk.Int64(r, "transaction_id")).ToList();
            PageWalk.AssertSameSequence(all.Skip(skip).Take(500).ToList(), keys, url);
            Assert.False(json.TryGetProperty("@odata.nextLink", out _), $"{url}: $top=500 fits one page, yet a next link was sent");
        }
    }

    [Fact]
    public async Task NoPreference_ServesTheDefaultPageSize_WithoutPreferenceApplied()
    {
        var expected = await DirectRows.Int64Async(Fixture, Fixture.BankConnectionString, $"SELECT transaction_id FROM {Transactions} ORDER BY transaction_id ASC");
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, "transactions?$select=transaction_id");
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(response.Headers.Contains("Preference-Applied"), "Preference-Applied without a Prefer header");
            var json = JsonDocument.Parse(body).RootElement;
            Assert.Equal(expected.Take(1000), json.GetProperty("value").EnumerateArray().Select(r => PageWalk.Int64(r, "transaction_id")));
            Assert.True(json.TryGetProperty("@odata.nextLink", out _), "no next link after a full default page");
        }
    }

    [Theory]
    [InlineData("odata.maxpagesize=10", 10, "odata.maxpagesize=10")]
    [InlineData("odata.maxpagesize=1999", 1999, "odata.maxpagesize=1999")]
    [InlineData("odata.maxpagesize=2000", 2000, "odata.maxpagesize=2000")]
    [InlineData("odata.maxpagesize=5000", 2000, "odata.maxpagesize=2000")]
    [InlineData("odata.maxpagesize=1000000", 2000, "odata.maxpagesize=2000")]
    [InlineData("maxpagesize=7", 7, "odata.maxpagesize=7")]
    [InlineData("return=minimal, odata.maxpagesize=25", 25, "odata.maxpagesize=25")]
    public async Task PreferMaxPageSize_IsHonouredAndCappedAtTheMaximum(string prefer, int rows, string applied)
    {
        var expected = await DirectRows.Int64Async(Fixture, Fixture.BankConnectionString, $"SELECT transaction_id FROM {Transactions} ORDER BY transaction_id ASC");
        const string url = "transactions?$select=transaction_id";
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, url, ("Prefer", prefer));
        string next;
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            Assert.Equal(applied, string.Join(",", response.Headers.GetValues("Preference-Applied")));
            var json = JsonDocument.Parse(body).RootElement;
            Assert.Equal(expected.Take(rows), json.GetProperty("value").EnumerateArray().Select(r => PageWalk.Int64(r, "transaction_id")));
            next = json.GetProperty("@odata.nextLink").GetString()!;
        }

        // The link keeps the page size even when the client does not repeat the preference.
        var second = await Fixture.Client.GetJsonAsync(next);
        Assert.Equal(expected.Skip(rows).Take(rows), second.GetProperty("value").EnumerateArray().Select(r => PageWalk.Int64(r, "transaction_id")));
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresClientPagingTests(PostgresFixture fixture) : ClientPagingTests(fixture)
{
    protected override int TransactionRows => 1_000_000;
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteClientPagingTests(SqliteFixture fixture) : ClientPagingTests(fixture)
{
    protected override int TransactionRows => 20_000;
}

[Collection(MySql.MariaDbSeedCollection.Name)]
public sealed class MariaDbClientPagingTests(MySql.MariaDbSeedFixture fixture) : ClientPagingTests(fixture)
{
    protected override int TransactionRows => 20_000;
}
