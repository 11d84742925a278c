using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// Every key form a client puts into a URL: integers, bigints above 2^32, text keys with characters that are
/// hostile to URLs and SQL, non-ASCII, guids, dates and composite keys — each read back exactly.
/// </summary>
public abstract class KeyTests(ServerFixture fixture)
{
    /// <summary>The six hostile SKUs of the seed data, with each product's name.</summary>
    public static TheoryData<string, string> HostileSkus() => new()
    {
        { "O'Brien 50%", "O'Brien Irish Coffee Mug (50% off)" },
        { "Größe/Ü#1", "Arbeitshandschuhe Größe Ü (Übergröße) #1" },
        { "a?b c", "Mystery Box a?b c" },
        { "A&B+C=D", "Formula Whiteboard A&B+C=D" },
        { "back\\slash %2F", "Path Label Printer back\\slash" },
        { "日本-カタログ ☕", "Japanese Sencha 日本茶 ☕" },
    };

    protected ServerFixture Fixture { get; } = fixture;

    /// <summary>Hostile keys go through real Kestrel: the in-memory test server decodes the request target once.</summary>
    private async Task<HttpClient> KestrelAsync() => (await Fixture.KestrelAsync()).Client;

    [Fact]
    public async Task IntegerKey_ReturnsThatRow()
    {
        var json = await Fixture.Client.GetJsonAsync("erp_customers(42)");
        Assert.Equal(42, json.GetProperty("customer_id").GetInt64());
        var byFilter = await Fixture.Client.GetValuesAsync("erp_customers?$filter=customer_id eq 42");
        var expected = byFilter.Single().EnumerateObject().Select(p => (p.Name, p.Value.GetRawText())).ToList();
        var actual = json.EnumerateObject().Where(p => p.Name != "@odata.context").Select(p => (p.Name, p.Value.GetRawText())).ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task BigintKeyAboveTwoToThe32_ReturnsThatRowExactly()
    {
        var body = await Fixture.Client.GetTextAsync("sales_orders(5000000001)");
        Assert.Contains("\"order_id\":5000000001,", body, StringComparison.Ordinal);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(1920, json.GetProperty("customer_id").GetInt64());
        Assert.Equal("2023-01-01", json.GetProperty("order_date").GetString());
        Assert.Equal("shipped", json.GetProperty("status").GetString());
        Assert.Contains("\"total_amount\":11795.29,", body, StringComparison.Ordinal);
        Assert.Equal(3, json.GetProperty("Priority").GetInt32());

        var last = await Fixture.Client.GetJsonAsync("sales_orders(5000020000)");
        Assert.Equal(5000020000, last.GetProperty("order_id").GetInt64());
    }

    [Theory]
    [MemberData(nameof(HostileSkus))]
    public async Task HostileStringKey_FullyPercentEncoded_ReturnsThatRow(string sku, string name)
    {
        var client = await KestrelAsync();
        var json = await client.GetJsonAsync("products(" + ODataAssert.StringLiteral(sku) + ")");
        Assert.Equal(sku, json.GetProperty("sku").GetString());
        Assert.Equal(name, json.GetProperty("name").GetString());
    }

    [Theory]
    [MemberData(nameof(HostileSkus))]
    public async Task HostileStringKey_WithLiteralQuotes_ReturnsThatRow(string sku, string name)
    {
        var client = await KestrelAsync();
        // As most clients write it: quotes (and the doubled quote) as typed, the text between them percent-encoded.
        var url = "products('" + Uri.EscapeDataString(sku.Replace("'", "''", StringComparison.Ordinal)).Replace("%27", "'", StringComparison.Ordinal) + "')";
        var json = await client.GetJsonAsync(url);
        Assert.Equal(sku, json.GetProperty("sku").GetString());
        Assert.Equal(name, json.GetProperty("name").GetString());
    }

    [Theory]
    [MemberData(nameof(HostileSkus))]
    public async Task HostileStringKey_EntityIdFromFullMetadata_ReadsTheSameRow(string sku, string name)
    {
        var client = await KestrelAsync();
        var json = JsonDocument.Parse(await client.GetTextAsync("products(" + ODataAssert.StringLiteral(sku) + ")?$select=sku,name", "application/json;odata.metadata=full")).RootElement;
        var id = json.GetProperty("@odata.id").GetString()!;
        Assert.StartsWith(client.BaseAddress + "products(", id, StringComparison.Ordinal);

        var again = await client.GetJsonAsync(id + "?$select=sku,name");
        Assert.Equal(sku, again.GetProperty("sku").GetString());
        Assert.Equal(name, again.GetProperty("name").GetString());
    }

    [Theory]
    [MemberData(nameof(HostileSkus))]
    public async Task HostileStringKey_PropertyAndValue_ReadTheSameRow(string sku, string name)
    {
        var client = await KestrelAsync();
        var key = "products(" + ODataAssert.StringLiteral(sku) + ")";
        Assert.Equal(name, (await client.GetJsonAsync(key + "/name")).GetProperty("value").GetString());
        Assert.Equal(sku, await client.GetTextAsync(key + "/sku/$value"));
    }

    [Fact]
    public async Task StringKey_IsExact_NoCaseFoldingOrTrimming()
    {
        Assert.Equal("SKU-00001", (await Fixture.Client.GetJsonAsync("products('SKU-00001')")).GetProperty("sku").GetString());
        await Fixture.Client.GetErrorAsync("products('sku-00001')", HttpStatusCode.NotFound);
        await Fixture.Client.GetErrorAsync("products('SKU-00001%20')", HttpStatusCode.NotFound);
        await Fixture.Client.GetErrorAsync("products('%20SKU-00001')", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task NonAsciiFixedLengthKey_ReturnsThatRow()
    {
        var json = await Fixture.Client.GetJsonAsync("warehouses(" + ODataAssert.StringLiteral("DÜS1") + ")");
        Assert.Equal("DÜS1", json.GetProperty("warehouse_code").GetString());
        Assert.Equal("Düsseldorf Nord", json.GetProperty("name").GetString());
        Assert.Equal("08:00:00", json.GetProperty("opens_at").GetString());

        var unencoded = await Fixture.Client.GetJsonAsync("warehouses('DÜS1')");
        Assert.Equal("Düsseldorf", unencoded.GetProperty("city").GetString());
    }

    [Theory]
    [InlineData("payments(00000000-0000-4000-8000-000000000001)")]
    [InlineData("payments(00000000-0000-4000-8000-000000000001)?$select=payment_id,invoice_no,amount,paid_at")]
    public async Task GuidKey_ReturnsThatRow(string url)
    {
        var body = await Fixture.Client.GetTextAsync(url);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("00000000-0000-4000-8000-000000000001", json.GetProperty("payment_id").GetString());
        Assert.Equal("INV-2023-000001", json.GetProperty("invoice_no").GetString());
        Assert.Contains("\"amount\":11795.29", body, StringComparison.Ordinal);
        Assert.Equal("2023-01-09T10:11:59Z", json.GetProperty("paid_at").GetString());
    }

    [Fact]
    public async Task GuidKey_InUpperCase_FindsTheLowerCaseStoredRow()
    {
        var card = await Fixture.Client.GetJsonAsync("cards(00014222-EBAE-4D62-A1AA-0002AE980A3D)");
        Assert.Equal("00014222-ebae-4d62-a1aa-0002ae980a3d", card.GetProperty("card_id").GetString());
        Assert.Equal("DE02370400440564550597", card.GetProperty("iban").GetString());
        Assert.Equal("1374", card.GetProperty("pan_last4").GetString());
    }

    [Theory]
    [InlineData("order_lines(order_id=5000000001,line_no=2)")]
    [InlineData("order_lines(line_no=2,order_id=5000000001)")]
    [InlineData("order_lines(order_id=5000000001,%20line_no=2)")]
    public async Task CompositeKey_ReturnsThatRow(string url)
    {
        var body = await Fixture.Client.GetTextAsync(url);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("http://localhost/odata/$metadata#order_lines/$entity", json.GetProperty("@odata.context").GetString());
        Assert.Equal(5000000001, json.GetProperty("order_id").GetInt64());
        Assert.Equal(2, json.GetProperty("line_no").GetInt64());
        Assert.Equal("SKU-00223", json.GetProperty("sku").GetString());
        Assert.Equal(7, json.GetProperty("quantity").GetInt64());
        Assert.Contains("\"unit_price\":677.36,\"discount_pct\":10.00,\"line_total\":4267.37", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompositeKey_WithNonAsciiAndHostileText_ReturnsThatRow()
    {
        var client = await KestrelAsync();
        var url = "stock_levels(warehouse_code=" + ODataAssert.StringLiteral("DÜS1") + ",sku=" + ODataAssert.StringLiteral("O'Brien 50%") + ")";
        var json = await client.GetJsonAsync(url);
        Assert.Equal("DÜS1", json.GetProperty("warehouse_code").GetString());
        Assert.Equal("O'Brien 50%", json.GetProperty("sku").GetString());
        Assert.Equal(127, json.GetProperty("quantity").GetInt64());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("reorder_level").ValueKind);
        Assert.Equal("2025-01-03T16:46:55Z", json.GetProperty("last_counted_at").GetString());
    }

    [Theory]
    [MemberData(nameof(HostileSkus))]
    public async Task CompositeKey_EveryStockRowOfAHostileSku_ReadsBackByKey(string sku, string name)
    {
        var client = await KestrelAsync();
        _ = name;
        var rows = await client.GetValuesAsync("stock_levels?$filter=sku eq " + ODataAssert.StringLiteral(sku) + "&$select=warehouse_code,sku,quantity");
        Assert.Equal(5, rows.Count); // every product is stocked in 5 of the 8 warehouses
        foreach (var row in rows)
        {
            Assert.Equal(sku, row.GetProperty("sku").GetString());
            var warehouse = row.GetProperty("warehouse_code").GetString()!;
            var byKey = await client.GetJsonAsync("stock_levels(warehouse_code=" + ODataAssert.StringLiteral(warehouse) + ",sku=" + ODataAssert.StringLiteral(sku) + ")");
            Assert.Equal(warehouse, byKey.GetProperty("warehouse_code").GetString());
            Assert.Equal(sku, byKey.GetProperty("sku").GetString());
            Assert.Equal(row.GetProperty("quantity").GetInt64(), byKey.GetProperty("quantity").GetInt64());
        }
    }

    [Fact]
    public async Task CompositeKey_WithADate_ReturnsThatRow()
    {
        var body = await Fixture.Client.GetTextAsync("balances(iban='CH0200762003203801120',as_of=2025-10-31)");
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("CH0200762003203801120", json.GetProperty("iban").GetString());
        Assert.Equal("2025-10-31", json.GetProperty("as_of").GetString());
        Assert.Contains("\"amount\":-3873.52,\"available\":-3873.90", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfiguredKeyOfAView_ReturnsThatRow()
    {
        var summary = await Fixture.Client.GetJsonAsync("order_summaries(5000000001)");
        Assert.Equal("Anna I. Smith", summary.GetProperty("customer_name").GetString());
        Assert.Equal(3, summary.GetProperty("line_count").GetInt64());
        var overview = await Fixture.Client.GetJsonAsync("account_overview('CH0200762003203801120')");
        Assert.Equal("Nordic Supplies KG", overview.GetProperty("full_name").GetString());
    }

    [Fact]
    public async Task MixedCaseQuotedNames_ReadByKey()
    {
        var json = await Fixture.Client.GetJsonAsync("ProductCategories(25)");
        Assert.Equal(25, json.GetProperty("CategoryId").GetInt64());
        Assert.Equal("Laptops", json.GetProperty("Name").GetString());
        Assert.Equal(7, json.GetProperty("ParentCategoryId").GetInt64());
    }

    [Theory]
    [InlineData("erp_customers(999999)", "erp_customers")]
    [InlineData("erp_customers(0)", "erp_customers")]
    [InlineData("sales_orders(5000020001)", "sales_orders")]
    [InlineData("products('no such sku')", "products")]
    [InlineData("products('O''Brien%2050')", "products")]
    [InlineData("payments(00000000-0000-4000-8000-999999999999)", "payments")]
    [InlineData("order_lines(order_id=5000000001,line_no=99)", "order_lines")]
    [InlineData("stock_levels(warehouse_code='XXX1',sku='SKU-00001')", "stock_levels")]
    [InlineData("balances(iban='CH0200762003203801120',as_of=2025-10-30)", "balances")]
    [InlineData("erp_customers(999999)/name", "erp_customers")]
    [InlineData("erp_customers(999999)/name/$value", "erp_customers")]
    public async Task MissingKey_Returns404WithAnODataError(string url, string set)
    {
        var error = await Fixture.Client.GetErrorAsync(url, HttpStatusCode.NotFound);
        Assert.Contains(set, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresKeyTests(PostgresFixture fixture) : KeyTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteKeyTests(SqliteFixture fixture) : KeyTests(fixture);
