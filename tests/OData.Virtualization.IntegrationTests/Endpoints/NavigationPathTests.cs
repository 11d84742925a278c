using System.Globalization;
using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Errors;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Paging;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// Navigation paths (URL Conventions 4.01 §4.4) as python-odata's lazy properties and .NET's LoadProperty send them:
/// <c>Set(key)/Nav</c> (single-valued and collection), <c>/Nav(key)</c>, <c>/Nav/$count</c>, <c>/Nav/Prop</c>,
/// <c>/Nav/Prop/$value</c> and longer chains, with every query option on the navigated rows and server paging.
/// The rows are compared with the same query on the target set filtered by the foreign key, and with the database.
/// </summary>
public abstract class NavigationPathTests(ServerFixture fixture)
{
    private const long Order = 5000000001;
    private const long Customer = 1920;

    protected ServerFixture Fixture { get; } = fixture;

    private string ServiceRoot => Fixture.Client.BaseAddress!.ToString();

    private string Table(string schema, string table) => DirectRows.Table(Fixture, schema, table);

    [Fact]
    public async Task SingleValued_IsTheRelatedEntity_WithItsEntityContext()
    {
        var related = await Fixture.Client.GetJsonAsync($"sales_orders({Order})/customer");
        var direct = await Fixture.Client.GetJsonAsync($"erp_customers({Customer})");
        Assert.Equal(ServiceRoot + "$metadata#erp_customers/$entity", related.GetProperty("@odata.context").GetString());
        Assert.Equal(Properties(direct), Properties(related));
    }

    [Fact]
    public async Task SingleValued_WithSelectAndExpand()
    {
        var json = await Fixture.Client.GetJsonAsync($"sales_orders({Order})/customer?$select=name&$expand=sales_orders($select=order_id;$orderby=order_id;$top=2)");
        Assert.Equal("Anna I. Smith", json.GetProperty("name").GetString());
        Assert.Equal([Order, 5000002001], json.GetProperty("sales_orders").EnumerateArray().Select(o => o.GetProperty("order_id").GetInt64()));
    }

    [Fact]
    public async Task SingleValued_NullForeignKey_Is204()
    {
        var root = (await Fixture.Client.GetValuesAsync("ProductCategories?$filter=ParentCategoryId eq null&$top=1")).Single().GetProperty("CategoryId").GetInt64();
        using var response = await Fixture.Client.GetAsync($"ProductCategories({root})/ParentCategory");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());

        // Its property is a 404 that says why; the collection the other way is empty, not missing.
        var error = await Fixture.Client.GetErrorAsync($"ProductCategories({root})/ParentCategory/Name", HttpStatusCode.NotFound);
        Assert.Contains("has no related 'ParentCategory'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var leaf = (await Fixture.Client.GetValuesAsync("ProductCategories?$filter=ParentCategoryId ne null&$orderby=CategoryId desc&$top=1")).Single().GetProperty("CategoryId").GetInt64();
        var children = await Fixture.Client.GetJsonAsync($"ProductCategories({leaf})/ProductCategories_by_ParentCategoryId");
        Assert.Equal(0, children.GetProperty("value").GetArrayLength());
    }

