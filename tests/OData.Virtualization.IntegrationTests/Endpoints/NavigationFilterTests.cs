using System.Globalization;
using System.Net;
using OData.Virtualization.IntegrationTests.Errors;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Paging;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// Single-valued navigation paths in <c>$filter</c> and <c>$orderby</c> (<c>supplier/rating</c>,
/// <c>category/ParentCategory/Name</c>): the rows and their order compared with SQL written here by hand — correlated
/// subqueries for filters (a missing related row is NULL), explicit NULLS FIRST/LAST for orders — read to the end through
/// next links with small pages, so that the keyset continuation is walked across NULLs and duplicates of the path's value.
/// </summary>
public abstract class NavigationFilterTests(ServerFixture fixture)
{
    protected ServerFixture Fixture { get; } = fixture;

    private string Table(string schema, string table) => DirectRows.Table(Fixture, schema, table);

    /// <summary>(entity set, key properties, $filter, the rows' condition in SQL over alias c).</summary>
    public static TheoryData<string, string, string, string> FilterCases() => new()
    {
        { "products", "sku", "supplier/rating eq null", "(SELECT s.rating FROM {suppliers} s WHERE s.supplier_code = c.supplier_code) IS NULL" },
        { "products", "sku", "supplier/rating ge 3 and supplier/country ne 'FR'", "EXISTS (SELECT 1 FROM {suppliers} s WHERE s.supplier_code = c.supplier_code AND s.rating >= 3 AND (s.country <> 'FR' OR s.country IS NULL))" },
        { "products", "sku", "supplier/rating ne 4", "NOT EXISTS (SELECT 1 FROM {suppliers} s WHERE s.supplier_code = c.supplier_code AND s.rating = 4)" },
        { "products", "sku", "not (supplier/rating gt 2)", "NOT EXISTS (SELECT 1 FROM {suppliers} s WHERE s.supplier_code = c.supplier_code AND s.rating > 2)" },
        { "products", "sku", "supplier/rating in (1, 2) or supplier/rating eq null", "EXISTS (SELECT 1 FROM {suppliers} s WHERE s.supplier_code = c.supplier_code AND (s.rating IN (1, 2) OR s.rating IS NULL))" },
        { "ProductCategories", "CategoryId", "ParentCategory/Name eq null", "NOT EXISTS (SELECT 1 FROM {categories} p WHERE p.\"CategoryId\" = c.\"ParentCategoryId\")" },
        { "ProductCategories", "CategoryId", "ParentCategory/Name ne 'Electronics'", "NOT EXISTS (SELECT 1 FROM {categories} p WHERE p.\"CategoryId\" = c.\"ParentCategoryId\" AND p.\"Name\" = 'Electronics')" },
        { "ProductCategories", "CategoryId", "ParentCategory/ParentCategory/Name eq 'Electronics'", "EXISTS (SELECT 1 FROM {categories} p, {categories} g WHERE p.\"CategoryId\" = c.\"ParentCategoryId\" AND g.\"CategoryId\" = p.\"ParentCategoryId\" AND g.\"Name\" = 'Electronics')" },
        { "products", "sku", "category/ParentCategory/ParentCategory/Name eq null", "NOT EXISTS (SELECT 1 FROM {categories} p, {categories} g, {categories} gg WHERE p.\"CategoryId\" = c.category_id AND g.\"CategoryId\" = p.\"ParentCategoryId\" AND gg.\"CategoryId\" = g.\"ParentCategoryId\")" },
        { "products", "sku", "startswith(tolower(supplier/name),'acme') or category/Name eq 'Laptops'", "EXISTS (SELECT 1 FROM {suppliers} s WHERE s.supplier_code = c.supplier_code AND lower(s.name) LIKE 'acme%') OR EXISTS (SELECT 1 FROM {categories} p WHERE p.\"CategoryId\" = c.category_id AND p.\"Name\" = 'Laptops')" },
        { "stock_levels", "warehouse_code,sku", "products/name eq 'O''Brien Irish Coffee Mug (50% off)' or products/weight_kg eq null", "EXISTS (SELECT 1 FROM {products} p WHERE p.sku = c.sku AND (p.name = 'O''Brien Irish Coffee Mug (50% off)' OR p.weight_kg IS NULL))" },
        { "sales_orders", "order_id", "customer/email eq null and customer/country eq 'JP'", "EXISTS (SELECT 1 FROM {customers} u WHERE u.customer_id = c.customer_id AND u.email IS NULL AND u.country = 'JP')" },
        { "order_lines", "order_id,line_no", "order/customer/city eq 'Tokyo' and order/customer_id lt 200", "EXISTS (SELECT 1 FROM {orders} o, {customers} u WHERE o.order_id = c.order_id AND u.customer_id = o.customer_id AND u.city = 'Tokyo' AND o.customer_id < 200)" },
        { "suppliers", "supplier_code", "products/any(p: p/category/ParentCategory/Name eq 'Tools')", "EXISTS (SELECT 1 FROM {products} p, {categories} k, {categories} pk WHERE p.supplier_code = c.supplier_code AND k.\"CategoryId\" = p.category_id AND pk.\"CategoryId\" = k.\"ParentCategoryId\" AND pk.\"Name\" = 'Tools')" },
        { "sales_orders", "order_id", "invoices/any(i: i/order/customer_id lt 30)", "c.customer_id < 30 AND EXISTS (SELECT 1 FROM {invoices} i WHERE i.order_id = c.order_id)" },
    };

