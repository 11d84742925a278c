using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Paging;

namespace OData.Virtualization.IntegrationTests.Query;

/// <summary>
/// Parameter aliases (OData 4.01 Protocol §11.2.6.1.3, an Intermediate conformance MUST): <c>$filter=… @p&amp;@p=…</c>
/// answers what the same request with the value written in place answers, computed here from the database; an alias
/// without a value is null; an alias that uses itself is a 400, never a hang.
/// </summary>
public abstract class ParameterAliasTests(ServerFixture fixture)
{
    private ServerFixture Fixture { get; } = fixture;

    private string Transactions => DirectRows.Table(Fixture, "core", "transactions");

    [Fact]
    public async Task Filter_WithAliases_IsTheFilterWithTheValuesInPlace()
    {
        var expected = await DirectRows.Int64Async(Fixture, Fixture.BankConnectionString,
            $"SELECT transaction_id FROM {Transactions} WHERE transaction_id <= 40 AND amount < 0 AND (counterparty IS NULL OR counterparty <> '@low') ORDER BY transaction_id");
        Assert.NotEmpty(expected);

        // An alias whose value uses another, one used twice, and an '@' inside a string literal that is not an alias
        // (OData's 'ne' is true for a null counterparty, SQL's '<>' is not: hence the IS NULL above).
        var keys = await KeysAsync("transactions?$select=transaction_id&$filter=transaction_id le @top and amount lt @zero and counterparty ne '@low'&@top=@half mul 2&@half=20&@zero=0");
        Assert.Equal(expected, keys);
    }

    [Fact]
    public async Task Alias_InOrderByAndIn_AndWithoutAValue()
    {
        var expected = await DirectRows.Int64Async(Fixture, Fixture.BankConnectionString,
            $"SELECT transaction_id FROM {Transactions} WHERE transaction_id IN (3, 5, 8) ORDER BY amount DESC, transaction_id DESC");
        Assert.Equal(3, expected.Count);
        Assert.Equal(expected, await KeysAsync("transactions?$select=transaction_id&$filter=transaction_id in @ids&@ids=[3,5,8]&$orderby=@by desc&@by=amount"));

        // No value: null (URL Conventions), so 'eq null' on a key matches nothing.
        Assert.Empty(await KeysAsync("transactions?$select=transaction_id&$filter=transaction_id eq @nothing"));
    }

    [Fact]
    public async Task Alias_UsingItself_IsA400()
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, "transactions?$filter=amount lt @a&@a=@b add 1&@b=@a");
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("refers to itself", body, StringComparison.Ordinal);
        }
    }

    private async Task<List<long>> KeysAsync(string url)
    {
        var json = await Fixture.Client.GetJsonAsync(url);
        return json.GetProperty("value").EnumerateArray().Select(r => PageWalk.Int64(r, "transaction_id")).ToList();
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresParameterAliasTests(PostgresFixture fixture) : ParameterAliasTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteParameterAliasTests(SqliteFixture fixture) : ParameterAliasTests(fixture);
