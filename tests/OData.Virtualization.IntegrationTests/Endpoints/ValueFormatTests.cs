using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// The JSON text of every mapped type, compared as written (a parser would hide a lost scale or a rounded
/// Int64), and the metadata levels and IEEE754Compatible.
/// </summary>
public abstract partial class ValueFormatTests(ServerFixture fixture)
{
    protected ServerFixture Fixture { get; } = fixture;

    [Theory]
    [InlineData("erp_customers(1)", "\"credit_limit\":16000.00")]
    [InlineData("loans(300)?$select=loan_id,principal,annual_rate", "\"principal\":313841.00,\"annual_rate\":0.0200")]
    [InlineData("loans(10)?$select=principal", "\"principal\":15294.70")]
    [InlineData("balances(iban='CH0200762003203801120',as_of=2025-10-31)", "\"amount\":-3873.52,\"available\":-3873.90")]
    [InlineData("transactions(1)?$select=amount", "\"amount\":0.01")]
    [InlineData("transactions(2)?$select=amount", "\"amount\":-0.01")]
    [InlineData("order_lines(order_id=5000000001,line_no=2)", "\"discount_pct\":10.00")]
    [InlineData("products('SKU-00009')?$select=unit_price", "\"unit_price\":713.70")]
    [InlineData("products('A%26B%2BC%3DD')?$select=unit_price", "\"unit_price\":89.00")]
    public async Task Decimal_KeepsItsScale(string url, string expected)
    {
        var body = await Fixture.Client.GetTextAsync(url);
        Assert.Contains(expected, body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "9223372036854775807")]
    [InlineData(2, "-9223372036854775808")]
    [InlineData(10, "9007199254741003")]
    [InlineData(20, "9007199254741013")]
    [InlineData(3, "3000")]
    public async Task Int64_BeyondTwoToThe53_IsExact(int loanId, string expected)
    {
        var body = await Fixture.Client.GetTextAsync($"loans({loanId})?$select=big_counter");
        Assert.Contains("\"big_counter\":" + expected + "}", body, StringComparison.Ordinal);
        Assert.Equal(long.Parse(expected, CultureInfo.InvariantCulture), JsonDocument.Parse(body).RootElement.GetProperty("big_counter").GetInt64());
    }