    [Theory]
    [MemberData(nameof(FilterCases))]
    public async Task NavigationFilter_SelectsExactlyTheRowsOfTheHandWrittenSql(string set, string key, string filter, string condition)
    {
        var keys = key.Split(',');
        var expected = await DirectRows.ReadAsync(Fixture, Fixture.ErpConnectionString,
            $"SELECT {string.Join(", ", keys.Select(k => "c.\"" + k + "\""))} FROM {Tables()[set]} c WHERE {Expand(condition)}",
            r => string.Join("|", Enumerable.Range(0, keys.Length).Select(i => Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture))));
        Assert.NotEmpty(expected);
        Assert.True(expected.Count < await DirectSql.ScalarAsync(Fixture, Fixture.ErpConnectionString, $"SELECT count(*) FROM {Tables()[set]}"), "The case selects every row.");
        var client = (await Fixture.KestrelAsync()).NewClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Prefer", "odata.maxpagesize=97");
        var (served, count) = await client.GetAllKeysAsync($"{set}?$select={key}&$count=true&$filter=" + Uri.EscapeDataString(filter), keys);
        Assert.Equal(expected.Order(StringComparer.Ordinal), served.Order(StringComparer.Ordinal));
        Assert.Equal(expected.Count, count);
        Assert.Equal(expected.Count, await client.GetCountAsync($"{set}/$count?$filter=" + Uri.EscapeDataString(filter)));
    }

    /// <summary>(entity set, key properties, query, page size, the same order in SQL over alias c, with joins).</summary>
    public static TheoryData<string, string, string, int, string> OrderCases() => new()
    {
        { "products", "sku", "$orderby=supplier/rating desc", 37, "FROM {products} c LEFT JOIN {suppliers} s ON s.supplier_code = c.supplier_code ORDER BY s.rating DESC NULLS LAST, c.sku DESC" },
        { "products", "sku", "$orderby=supplier/rating,supplier/country desc,name", 41, "FROM {products} c LEFT JOIN {suppliers} s ON s.supplier_code = c.supplier_code ORDER BY s.rating ASC NULLS FIRST, s.country DESC NULLS LAST, c.name ASC, c.sku ASC" },
        { "products", "sku", "$orderby=category/ParentCategory/ParentCategory/Name desc,weight_kg&$filter=unit_price lt 500", 29, "FROM {products} c LEFT JOIN {categories} p ON p.\"CategoryId\" = c.category_id LEFT JOIN {categories} g ON g.\"CategoryId\" = p.\"ParentCategoryId\" LEFT JOIN {categories} gg ON gg.\"CategoryId\" = g.\"ParentCategoryId\" WHERE c.unit_price < 500 ORDER BY gg.\"Name\" DESC NULLS LAST, c.weight_kg ASC NULLS FIRST, c.sku ASC" },
        { "ProductCategories", "CategoryId", "$orderby=ParentCategory/Name desc", 4, "FROM {categories} c LEFT JOIN {categories} p ON p.\"CategoryId\" = c.\"ParentCategoryId\" ORDER BY p.\"Name\" DESC NULLS LAST, c.\"CategoryId\" DESC" },
        { "stock_levels", "warehouse_code,sku", "$orderby=products/weight_kg desc,products/name&$filter=products/supplier/rating eq null or quantity lt 50", 23, "FROM {stock} c LEFT JOIN {products} p ON p.sku = c.sku LEFT JOIN {suppliers} s ON s.supplier_code = p.supplier_code WHERE s.rating IS NULL OR c.quantity < 50 ORDER BY p.weight_kg DESC NULLS LAST, p.name ASC NULLS FIRST, c.warehouse_code ASC, c.sku ASC" },
        { "sales_orders", "order_id", "$orderby=customer/city,customer/name desc&$filter=customer_id le 60", 11, "FROM {orders} c LEFT JOIN {customers} u ON u.customer_id = c.customer_id WHERE c.customer_id <= 60 ORDER BY u.city ASC NULLS FIRST, u.name DESC, c.order_id DESC" },
    };

    [Theory]
    [MemberData(nameof(OrderCases))]
    public async Task NavigationOrder_WalksEveryRowOnceInOrder_AcrossNullsAndDuplicates(string set, string key, string query, int pageSize, string sql)
    {
        var keys = key.Split(',');
        var expected = await DirectRows.ReadAsync(Fixture, Fixture.ErpConnectionString,
            $"SELECT {string.Join(", ", keys.Select(k => "c.\"" + k + "\""))} {Expand(sql)}",
            r => string.Join("|", Enumerable.Range(0, keys.Length).Select(i => Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture))));
        Assert.True(expected.Count > 2 * pageSize, "The walk needs several pages.");
        var client = (await Fixture.KestrelAsync()).NewClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Prefer", "odata.maxpagesize=" + pageSize.ToString(CultureInfo.InvariantCulture));
        var (served, count) = await client.GetAllKeysAsync($"{set}?$select={key}&$count=true&" + query, keys);
        PageWalk.AssertSameSequence(expected, served, set + "?" + query);
        Assert.Equal(expected.Count, count);
    }

    [Fact]
    public async Task NavigationPaths_WithExpand_FilterAndOrderTheParentsAndTheExpandedRows()
    {
        var expected = await DirectRows.ReadAsync(Fixture, Fixture.ErpConnectionString,
            $"SELECT c.sku, s.name FROM {Table("public", "products")} c JOIN {Table("public", "suppliers")} s ON s.supplier_code = c.supplier_code WHERE s.country = 'DE' ORDER BY s.name DESC, c.sku DESC",
            r => r.GetString(0) + "|" + r.GetString(1));
        var client = (await Fixture.KestrelAsync()).NewClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Prefer", "odata.maxpagesize=17");
        var (served, count) = await client.GetAllKeysAsync("products?$select=sku&$count=true&$filter=supplier/country eq 'DE'&$orderby=supplier/name desc&$expand=supplier($select=name)", ["sku", "supplier"]);
        Assert.Equal(expected.Count, count);
        Assert.Equal(expected, served.Select(s => s.Split('|')[0] + "|" + System.Text.Json.JsonDocument.Parse(s.Split('|')[1]).RootElement.GetProperty("name").GetString()).ToList());

        // Inside $expand: each supplier's products of the category 'Laptops', ordered by the category's parent's name.
        var nested = await DirectRows.ReadAsync(Fixture, Fixture.ErpConnectionString,
            $"SELECT c.supplier_code, p.sku FROM {Table("public", "suppliers")} c JOIN {Table("public", "products")} p ON p.supplier_code = c.supplier_code JOIN {Table("public", "\"ProductCategories\"")} k ON k.\"CategoryId\" = p.category_id WHERE k.\"Name\" IN ('Laptops', 'Desks') ORDER BY c.supplier_code, k.\"Name\" DESC, p.sku DESC",
            r => r.GetString(0) + "|" + r.GetString(1));
        var json = await Fixture.Client.GetValuesAsync("suppliers?$select=supplier_code&$orderby=supplier_code&$top=1000&$expand=products($select=sku;$filter=category/Name in ('Laptops', 'Desks');$orderby=category/Name desc)");
        var actual = json.SelectMany(s => s.GetProperty("products").EnumerateArray().Select(p => s.GetProperty("supplier_code").GetString() + "|" + p.GetProperty("sku").GetString())).ToList();
        Assert.Equal(nested, actual);

        // With $top inside $expand (the windowed or lateral form of an expanded level): each supplier's first two of them.
        var firstTwo = nested.GroupBy(n => n.Split('|')[0], StringComparer.Ordinal).SelectMany(g => g.Take(2)).ToList();
        var windowed = await Fixture.Client.GetValuesAsync("suppliers?$select=supplier_code&$orderby=supplier_code&$top=1000&$expand=products($select=sku;$filter=category/Name in ('Laptops', 'Desks');$orderby=category/Name desc;$top=2)");
        Assert.Equal(firstTwo, windowed.SelectMany(s => s.GetProperty("products").EnumerateArray().Select(p => s.GetProperty("supplier_code").GetString() + "|" + p.GetProperty("sku").GetString())).ToList());
    }

    [Fact]
    public async Task HostileKeys_ComparedThroughAPath_AreEchoedExactly()
    {
        var filter = "products/sku eq 'O''Brien 50%' or products/sku eq '日本-カタログ ☕' or products/sku eq 'back\\slash %2F'";
        var json = await Fixture.Client.GetValuesAsync("stock_levels?$select=sku&$orderby=warehouse_code,sku&$filter=" + Uri.EscapeDataString(filter));
        var expected = await DirectRows.ReadAsync(Fixture, Fixture.ErpConnectionString,
            $"SELECT sku FROM {Table("inventory", "stock_levels")} WHERE sku IN ('O''Brien 50%', '日本-カタログ ☕', 'back\\slash %2F') ORDER BY warehouse_code, sku", r => r.GetString(0));
        Assert.NotEmpty(expected);
        Assert.Equal(expected, json.Select(r => r.GetProperty("sku").GetString()!).ToList());
    }

    [Theory]
    [InlineData("products?$filter=supplier/nmae eq 'x'", HttpStatusCode.BadRequest)]
    [InlineData("products?$orderby=supplier", HttpStatusCode.BadRequest)]
    [InlineData("products?$filter=supplier eq null", HttpStatusCode.NotImplemented)]
    public async Task WhatAPathCannotBe_IsAClearError(string url, HttpStatusCode status)
        => await Fixture.Client.GetErrorAsync(url, status);

    private Dictionary<string, string> Tables() => new()
    {
        ["products"] = Table("public", "products"),
        ["suppliers"] = Table("public", "suppliers"),
        ["ProductCategories"] = Table("public", "\"ProductCategories\""),
        ["stock_levels"] = Table("inventory", "stock_levels"),
        ["sales_orders"] = Table("sales", "sales_orders"),
        ["order_lines"] = Table("sales", "order_lines"),
    };

    private string Expand(string sql) => sql
        .Replace("{products}", Table("public", "products"), StringComparison.Ordinal)
        .Replace("{suppliers}", Table("public", "suppliers"), StringComparison.Ordinal)
        .Replace("{categories}", Table("public", "\"ProductCategories\""), StringComparison.Ordinal)
        .Replace("{stock}", Table("inventory", "stock_levels"), StringComparison.Ordinal)
        .Replace("{orders}", Table("sales", "sales_orders"), StringComparison.Ordinal)
        .Replace("{lines}", Table("sales", "order_lines"), StringComparison.Ordinal)
        .Replace("{invoices}", Table("sales", "invoices"), StringComparison.Ordinal)
        .Replace("{customers}", Table("public", "customers"), StringComparison.Ordinal);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresNavigationFilterTests(PostgresFixture fixture) : NavigationFilterTests(fixture)
{
    [Fact]
    public async Task SalesforceRoot_HasNoNavigation_SoAPathIsA400()
    {
        var kestrel = await Fixture.KestrelAsync();
        var root = new Uri(kestrel.Client.BaseAddress!, "/salesforce/");
        using var response = await kestrel.Client.GetAsync(new Uri(root, "products?$filter=" + Uri.EscapeDataString("supplier/name eq 'x'")));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteNavigationFilterTests(SqliteFixture fixture) : NavigationFilterTests(fixture);
