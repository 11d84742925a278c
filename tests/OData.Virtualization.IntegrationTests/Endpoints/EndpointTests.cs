using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Csdl;
using Microsoft.OData.Edm.Validation;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// The resources a client reads: service document, <c>$metadata</c>, entity sets, entities, properties, raw
/// values and counts, with the framing every client relies on (content types, HEAD, OData-Version, gzip).
/// </summary>
public abstract class EndpointTests(ServerFixture fixture)
{
    protected const string ServiceRoot = "http://localhost/odata/";

    public static readonly string[] PublishedSets =
    [
        "ProductCategories", "account_overview", "accounts", "balances", "bank_customers", "cards", "erp_customers",
        "invoices", "loans", "order_lines", "order_summaries", "payments", "products", "sales_orders", "stock_levels",
        "suppliers", "transactions", "warehouses",
    ];

    protected ServerFixture Fixture { get; } = fixture;

    [Fact]
    public async Task ServiceDocument_ListsExactlyThePublishedSets_WithKindAndUrl()
    {
        var json = await Fixture.Client.GetJsonAsync("");
        Assert.Equal(ServiceRoot + "$metadata", json.GetProperty("@odata.context").GetString());
        var sets = json.GetProperty("value").EnumerateArray().ToList();
        Assert.Equal(PublishedSets, sets.Select(s => s.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        Assert.All(sets, s =>
        {
            Assert.Equal("EntitySet", s.GetProperty("kind").GetString());
            Assert.Equal(s.GetProperty("name").GetString(), s.GetProperty("url").GetString());
        });
    }

    [Fact]
    public async Task ServiceDocument_WithPowerQueryAccept_IsJson()
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, "", ("Accept", ODataAssert.PowerQueryAccept));
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.ContentType()?.MediaType);
            Assert.Equal(PublishedSets.Length, JsonDocument.Parse(body).RootElement.GetProperty("value").GetArrayLength());
        }
    }

    [Fact]
    public async Task Metadata_WithPowerQueryAccept_IsCsdlXmlThatParsesAndValidates()
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, "$metadata",
            ("Accept", ODataAssert.PowerQueryAccept), ("OData-MaxVersion", "4.0"), ("MaxDataServiceVersion", "3.0"),
            ("User-Agent", "Microsoft.Data.Mashup (https://go.microsoft.com/fwlink/?LinkID=304225)"));
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/xml", response.ContentType()?.MediaType);
            ODataAssert.AssertSingleODataVersion(response, "$metadata");
        }

        var model = ParseCsdl(body);
        Assert.Equal(PublishedSets, model.EntityContainer.EntitySets().Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("application/json;odata.metadata=minimal")]
    [InlineData("*/*")]
    [InlineData("application/xml")]
    public async Task Metadata_WhateverTheAcceptHeader_IsXml(string? accept)
    {
        var headers = accept is null ? Array.Empty<(string, string)>() : [("Accept", accept)];
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, "$metadata", headers);
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/xml", response.ContentType()?.MediaType);
            Assert.StartsWith("<?xml", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Metadata_DescribesKeysFacetsAndNavigations()
    {
        var model = ParseCsdl(await Fixture.Client.GetTextAsync("$metadata"));

        var customers = Type(model, "erp_customers");
        Assert.Equal(["customer_id"], customers.Key().Select(k => k.Name));
        var creditLimit = (IEdmDecimalTypeReference)customers.FindProperty("credit_limit").Type;
        Assert.Equal((12, 2, false), (creditLimit.Precision, creditLimit.Scale, creditLimit.IsNullable));
        Assert.True(customers.FindProperty("city").Type.IsNullable);
        Assert.Equal(EdmPrimitiveTypeKind.Boolean, customers.FindProperty("is_active").Type.PrimitiveKind());

        var products = Type(model, "products");
        Assert.Equal(["sku"], products.Key().Select(k => k.Name));
        Assert.Equal(40, ((IEdmStringTypeReference)products.FindProperty("sku").Type).MaxLength);

        Assert.Equal(["order_id", "line_no"], Type(model, "order_lines").Key().Select(k => k.Name));
        Assert.Equal(["warehouse_code", "sku"], Type(model, "stock_levels").Key().Select(k => k.Name));
        Assert.Equal(["order_id"], Type(model, "order_summaries").Key().Select(k => k.Name));
        Assert.Equal(["iban"], Type(model, "account_overview").Key().Select(k => k.Name));

        var orders = Type(model, "sales_orders");
        Assert.Equal(EdmPrimitiveTypeKind.Int64, orders.FindProperty("order_id").Type.PrimitiveKind());
        Assert.Equal(EdmPrimitiveTypeKind.Date, orders.FindProperty("order_date").Type.PrimitiveKind());
        Assert.Equal(EdmPrimitiveTypeKind.DateTimeOffset, orders.FindProperty("ordered_at").Type.PrimitiveKind());
        Assert.NotNull(orders.FindProperty("Priority"));
        var customer = Assert.IsAssignableFrom<IEdmNavigationProperty>(orders.FindProperty("customer"));
        Assert.Equal("erp_customers", customer.ToEntityType().Name);
        Assert.False(customer.Type.IsCollection());
        var lines = Assert.IsAssignableFrom<IEdmNavigationProperty>(orders.FindProperty("order_lines"));
        Assert.True(lines.Type.IsCollection());

        Assert.Equal(EdmPrimitiveTypeKind.Guid, Type(model, "payments").FindProperty("payment_id").Type.PrimitiveKind());
        Assert.Equal(EdmPrimitiveTypeKind.Binary, Type(model, "bank_customers").FindProperty("photo").Type.PrimitiveKind());
        Assert.Equal(EdmPrimitiveTypeKind.TimeOfDay, Type(model, "warehouses").FindProperty("opens_at").Type.PrimitiveKind());
        Assert.Equal(EdmPrimitiveTypeKind.Int64, Type(model, "loans").FindProperty("big_counter").Type.PrimitiveKind());
        Assert.Null(model.FindDeclaredType("Virtualization.audit_log"));
        Assert.Null(model.FindDeclaredType("Virtualization.exchange_rates"));
    }

    [Fact]
    public async Task EntitySet_ReturnsEveryRowWithCollectionContext()
    {
        var json = await Fixture.Client.GetJsonAsync("warehouses");
        Assert.Equal(ServiceRoot + "$metadata#warehouses", json.GetProperty("@odata.context").GetString());
        var codes = json.GetProperty("value").EnumerateArray().Select(w => w.GetProperty("warehouse_code").GetString()).ToList();
        Assert.Equal(["BER1", "DÜS1", "HAM1", "LON1", "MUC1", "NYC1", "PAR1", "WAW1"], codes.Order(StringComparer.Ordinal));
        Assert.False(json.TryGetProperty("@odata.count", out _));
    }

    [Fact]
    public async Task EntityByKey_ReturnsTheRowWithEntityContext()
    {
        var body = await Fixture.Client.GetTextAsync("erp_customers(1)");
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(ServiceRoot + "$metadata#erp_customers/$entity", json.GetProperty("@odata.context").GetString());
        Assert.Equal(1, json.GetProperty("customer_id").GetInt64());
        Assert.Equal("Hiroshi L. Novák", json.GetProperty("name").GetString());
        Assert.Equal("FR", json.GetProperty("country").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("city").ValueKind);
        Assert.Equal("hiroshi.1@example.com", json.GetProperty("email").GetString());
        Assert.Contains("\"credit_limit\":16000.00", body, StringComparison.Ordinal);
        Assert.Equal("2018-01-02T04:28:47Z", json.GetProperty("created_at").GetString());
        Assert.True(json.GetProperty("is_active").GetBoolean());
        Assert.False(json.TryGetProperty("value", out _));
    }

    [Fact]
    public async Task Property_ReturnsValueWithPropertyContext()
    {
        var json = await Fixture.Client.GetJsonAsync("erp_customers(1)/name");
        Assert.Equal(ServiceRoot + "$metadata#erp_customers(1)/name", json.GetProperty("@odata.context").GetString());
        Assert.Equal("Hiroshi L. Novák", json.GetProperty("value").GetString());

        var decimalBody = await Fixture.Client.GetTextAsync("erp_customers(1)/credit_limit");
        Assert.EndsWith("\"value\":16000.00}", decimalBody, StringComparison.Ordinal);

        var keyed = await Fixture.Client.GetJsonAsync("products(" + ODataAssert.StringLiteral("O'Brien 50%") + ")/name");
        Assert.Equal("O'Brien Irish Coffee Mug (50% off)", keyed.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Property_NullValue_Returns204()
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, "erp_customers(1)/city");
        using (response)
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Equal(string.Empty, body);
            ODataAssert.AssertSingleODataVersion(response, "erp_customers(1)/city");
        }
    }

    [Theory]
    [InlineData("erp_customers(1)/name/$value", "Hiroshi L. Novák")]
    [InlineData("erp_customers(1)/credit_limit/$value", "16000.00")]
    [InlineData("erp_customers(1)/is_active/$value", "true")]
    [InlineData("erp_customers(1)/customer_id/$value", "1")]
    [InlineData("sales_orders(5000000001)/order_date/$value", "2023-01-01")]
    [InlineData("sales_orders(5000000001)/ordered_at/$value", "2023-01-01T00:53:39Z")]
    [InlineData("sales_orders(5000000001)/notes/$value", "Call before delivery; ask for Mr. O'Neil.")]
    [InlineData("loans(1)/big_counter/$value", "9223372036854775807")]
    [InlineData("warehouses('NYC1')/opens_at/$value", "08:30:15")]
    [InlineData("payments(00000000-0000-4000-8000-000000000001)/payment_id/$value", "00000000-0000-4000-8000-000000000001")]
    public async Task PropertyValue_IsPlainText(string url, string expected)
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
            Assert.Equal("text/plain", response.ContentType()?.MediaType);
            ODataAssert.AssertSingleODataVersion(response, url);
            Assert.Equal(expected, body);
        }
    }

    [Theory]
    [InlineData("erp_customers(1)/city/$value")]
    [InlineData("sales_orders(5000000002)/notes/$value")]
    public async Task PropertyValue_Null_Returns204(string url)
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Equal(string.Empty, body);
            ODataAssert.AssertSingleODataVersion(response, url);
        }
    }

    [Fact]
    public async Task PropertyValue_Binary_IsTheRawBytes()
    {
        using var response = await Fixture.Client.GetAsync("bank_customers(10000010)/photo/$value");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.ContentType()?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(Convert.FromHexString("89504E470D0A1A0A").Concat(Encoding.ASCII.GetBytes("2e2ac0ea")), bytes);
    }

    [Theory]
    [InlineData("erp_customers/$count", 2000)]
    [InlineData("sales_orders/$count", 20000)]
    [InlineData("order_lines/$count", 60000)]
    [InlineData("products/$count", 1000)]
    [InlineData("erp_customers/$count?$filter=country eq 'DE'", 200)]
    [InlineData("erp_customers/$count?$filter=city eq null", 600)]
    [InlineData("sales_orders/$count?$filter=status eq 'shipped' and order_date ge 2024-01-01", 6002)]
    [InlineData("erp_customers/$count?$filter=customer_id gt 5000", 0)]
    [InlineData("erp_customers/$count?$search=Tokyo", 140)]
    public async Task Count_IsAPlainTextNumber(string url, long expected)
    {
        Assert.Equal(expected, await Fixture.Client.GetCountAsync(url));
    }

    [Theory]
    [InlineData("", "application/json")]
    [InlineData("$metadata", "application/xml")]
    [InlineData("erp_customers?$top=5", "application/json")]
    [InlineData("erp_customers(1)", "application/json")]
    [InlineData("erp_customers(1)/name", "application/json")]
    [InlineData("erp_customers/$count", "text/plain")]
    [InlineData("erp_customers(1)/name/$value", "text/plain")]
    public async Task Head_AnswersLikeGetWithoutABody(string url, string mediaType)
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Head, url);
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"HEAD {url}: {(int)response.StatusCode}");
            Assert.Equal(mediaType, response.ContentType()?.MediaType);
            ODataAssert.AssertSingleODataVersion(response, "HEAD " + url);
            Assert.True(body.Length == 0, $"HEAD {url} has a body: {ODataAssert.Shorten(body)}");
        }
    }

    [Theory]
    [InlineData("erp_customers(999999)", HttpStatusCode.NotFound)]
    [InlineData("no_such_set", HttpStatusCode.NotFound)]
    [InlineData("erp_customers?$filter=nope eq 1", HttpStatusCode.BadRequest)]
    public async Task Head_OnAnError_AnswersTheStatusWithoutABody(string url, HttpStatusCode expected)
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Head, url);
        using (response)
        {
            Assert.Equal(expected, response.StatusCode);
            ODataAssert.AssertSingleODataVersion(response, "HEAD " + url);
            Assert.Equal(string.Empty, body);
        }
    }

    public static TheoryData<string, string, int> EveryKindOfResponse() => new()
    {
        { "GET", "", 200 },
        { "GET", "$metadata", 200 },
        { "GET", "erp_customers?$top=1", 200 },
        { "GET", "erp_customers(1)", 200 },
        { "GET", "erp_customers(1)/name", 200 },
        { "GET", "erp_customers(1)/name/$value", 200 },
        { "GET", "erp_customers(1)/city", 204 },
        { "GET", "erp_customers/$count", 200 },
        { "GET", "erp_customers(999999)", 404 },
        { "GET", "no_such_set", 404 },
        { "GET", "erp_customers?$filter=nmae eq 'x'", 400 },
        { "GET", "erp_customers?$top=-1", 400 },
        { "GET", "erp_customers?$format=xml", 406 },
        { "GET", "erp_customers?$apply=aggregate($count as n)", 200 },
        { "GET", "erp_customers?$compute=customer_id add 1 as next&$select=next&$top=1", 200 },
        { "GET", "erp_customers?$levels=2", 501 },
        { "POST", "erp_customers", 405 },
        { "DELETE", "erp_customers(1)", 405 },
    };

    [Theory]
    [MemberData(nameof(EveryKindOfResponse))]
    public async Task EveryResponse_HasExactlyOneODataVersionHeader(string method, string url, int status)
    {
        var (response, _) = await Fixture.Client.SendAsync(new HttpMethod(method), url);
        using (response)
        {
            Assert.Equal(status, (int)response.StatusCode);
            ODataAssert.AssertSingleODataVersion(response, method + " " + url);
            Assert.Equal("4.0", Assert.Single(response.Headers.GetValues("OData-Version")));
        }
    }

    [Theory]
    [InlineData("erp_customers?$select=customer_id,name,city")]
    [InlineData("$metadata")]
    [InlineData("")]
    public async Task Gzip_WhenTheClientAcceptsIt_CompressesTheSameContent(string url)
    {
        var plain = await Fixture.Client.GetTextAsync(url);

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip, deflate");
        using var response = await Fixture.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        ODataAssert.AssertSingleODataVersion(response, url);
        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        var compressed = await response.Content.ReadAsByteArrayAsync();
        await using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        Assert.Equal(plain, await reader.ReadToEndAsync());
        if (url.Length > 0)
        {
            Assert.True(compressed.Length < Encoding.UTF8.GetByteCount(plain) / 2, $"gzip of {url}: {compressed.Length} bytes for {plain.Length} characters");
        }
    }

    [Fact]
    public async Task Gzip_OnKestrel_CompressesAsOnTheTestServer()
    {
        var client = (await Fixture.KestrelAsync()).Client;
        var plain = await client.GetTextAsync("erp_customers?$top=200");

        using var request = new HttpRequestMessage(HttpMethod.Get, "erp_customers?$top=200");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        ODataAssert.AssertSingleODataVersion(response, "Kestrel gzip");
        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        await using var gzip = new GZipStream(await response.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        Assert.Equal(plain, await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task Gzip_NotAsked_IsNotApplied()
    {
        using var response = await Fixture.Client.GetAsync("erp_customers?$top=50");
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.StartsWith("{\"@odata.context\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    protected static IEdmModel ParseCsdl(string xml)
    {
        using var reader = XmlReader.Create(new StringReader(xml));
        Assert.True(CsdlReader.TryParse(reader, out var model, out var parseErrors), "CSDL parse errors: " + string.Join("; ", parseErrors.Select(e => e.ToString())));
        Assert.Empty(parseErrors);
        var valid = model.Validate(out IEnumerable<EdmError> validationErrors);
        Assert.True(valid && !validationErrors.Any(), "CSDL validation errors: " + string.Join("; ", validationErrors.Select(e => e.ToString())));
        return model;
    }

    private static IEdmEntityType Type(IEdmModel model, string name)
        => Assert.IsAssignableFrom<IEdmEntityType>(model.FindDeclaredType("Virtualization." + name));
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresEndpointTests(PostgresFixture fixture) : EndpointTests(fixture)
{
    [Fact]
    public async Task Metadata_PostgresOnlyColumns_AreCollectionAndDuration()
    {
        var model = ParseCsdl(await Fixture.Client.GetTextAsync("$metadata"));
        var products = (IEdmEntityType)model.FindDeclaredType("Virtualization.products")!;
        var tags = products.FindProperty("tags").Type;
        Assert.True(tags.IsCollection());
        Assert.Equal(EdmPrimitiveTypeKind.String, tags.AsCollection().ElementType().PrimitiveKind());
        var payments = (IEdmEntityType)model.FindDeclaredType("Virtualization.payments")!;
        Assert.Equal(EdmPrimitiveTypeKind.Duration, payments.FindProperty("processing_time").Type.PrimitiveKind());
        var customers = (IEdmEntityType)model.FindDeclaredType("Virtualization.erp_customers")!;
        Assert.Equal(EdmPrimitiveTypeKind.Int32, customers.FindProperty("customer_id").Type.PrimitiveKind());
        var orders = (IEdmEntityType)model.FindDeclaredType("Virtualization.sales_orders")!;
        Assert.Equal(EdmPrimitiveTypeKind.String, orders.FindProperty("status").Type.PrimitiveKind()); // an enum, published as its label
        Assert.Equal(EdmPrimitiveTypeKind.Int16, orders.FindProperty("Priority").Type.PrimitiveKind());
        Assert.Equal(EdmPrimitiveTypeKind.Single, ((IEdmEntityType)model.FindDeclaredType("Virtualization.products")!).FindProperty("weight_kg").Type.PrimitiveKind());
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteEndpointTests(SqliteFixture fixture) : EndpointTests(fixture)
{
    [Fact]
    public async Task Metadata_SqliteInteger_IsInt64AndPostgresOnlyColumnsAreAbsent()
    {
        var model = ParseCsdl(await Fixture.Client.GetTextAsync("$metadata"));
        var customers = (IEdmEntityType)model.FindDeclaredType("Virtualization.erp_customers")!;
        Assert.Equal(EdmPrimitiveTypeKind.Int64, customers.FindProperty("customer_id").Type.PrimitiveKind());
        var products = (IEdmEntityType)model.FindDeclaredType("Virtualization.products")!;
        Assert.Null(products.FindProperty("tags"));
    }
}