    [Theory]
    [InlineData("sales_orders(1)/customer", "sales_orders")]
    [InlineData("sales_orders(1)/customer/name", "sales_orders")]
    [InlineData("erp_customers(999999)/sales_orders", "erp_customers")]
    [InlineData("erp_customers(999999)/sales_orders/$count", "erp_customers")]
    [InlineData("erp_customers(999999)/sales_orders?$count=true&$top=1", "erp_customers")]
    [InlineData("erp_customers(999999)/sales_orders(5000000001)/order_lines", "sales_orders")]
    public async Task MissingParent_Is404NamingIt(string url, string set)
    {
        var error = await Fixture.Client.GetErrorAsync(url, HttpStatusCode.NotFound);
        Assert.Contains($"'{set}'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collection_IsExactlyTheRelatedRows_ReadToTheEnd_ThroughNextLinks()
    {
        var expected = await DirectRows.Int64Async(Fixture, Fixture.ErpConnectionString,
            $"SELECT order_id FROM {Table("sales", "sales_orders")} WHERE customer_id = {Customer} ORDER BY total_amount DESC, order_id DESC");
        using var client = await PagedClientAsync();
        var (keys, count) = await client.GetAllKeysAsync($"erp_customers({Customer})/sales_orders?$select=order_id&$orderby=total_amount desc&$count=true", ["order_id"]);
        Assert.Equal(expected.Select(k => k.ToString(CultureInfo.InvariantCulture)), keys);
        Assert.Equal(expected.Count, count);
        Assert.Equal(expected.Count, await Fixture.Client.GetCountAsync($"erp_customers({Customer})/sales_orders/$count"));
    }

    [Fact]
    public async Task Collection_Context_IsTheTargetSet()
    {
        var json = await Fixture.Client.GetJsonAsync($"erp_customers({Customer})/sales_orders?$select=order_id,status&$top=1");
        Assert.Equal(ServiceRoot + "$metadata#sales_orders(order_id,status)", json.GetProperty("@odata.context").GetString());
    }

    /// <summary>Every query option on the navigated collection: the same answer as the target set filtered by the foreign key.</summary>
    [Theory]
    [InlineData("$select=order_id,status&$orderby=order_id")]
    [InlineData("$filter=status eq 'shipped'&$orderby=order_date desc,order_id&$skip=1&$top=3&$count=true&$select=order_id")]
    [InlineData("$filter=total_amount gt 1000 or notes eq null&$orderby=total_amount,order_id&$select=order_id,total_amount")]
    [InlineData("$search=Neil&$select=order_id&$orderby=order_id&$count=true")]
    [InlineData("$expand=order_lines($select=line_no,sku;$orderby=line_no desc;$top=2)&$select=order_id&$orderby=order_id&$top=4")]
    [InlineData("$expand=customer($select=name),invoices&$orderby=order_id&$top=3")]
    [InlineData("$top=0&$count=true")]
    [InlineData("$orderby=Priority desc,order_id&$skip=8")]
    public async Task Collection_QueryOptions_AreTheTargetSetsFilteredByTheForeignKey(string options)
    {
        var navigated = await Fixture.Client.GetJsonAsync($"erp_customers({Customer})/sales_orders?{options}");
        var filtered = await Fixture.Client.GetJsonAsync("sales_orders?" + WithFilter(options, $"customer_id eq {Customer}"));
        Assert.Equal(filtered.GetProperty("value").GetRawText(), navigated.GetProperty("value").GetRawText());
        Assert.Equal(filtered.TryGetProperty("@odata.count", out var c1) ? c1.GetInt64() : -1, navigated.TryGetProperty("@odata.count", out var c2) ? c2.GetInt64() : -1);
    }

    [Fact]
    public async Task Collection_NothingRelated_IsEmptyAndCountsZero()
    {
        var empty = await DirectRows.Int64Async(Fixture, Fixture.ErpConnectionString,
            $"SELECT c.\"CategoryId\" FROM {Table("public", "\"ProductCategories\"")} c WHERE NOT EXISTS (SELECT 1 FROM {Table("public", "products")} p WHERE p.category_id = c.\"CategoryId\") ORDER BY c.\"CategoryId\"");
        Assert.NotEmpty(empty);
        var json = await Fixture.Client.GetJsonAsync($"ProductCategories({empty[0]})/products?$count=true");
        Assert.Equal(0, json.GetProperty("value").GetArrayLength());
        Assert.Equal(0, json.GetProperty("@odata.count").GetInt64());
        Assert.Equal(0, await Fixture.Client.GetCountAsync($"ProductCategories({empty[0]})/products/$count"));
    }

    [Fact]
    public async Task CollectionByKey_IsTheRowOnlyWhenRelated()
    {
        var json = await Fixture.Client.GetJsonAsync($"erp_customers({Customer})/sales_orders({Order})?$select=order_id,customer_id");
        Assert.Equal(ServiceRoot + "$metadata#sales_orders(order_id,customer_id)/$entity", json.GetProperty("@odata.context").GetString());
        Assert.Equal(Customer, json.GetProperty("customer_id").GetInt64());
        var error = await Fixture.Client.GetErrorAsync($"erp_customers(1)/sales_orders({Order})", HttpStatusCode.NotFound);
        Assert.Contains("is related to erp_customers(1)", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Property_AndRawValue_ThroughNavigation()
    {
        var json = await Fixture.Client.GetJsonAsync($"sales_orders({Order})/customer/name");
        Assert.Equal("Anna I. Smith", json.GetProperty("value").GetString());
        Assert.Equal(ServiceRoot + $"$metadata#erp_customers({Customer})/name", json.GetProperty("@odata.context").GetString());
        Assert.Equal("Anna I. Smith", await Fixture.Client.GetTextAsync($"sales_orders({Order})/customer/name/$value"));
        Assert.Equal("shipped", await Fixture.Client.GetTextAsync($"erp_customers({Customer})/sales_orders({Order})/status/$value"));
    }

    [Fact]
    public async Task SeveralNavigations_FollowEachStep()
    {
        var lines = await Fixture.Client.GetValuesAsync($"erp_customers({Customer})/sales_orders({Order})/order_lines?$select=line_no&$orderby=line_no");
        var expected = await DirectRows.Int64Async(Fixture, Fixture.ErpConnectionString, $"SELECT line_no FROM {Table("sales", "order_lines")} WHERE order_id = {Order} ORDER BY line_no");
        Assert.Equal(expected, lines.Select(l => l.GetProperty("line_no").GetInt64()));
        Assert.Equal("Anna I. Smith", (await Fixture.Client.GetJsonAsync($"order_lines(order_id={Order},line_no=1)/order/customer")).GetProperty("name").GetString());

        // Order 5000000001 is not customer 1's: nothing of it is reached through customer 1.
        await Fixture.Client.GetErrorAsync($"erp_customers(1)/sales_orders({Order})/order_lines", HttpStatusCode.NotFound);
        await Fixture.Client.GetErrorAsync($"erp_customers(1)/sales_orders({Order})/order_lines/$count", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task HostileStringKey_WithAQuote_NavigatesBothWays()
    {
        var client = (await Fixture.KestrelAsync()).Client;
        const string sku = "O'Brien 50%";
        var expected = await DirectSql.ScalarAsync(Fixture, Fixture.ErpConnectionString, $"SELECT count(*) FROM {Table("inventory", "stock_levels")} WHERE sku = 'O''Brien 50%'");
        var levels = await client.GetValuesAsync("products(" + ODataAssert.StringLiteral(sku) + ")/stock_levels?$select=warehouse_code,sku");
        Assert.Equal(expected, levels.Count);
        Assert.All(levels, l => Assert.Equal(sku, l.GetProperty("sku").GetString()));
        Assert.Equal(expected, await client.GetCountAsync("products(" + ODataAssert.StringLiteral(sku) + ")/stock_levels/$count"));

        var warehouse = levels[0].GetProperty("warehouse_code").GetString()!;
        var product = await client.GetJsonAsync($"stock_levels(warehouse_code={ODataAssert.StringLiteral(warehouse)},sku={ODataAssert.StringLiteral(sku)})/products?$select=sku,name");
        Assert.Equal(sku, product.GetProperty("sku").GetString());

        // A key made to look like SQL is a value: it addresses no product.
        await client.GetErrorAsync("products(" + ODataAssert.StringLiteral("x' OR '1'='1") + ")/stock_levels", HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("sales_orders(5000000001)/customer?$filter=true", "$filter")]
    [InlineData("sales_orders(5000000001)/customer?$top=1", "$top")]
    [InlineData("erp_customers(1920)/sales_orders(5000000001)?$orderby=order_id", null)]
    public async Task SingleEntity_RefusesCollectionOptions(string url, string? target)
    {
        var error = await Fixture.Client.GetErrorAsync(url, HttpStatusCode.BadRequest);
        if (target is not null)
        {
            Assert.Equal(target, error.GetProperty("target").GetString());
        }
    }

    [Theory]
    [InlineData("sales_orders(5000000001)/customer/$ref")]
    [InlineData("erp_customers(1920)/sales_orders/$ref")]
    public async Task UnsupportedPath_Is501NamingThePathOnce(string url)
    {
        var error = await Fixture.Client.GetErrorAsync(url, HttpStatusCode.NotImplemented);
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("'" + url + "'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("sales_orders/sales_orders", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SalesforceRoot_HasNoNavigation()
    {
        var salesforce = (await Fixture.KestrelAsync()).Client;
        var root = new Uri(salesforce.BaseAddress!, "/salesforce/");
        using var response = await salesforce.GetAsync(new Uri(root, $"sales_orders({Order})/customer"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var metadata = await salesforce.GetStringAsync(new Uri(root, "$metadata"));
        Assert.DoesNotContain("NavigationProperty", metadata, StringComparison.Ordinal);
    }

    private async Task<HttpClient> PagedClientAsync()
    {
        var client = (await Fixture.KestrelAsync()).NewClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Prefer", "odata.maxpagesize=3");
        return client;
    }

    private static string WithFilter(string options, string filter)
    {
        var parts = options.Split('&').ToList();
        var index = parts.FindIndex(p => p.StartsWith("$filter=", StringComparison.Ordinal));
        if (index < 0)
        {
            parts.Add("$filter=" + filter);
        }
        else
        {
            parts[index] = "$filter=(" + parts[index]["$filter=".Length..] + ") and " + filter;
        }

        return string.Join("&", parts);
    }

    private static List<(string, string)> Properties(JsonElement entity)
        => entity.EnumerateObject().Where(p => !p.Name.StartsWith('@')).Select(p => (p.Name, p.Value.GetRawText())).ToList();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresNavigationPathTests(PostgresFixture fixture) : NavigationPathTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteNavigationPathTests(SqliteFixture fixture) : NavigationPathTests(fixture);
