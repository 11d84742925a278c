using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Paging;

/// <summary>
/// Walking <c>@odata.nextLink</c> to the end returns every row exactly once, in the order asked, compared with the
/// same order read straight from the database: on the key, on non-unique columns, on a column with NULLs (both
/// directions), and with <c>$filter</c>, <c>$top</c>, <c>$skip</c>, <c>$count</c>, <c>$expand</c>, <c>$search</c>
/// and <c>$select</c> carried through the links. On PostgreSQL the table has 1,000,000 rows, on SQLite 20,000.
/// </summary>
public abstract class NextLinkWalkTests(ServerFixture fixture)
{
    protected ServerFixture Fixture { get; } = fixture;

    /// <summary>Rows in <c>transactions</c>.</summary>
    protected abstract int TransactionRows { get; }

    /// <summary>The page size of walks through the shared server (at most <c>OData:Paging:MaxPageSize</c>, 2,000).</summary>
    protected abstract int PageSize { get; }

    /// <summary>
    /// A server for walks ordered by an unindexed column. Each such page sorts the whole table, so on 1,000,000 rows
    /// the walk uses a server of its own with larger pages; the keyset predicate is the same at any page size.
    /// </summary>
    protected abstract Task<(HttpClient Client, int PageSize)> UnindexedWalkServerAsync();

    private string Transactions => DirectRows.Table(Fixture, "core", "transactions");

    [Theory]
    [InlineData("transaction_id", "transaction_id ASC")]
    [InlineData("transaction_id desc", "transaction_id DESC")]
    [InlineData("iban", "iban ASC, transaction_id ASC")]
    public async Task Walk_IndexedOrder_ServesEveryRowOnceInOrder(string orderBy, string sqlOrder)
    {
        var expected = await DirectRows.Int64Async(Fixture, Fixture.BankConnectionString, $"SELECT transaction_id FROM {Transactions} ORDER BY {sqlOrder}");
        Assert.Equal(TransactionRows, expected.Count);

        var url = $"transactions?$select=transaction_id&$orderby={orderBy}";
        var (keys, pages) = await PageWalk.WalkAsync(Fixture.Client, url, PageSize, r => PageWalk.Int64(r, "transaction_id"), maxPages: (TransactionRows / PageSize) + 2);

        PageWalk.AssertSameSequence(expected, keys, url);
        PageWalk.AssertFullPages(pages, PageSize, TransactionRows, url);
        Assert.Equal("odata.maxpagesize=" + PageSize, pages[0].PreferenceApplied);
    }

    [Theory]
    [InlineData("value_date desc", "value_date DESC, transaction_id DESC")]
    [InlineData("counterparty", "counterparty ASC NULLS FIRST, transaction_id ASC")]
    [InlineData("counterparty desc", "counterparty DESC NULLS LAST, transaction_id DESC")]
    public async Task Walk_UnindexedOrder_NonUniqueAndNullable_ServesEveryRowOnceInOrder(string orderBy, string sqlOrder)
    {
        var expected = await DirectRows.Int64Async(Fixture, Fixture.BankConnectionString, $"SELECT transaction_id FROM {Transactions} ORDER BY {sqlOrder}");
        Assert.Equal(TransactionRows, expected.Count);
        var (client, pageSize) = await UnindexedWalkServerAsync();
        var column = orderBy.Split(' ')[0];
        var url = $"transactions?$select=transaction_id,{column}&$orderby={orderBy}";
        var (keys, pages) = await PageWalk.WalkAsync(client, url, pageSize, r => PageWalk.Int64(r, "transaction_id"), maxPages: (TransactionRows / pageSize) + 2);

        PageWalk.AssertSameSequence(expected, keys, url);
        PageWalk.AssertFullPages(pages, pageSize, TransactionRows, url);
    }