    [Fact]
    public async Task Int64_InACollectionAndAsARawValue_IsExact()
    {
        var body = await Fixture.Client.GetTextAsync("loans?$filter=loan_id le 2 or loan_id eq 10&$select=loan_id,big_counter&$orderby=loan_id");
        Assert.Contains("\"big_counter\":9223372036854775807}", body, StringComparison.Ordinal);
        Assert.Contains("\"big_counter\":-9223372036854775808}", body, StringComparison.Ordinal);
        Assert.Contains("\"big_counter\":9007199254741003}", body, StringComparison.Ordinal);
        Assert.Equal("9007199254741003", await Fixture.Client.GetTextAsync("loans(10)/big_counter/$value"));
        Assert.Contains("\"value\":-9223372036854775808", await Fixture.Client.GetTextAsync("loans(2)/big_counter"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/json;odata.metadata=minimal;IEEE754Compatible=true", null)]
    [InlineData(null, "application/json;IEEE754Compatible=true")]
    public async Task Ieee754Compatible_WritesInt64AndDecimalAsStrings(string? accept, string? format)
    {
        var url = "loans(10)?$select=loan_id,principal,annual_rate,term_months,big_counter" + (format is null ? string.Empty : "&$format=" + Uri.EscapeDataString(format));
        var json = JsonDocument.Parse(await Fixture.Client.GetTextAsync(url, accept)).RootElement;
        Assert.Equal("9007199254741003", json.GetProperty("big_counter").GetString());
        Assert.Equal("15294.70", json.GetProperty("principal").GetString());
        Assert.Equal(JsonValueKind.String, json.GetProperty("annual_rate").ValueKind);
        Assert.Equal(JsonValueKind.Number, json.GetProperty("term_months").ValueKind); // Int16 is exact as a number

        var orders = JsonDocument.Parse(await Fixture.Client.GetTextAsync("sales_orders?$top=1&$select=order_id,total_amount,Priority", "application/json;IEEE754Compatible=true")).RootElement;
        var order = orders.GetProperty("value")[0];
        Assert.Equal("5000000001", order.GetProperty("order_id").GetString());
        Assert.Equal("11795.29", order.GetProperty("total_amount").GetString());
        Assert.Equal(JsonValueKind.Number, order.GetProperty("Priority").ValueKind);
    }

    [Fact]
    public async Task Ieee754CompatibleFalse_WritesNumbers()
    {
        var json = JsonDocument.Parse(await Fixture.Client.GetTextAsync("loans(10)?$select=principal,big_counter", "application/json;IEEE754Compatible=false")).RootElement;
        Assert.Equal(JsonValueKind.Number, json.GetProperty("big_counter").ValueKind);
        Assert.Equal(JsonValueKind.Number, json.GetProperty("principal").ValueKind);
    }

    [Fact]
    public async Task Timestamps_KeepTheirInstant()
    {
        var json = await Fixture.Client.GetJsonAsync("sales_orders(5000000001)?$select=ordered_at,shipped_at,order_date");
        Assert.Equal("2023-01-01T00:53:39Z", json.GetProperty("ordered_at").GetString());
        Assert.Equal("2023-01-03T00:54:10Z", json.GetProperty("shipped_at").GetString());
        Assert.Equal(new DateTimeOffset(2023, 1, 1, 0, 53, 39, TimeSpan.Zero), json.GetProperty("ordered_at").GetDateTimeOffset());

        // The same instant written with another offset finds the same row.
        var byOffset = await Fixture.Client.GetValuesAsync("sales_orders?$filter=ordered_at eq 2023-01-01T01:53:39%2B01:00&$select=order_id");
        Assert.Equal(5000000001, Assert.Single(byOffset).GetProperty("order_id").GetInt64());
        var byNegativeOffset = await Fixture.Client.GetValuesAsync("sales_orders?$filter=ordered_at eq 2022-12-31T19:53:39-05:00&$select=order_id");
        Assert.Equal(5000000001, Assert.Single(byNegativeOffset).GetProperty("order_id").GetInt64());
    }

    [Fact]
    public async Task TimestampWithoutTimeZone_IsWrittenAsTheStoredWallClock()
    {
        var customer = await Fixture.Client.GetJsonAsync("erp_customers(1)?$select=created_at");
        Assert.Equal("2018-01-02T04:28:47Z", customer.GetProperty("created_at").GetString());
        var transaction = await Fixture.Client.GetJsonAsync("transactions(1)?$select=booked_at,local_booked_at");
        Assert.Equal("2023-01-01T00:00:00Z", transaction.GetProperty("booked_at").GetString());
        Assert.Equal("2023-01-01T01:00:00Z", transaction.GetProperty("local_booked_at").GetString());
    }

    [Fact]
    public async Task DateTimeAndGuid_AreCanonicalText()
    {
        var warehouse = await Fixture.Client.GetJsonAsync("warehouses('NYC1')");
        Assert.Equal("08:30:15", warehouse.GetProperty("opens_at").GetString());
        Assert.Equal("17:45:30", warehouse.GetProperty("closes_at").GetString());
        Assert.Equal("23:59:59", (await Fixture.Client.GetJsonAsync("warehouses('WAW1')/closes_at")).GetProperty("value").GetString());

        var balance = await Fixture.Client.GetJsonAsync("balances(iban='CH0200762003203801120',as_of=2025-10-31)?$select=as_of");
        Assert.Equal("2025-10-31", balance.GetProperty("as_of").GetString());

        var card = await Fixture.Client.GetJsonAsync("cards(00014222-ebae-4d62-a1aa-0002ae980a3d)?$select=card_id,expires_on,is_virtual");
        Assert.Equal("00014222-ebae-4d62-a1aa-0002ae980a3d", card.GetProperty("card_id").GetString());
        Assert.Equal("2026-03-31", card.GetProperty("expires_on").GetString());
        Assert.False(card.GetProperty("is_virtual").GetBoolean());

        var payment = await Fixture.Client.GetJsonAsync("payments(00000000-0000-4000-8000-000000000001)?$select=payment_id");
        Assert.Equal("00000000-0000-4000-8000-000000000001", payment.GetProperty("payment_id").GetString());
    }

    [Fact]
    public async Task Binary_IsBase64Url()
    {
        var body = await Fixture.Client.GetTextAsync("bank_customers(10000010)?$select=customer_id,photo");
        var text = JsonDocument.Parse(body).RootElement.GetProperty("photo").GetString()!;
        Assert.Matches(Base64UrlText(), text);
        var bytes = Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/').PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '='));
        Assert.Equal(Convert.FromHexString("89504E470D0A1A0A").Concat(Encoding.ASCII.GetBytes("2e2ac0ea")), bytes);

        var none = await Fixture.Client.GetJsonAsync("bank_customers(10000001)?$select=photo");
        Assert.Equal(JsonValueKind.Null, none.GetProperty("photo").ValueKind);
    }

    [Fact]
    public async Task Doubles_RoundTripAtFullPrecision()
    {
        var body = await Fixture.Client.GetTextAsync("bank_customers(10000003)?$select=risk_score");
        Assert.Contains("\"risk_score\":2.375937593759376", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SKU-00003", "1.16")]
    [InlineData("SKU-00009", "3.38")]
    [InlineData("a%3Fb%20c", "2.5")]
    [InlineData("O''Brien%2050%25", "0.35")]
    public async Task Single_IsWrittenAsTheStoredValue(string sku, string expected)
    {
        var body = await Fixture.Client.GetTextAsync($"products('{sku}')?$select=weight_kg");
        Assert.EndsWith("\"weight_kg\":" + expected + "}", body, StringComparison.Ordinal);
        Assert.Equal(expected, await Fixture.Client.GetTextAsync($"products('{sku}')/weight_kg/$value"));
    }

    [Fact]
    public async Task JsonColumn_IsAStringHoldingTheDocument()
    {
        var json = await Fixture.Client.GetJsonAsync("products(" + ODataAssert.StringLiteral("A&B+C=D") + ")?$select=attributes");
        var attributes = json.GetProperty("attributes");
        Assert.Equal(JsonValueKind.String, attributes.ValueKind);
        var document = JsonDocument.Parse(attributes.GetString()!).RootElement;
        Assert.False(document.GetProperty("eco").GetBoolean());
        Assert.Equal("white", document.GetProperty("color").GetString());
        Assert.Equal(2, document.GetProperty("warranty_years").GetInt32());

        var nested = JsonDocument.Parse((await Fixture.Client.GetJsonAsync("products('SKU-00009')?$select=attributes")).GetProperty("attributes").GetString()!).RootElement;
        Assert.Equal(19, nested.GetProperty("dimensions_cm").GetProperty("h").GetInt32());
        Assert.Equal("緑", JsonDocument.Parse((await Fixture.Client.GetJsonAsync("products(" + ODataAssert.StringLiteral("日本-カタログ ☕") + ")?$select=attributes")).GetProperty("attributes").GetString()!).RootElement.GetProperty("color").GetString());
    }

    [Fact]
    public async Task EnumColumn_IsItsLabel()
    {
        var rows = await Fixture.Client.GetValuesAsync("sales_orders?$select=order_id,status&$orderby=order_id&$top=20");
        Assert.All(rows, r => Assert.Contains(r.GetProperty("status").GetString(), new[] { "draft", "confirmed", "shipped", "cancelled" }));
        Assert.Equal("shipped", rows[0].GetProperty("status").GetString());
        Assert.Equal("retail", (await Fixture.Client.GetJsonAsync("bank_customers(10000010)/segment")).GetProperty("value").GetString());
    }

    [Fact]
    public async Task Text_WithMarkupQuotesNewlinesAndNonAscii_RoundTrips()
    {
        var markup = await Fixture.Client.GetJsonAsync("sales_orders(5000000041)?$select=notes");
        Assert.Equal("Ship with invoice & packing slip <b>in box</b>; 100% check.", markup.GetProperty("notes").GetString());
        var lines = await Fixture.Client.GetJsonAsync("sales_orders(5000000034)?$select=notes");
        Assert.Equal("Line 1 of delivery address\nLine 2: Building B, 3rd floor", lines.GetProperty("notes").GetString());
        var quoted = await Fixture.Client.GetJsonAsync("products(" + ODataAssert.StringLiteral("O'Brien 50%") + ")?$select=description");
        Assert.Equal("Mug with a 50% discount sticker; \"limited\" edition.", quoted.GetProperty("description").GetString());
        var counterparty = await Fixture.Client.GetJsonAsync("transactions(2)?$select=counterparty");
        Assert.Equal("Łódź Kebab & Grill", counterparty.GetProperty("counterparty").GetString());
    }

    [Fact]
    public async Task SmallIntAndBoolean_AreJsonNumbersAndBooleans()
    {
        var body = await Fixture.Client.GetTextAsync("suppliers('SUP-0004')");
        Assert.Contains("\"rating\":4}", body, StringComparison.Ordinal);
        Assert.Contains("\"is_active\":true", await Fixture.Client.GetTextAsync("erp_customers(1)?$select=is_active"), StringComparison.Ordinal);
        Assert.Contains("\"is_active\":false", await Fixture.Client.GetTextAsync("erp_customers(11)?$select=is_active"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/json;odata.metadata=none", null)]
    [InlineData(null, "application/json;odata.metadata=none")]
    public async Task MetadataNone_HasNoContextButKeepsTheCount(string? accept, string? format)
    {
        var url = "erp_customers?$top=2&$count=true" + (format is null ? string.Empty : "&$format=" + Uri.EscapeDataString(format));
        var body = await Fixture.Client.GetTextAsync(url, accept);
        Assert.DoesNotContain("@odata.context", body, StringComparison.Ordinal);
        Assert.DoesNotContain("@odata.type", body, StringComparison.Ordinal);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(2000, json.GetProperty("@odata.count").GetInt64());
        Assert.Equal(2, json.GetProperty("value").GetArrayLength());

        var entity = await Fixture.Client.GetTextAsync("erp_customers(1)", "application/json;odata.metadata=none");
        Assert.DoesNotContain("@odata", entity, StringComparison.Ordinal);
        Assert.StartsWith("{\"customer_id\":1,", entity, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetadataFull_AddsTypeIdAndTypeAnnotations()
    {
        var json = JsonDocument.Parse(await Fixture.Client.GetTextAsync("order_lines?$top=1", "application/json;odata.metadata=full")).RootElement;
        Assert.Equal("http://localhost/odata/$metadata#order_lines", json.GetProperty("@odata.context").GetString());
        var line = json.GetProperty("value")[0];
        Assert.Equal("#Virtualization.order_lines", line.GetProperty("@odata.type").GetString());
        Assert.Equal("http://localhost/odata/order_lines(order_id=5000000001,line_no=1)", line.GetProperty("@odata.id").GetString());
        Assert.Equal("#Int64", line.GetProperty("order_id@odata.type").GetString());
        Assert.Equal("#Decimal", line.GetProperty("unit_price@odata.type").GetString());
        Assert.Equal("http://localhost/odata/order_lines(order_id=5000000001,line_no=1)/order", line.GetProperty("order@odata.navigationLink").GetString());
        Assert.False(line.TryGetProperty("sku@odata.type", out _)); // String needs no annotation

        var entity = JsonDocument.Parse(await Fixture.Client.GetTextAsync("payments(00000000-0000-4000-8000-000000000001)?$select=payment_id,paid_at", "application/json;odata.metadata=full")).RootElement;
        Assert.Equal("http://localhost/odata/$metadata#payments(payment_id,paid_at)/$entity", entity.GetProperty("@odata.context").GetString());
        Assert.Equal("http://localhost/odata/payments(00000000-0000-4000-8000-000000000001)", entity.GetProperty("@odata.id").GetString());
        Assert.Equal("#Guid", entity.GetProperty("payment_id@odata.type").GetString());
        Assert.Equal("#DateTimeOffset", entity.GetProperty("paid_at@odata.type").GetString());
    }

    [Fact]
    public async Task MetadataFull_IdOfAStringKeyIsAUsableUrl()
    {
        var json = JsonDocument.Parse(await Fixture.Client.GetTextAsync("warehouses?$filter=warehouse_code eq 'D%C3%9CS1'", "application/json;odata.metadata=full")).RootElement;
        var id = json.GetProperty("value")[0].GetProperty("@odata.id").GetString()!;
        Assert.Equal("Düsseldorf Nord", (await Fixture.Client.GetJsonAsync(id)).GetProperty("name").GetString());
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+={0,2}$")]
    private static partial Regex Base64UrlText();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresValueFormatTests(PostgresFixture fixture) : ValueFormatTests(fixture)
{
    [Fact]
    public async Task Array_IsAJsonArray_ANullArrayIsTheEmptyCollection()
    {
        var two = await Fixture.Client.GetJsonAsync("products('SKU-00003')?$select=tags");
        Assert.Equal(["clearance", "eco"], two.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var empty = await Fixture.Client.GetJsonAsync("products('SKU-00009')?$select=tags");
        Assert.Equal(0, empty.GetProperty("tags").GetArrayLength());
        // A collection-valued property is never null in OData (CSDL 4.01 §7.2.1); the SAP Cloud SDK's generated client
        // crashed on "tags": null. A NULL array is served as the empty collection, in a row and as a property.
        var none = await Fixture.Client.GetJsonAsync("products('SKU-00004')?$select=tags");
        Assert.Equal(0, none.GetProperty("tags").GetArrayLength());
        var property = await Fixture.Client.GetJsonAsync("products('SKU-00004')/tags");
        Assert.Equal(0, property.GetProperty("value").GetArrayLength());

        var full = JsonDocument.Parse(await Fixture.Client.GetTextAsync("products('SKU-00003')?$select=sku,tags", "application/json;odata.metadata=full")).RootElement;
        Assert.Equal("#Collection(String)", full.GetProperty("tags@odata.type").GetString());
    }

    [Theory]
    [InlineData("payments(00000000-0000-4000-8000-000000000001)?$select=processing_time", "processing_time", "PT7.919S")]
    [InlineData("payments(00000000-0000-4000-8000-000000000010)?$select=processing_time", "processing_time", "P2DT1M19.19S")]
    [InlineData("payments(00000000-0000-4000-8000-000000000062)?$select=processing_time", "processing_time", "PT8M10.978S")]
    [InlineData("loans(1)?$select=term", "term", "P720D")]
    public async Task Interval_IsAnIsoDuration(string url, string property, string expected)
    {
        var json = await Fixture.Client.GetJsonAsync(url);
        Assert.Equal(expected, json.GetProperty(property).GetString());
        Assert.Equal(System.Xml.XmlConvert.ToTimeSpan(expected), System.Xml.XmlConvert.ToTimeSpan(json.GetProperty(property).GetString()!));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteValueFormatTests(SqliteFixture fixture) : ValueFormatTests(fixture)
{
    [Fact]
    public async Task Ieee754Compatible_SqliteIntegerIsInt64_SoAString()
    {
        var json = JsonDocument.Parse(await Fixture.Client.GetTextAsync("loans(10)?$select=loan_id,term_months", "application/json;IEEE754Compatible=true")).RootElement;
        Assert.Equal("10", json.GetProperty("loan_id").GetString());
    }
}