    [Fact]
    public async Task Walk_WithFilterOnDecimalOrder_ServesExactlyTheMatchingRowsInOrder()
    {
        var expected = await DirectRows.Int64Async(Fixture, Fixture.BankConnectionString,
            $"SELECT transaction_id FROM {Transactions} WHERE transaction_id <= 30000 AND amount < -100 ORDER BY amount DESC, transaction_id DESC");
        Assert.True(expected.Count > 10_000, $"only {expected.Count} rows match");

        var url = "transactions?$filter=transaction_id le 30000 and amount lt -100&$orderby=amount desc&$select=transaction_id,amount";
        var (keys, pages) = await PageWalk.WalkAsync(Fixture.Client, url, 1000, r => PageWalk.Int64(r, "transaction_id"), maxPages: 40);

        PageWalk.AssertSameSequence(expected, keys, url);
        PageWalk.AssertFullPages(pages, 1000, expected.Count, url);
        Assert.All(pages.Skip(1), p => Assert.Contains("$filter=transaction_id", Uri.UnescapeDataString(p.Url), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(4500, new[] { 1000, 1000, 1000, 1000, 500 })]
    [InlineData(4000, new[] { 1000, 1000, 1000, 1000 })]
    [InlineData(1001, new[] { 1000, 1 })]
    [InlineData(999, new[] { 999 })]
    public async Task Walk_WithTop_StopsExactlyAtTop(int top, int[] pageRows)
    {
        var expected = await DirectRows.Int64Async(Fixture, Fixture.BankConnectionString,
            $"SELECT transaction_id FROM {Transactions} ORDER BY value_date DESC, transaction_id DESC LIMIT {top}");

        var url = $"transactions?$select=transaction_id,value_date&$orderby=value_date desc&$top={top}";
        var (keys, pages) = await PageWalk.WalkAsync(Fixture.Client, url, 1000, r => PageWalk.Int64(r, "transaction_id"), maxPages: 10);

        PageWalk.AssertSameSequence(expected, keys, url);
        Assert.Equal(pageRows, pages.Select(p => p.Rows).ToArray());
        Assert.Null(pages[^1].NextLink);
    }

    [Theory]
    [InlineData(2500, null)]
    [InlineData(2500, 2100)]
    [InlineData(19_990, null)]
    [InlineData(20_000, null)]
    [InlineData(25_000, null)]
    public async Task Walk_WithSkip_SkipsOnceThenPagesByKey(int skip, int? top)
    {
        var all = await DirectRows.Int64Async(Fixture, Fixture.BankConnectionString,
            $"SELECT transaction_id FROM {Transactions} WHERE transaction_id <= 20000 ORDER BY category ASC, transaction_id ASC");
        Assert.Equal(20_000, all.Count);
        var expected = all.Skip(skip).Take(top ?? int.MaxValue).ToList();

        var url = $"transactions?$select=transaction_id&$filter=transaction_id le 20000&$orderby=category&$skip={skip}" + (top is null ? string.Empty : $"&$top={top}");
        var (keys, pages) = await PageWalk.WalkAsync(Fixture.Client, url, 1000, r => PageWalk.Int64(r, "transaction_id"), maxPages: 30);

        PageWalk.AssertSameSequence(expected, keys, url);
        PageWalk.AssertFullPages(pages, 1000, expected.Count, url);
    }

    [Fact]
    public async Task Walk_WithCount_EveryPageCarriesTheTotal()
    {
        var expected = await DirectRows.Int64Async(Fixture, Fixture.BankConnectionString,
            $"SELECT transaction_id FROM {Transactions} WHERE transaction_id <= 20000 AND counterparty IS NOT NULL ORDER BY counterparty DESC NULLS LAST, transaction_id DESC");

        var url = "transactions?$select=transaction_id&$filter=transaction_id le 20000 and counterparty ne null&$orderby=counterparty desc&$count=true";
        var (keys, pages) = await PageWalk.WalkAsync(Fixture.Client, url, 1000, r => PageWalk.Int64(r, "transaction_id"), maxPages: 30);

        PageWalk.AssertSameSequence(expected, keys, url);
        Assert.True(pages.Count > 5, $"{pages.Count} pages");
        Assert.All(pages, p => Assert.Equal(expected.Count, p.Count));
    }

    [Fact]
    public async Task Walk_WithExpandAndSelect_EveryPageExpandsEveryParent()
    {
        var accounts = DirectRows.Table(Fixture, "core", "accounts");
        var balances = DirectRows.Table(Fixture, "core", "balances");
        var expectedIbans = await DirectRows.ReadAsync(Fixture, Fixture.BankConnectionString, $"SELECT iban FROM {accounts} ORDER BY currency DESC, iban DESC", r => r.GetString(0));
        var balanceRows = await DirectRows.ReadAsync(Fixture, Fixture.BankConnectionString, $"SELECT iban, as_of FROM {balances}", r => (Iban: r.GetString(0), AsOf: DateOnly.FromDateTime(r.GetDateTime(1))));
        var expectedBalances = balanceRows.GroupBy(b => b.Iban).ToDictionary(g => g.Key, g => g.Select(b => b.AsOf).Order().ToList(), StringComparer.Ordinal);

        var url = "accounts?$select=iban,currency&$expand=balances($select=as_of,amount)&$orderby=currency desc";
        var (rows, pages) = await PageWalk.WalkAsync(Fixture.Client, url, 1000, r => r.Clone(), maxPages: 30);

        PageWalk.AssertSameSequence(expectedIbans, rows.Select(r => r.GetProperty("iban").GetString()!).ToList(), url);
        PageWalk.AssertFullPages(pages, 1000, expectedIbans.Count, url);
        foreach (var row in rows)
        {
            var iban = row.GetProperty("iban").GetString()!;
            Assert.True(row.TryGetProperty("balances", out var expanded), $"{url}: {iban} has no expanded balances: {row}");
            var asOf = expanded.EnumerateArray().Select(b => DateOnly.Parse(b.GetProperty("as_of").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
            Assert.Equal(expectedBalances.GetValueOrDefault(iban) ?? [], asOf);
            Assert.Equal(["balances", "currency", "iban"], DataProperties(row));
            Assert.All(expanded.EnumerateArray(), b => Assert.Equal(["amount", "as_of"], DataProperties(b)));
        }
    }

    [Fact]
    public async Task Walk_WithSearchAndSelect_ServesExactlyTheMatchingRowsInOrder()
    {
        var accounts = DirectRows.Table(Fixture, "core", "accounts");
        var expected = await DirectRows.ReadAsync(Fixture, Fixture.BankConnectionString,
            $"SELECT iban FROM {accounts} WHERE lower(iban) LIKE '%dormant%' OR lower(currency) LIKE '%dormant%' OR lower(status) LIKE '%dormant%' ORDER BY opened_on DESC, iban DESC",
            r => r.GetString(0));
        Assert.True(expected.Count > 900, $"only {expected.Count} dormant accounts");

        var url = "accounts?$search=DORMANT&$select=iban,status&$orderby=opened_on desc";
        var (rows, pages) = await PageWalk.WalkAsync(Fixture.Client, url, 300, r => r.Clone(), maxPages: 100);

        PageWalk.AssertSameSequence(expected, rows.Select(r => r.GetProperty("iban").GetString()!).ToList(), url);
        PageWalk.AssertFullPages(pages, 300, expected.Count, url);
        Assert.All(rows, r => Assert.Equal(["iban", "status"], DataProperties(r)));
        Assert.All(pages.Skip(1), p => Assert.Contains("$search=DORMANT", Uri.UnescapeDataString(p.Url), StringComparison.Ordinal));
    }

    /// <summary>The row's properties, without annotations, sorted.</summary>
    private static List<string> DataProperties(JsonElement row)
        => row.EnumerateObject().Select(p => p.Name).Where(n => !n.Contains('@', StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresNextLinkWalkTests(PostgresFixture fixture) : NextLinkWalkTests(fixture)
{
    protected override int TransactionRows => 1_000_000;

    protected override int PageSize => 2_000;

    protected override async Task<(HttpClient Client, int PageSize)> UnindexedWalkServerAsync()
    {
        const int pageSize = 50_000;
        var server = await Fixture.SharedAsync("unindexed-walk", settings =>
        {
            // Only the bank database is walked.
            foreach (var key in settings.Keys.Where(k => k.StartsWith("OData:Sources:erp:", StringComparison.Ordinal)).ToList())
            {
                settings.Remove(key);
            }

            settings["OData:Paging:MaxPageSize"] = pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["OData:Cache:DefaultTtlSeconds"] = "0";
        });
        return (server.Client, pageSize);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteNextLinkWalkTests(SqliteFixture fixture) : NextLinkWalkTests(fixture)
{
    protected override int TransactionRows => 20_000;

    protected override int PageSize => 997;

    protected override Task<(HttpClient Client, int PageSize)> UnindexedWalkServerAsync() => Task.FromResult((Fixture.Client, 997));
}

[Collection(MySql.MariaDbSeedCollection.Name)]
public sealed class MariaDbNextLinkWalkTests(MySql.MariaDbSeedFixture fixture) : NextLinkWalkTests(fixture)
{
    protected override int TransactionRows => 20_000;

    protected override int PageSize => 997;

    protected override Task<(HttpClient Client, int PageSize)> UnindexedWalkServerAsync() => Task.FromResult((Fixture.Client, 997));
}
