using System.Globalization;
using System.Net;
using OData.Virtualization.IntegrationTests.Errors;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Paging;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// <c>any</c>, <c>all</c> and <c>Nav/$count</c> in <c>$filter</c> over collection navigation properties, compared with
/// the same condition written by hand in SQL (EXISTS / NOT EXISTS with OData's null semantics spelled out) over the
/// database, read to the end through the next links.
/// </summary>
public abstract class LambdaFilterTests(ServerFixture fixture)
{
    protected ServerFixture Fixture { get; } = fixture;

    /// <summary>(entity set, key, $filter, the rows' condition in SQL over alias c; {orders}, {lines}, {stock} are the tables).</summary>
    public static TheoryData<string, string, string, string> Cases() => new()
    {
        { "erp_customers", "customer_id", "sales_orders/any(o: o/total_amount gt 15000)", "EXISTS (SELECT 1 FROM {orders} o WHERE o.customer_id = c.customer_id AND o.total_amount > 15000)" },
        { "erp_customers", "customer_id", "sales_orders/all(o: o/status eq 'draft')", "NOT EXISTS (SELECT 1 FROM {orders} o WHERE o.customer_id = c.customer_id AND (o.status <> 'draft' OR o.status IS NULL))" },
        { "erp_customers", "customer_id", "not sales_orders/all(o: o/status eq 'draft')", "EXISTS (SELECT 1 FROM {orders} o WHERE o.customer_id = c.customer_id AND (o.status <> 'draft' OR o.status IS NULL))" },
        { "ProductCategories", "CategoryId", "products/any()", "EXISTS (SELECT 1 FROM {products} p WHERE p.category_id = c.\"CategoryId\")" },
        { "ProductCategories", "CategoryId", "not products/any()", "NOT EXISTS (SELECT 1 FROM {products} p WHERE p.category_id = c.\"CategoryId\")" },
        { "erp_customers", "customer_id", "sales_orders/any(o: o/notes ne null) and country eq 'DE'", "c.country = 'DE' AND EXISTS (SELECT 1 FROM {orders} o WHERE o.customer_id = c.customer_id AND o.notes IS NOT NULL)" },
        { "erp_customers", "customer_id", "sales_orders/any(o: o/Priority eq 5 and o/customer_id eq $it/customer_id) or customer_id lt 5", "c.customer_id < 5 OR EXISTS (SELECT 1 FROM {orders} o WHERE o.customer_id = c.customer_id AND o.\"Priority\" = 5)" },
        { "erp_customers", "customer_id", "sales_orders/any(o: o/order_lines/any(l: l/quantity ge 9 and l/discount_pct ne null))", "EXISTS (SELECT 1 FROM {orders} o WHERE o.customer_id = c.customer_id AND EXISTS (SELECT 1 FROM {lines} l WHERE l.order_id = o.order_id AND l.quantity >= 9 AND l.discount_pct IS NOT NULL))" },
        { "erp_customers", "customer_id", "sales_orders/$count($filter=status eq 'draft') ge 3", "(SELECT COUNT(*) FROM {orders} o WHERE o.customer_id = c.customer_id AND o.status = 'draft') >= 3" },
        { "sales_orders", "order_id", "order_lines/$count gt 3 and customer_id le 40", "c.customer_id <= 40 AND (SELECT COUNT(*) FROM {lines} l WHERE l.order_id = c.order_id) > 3" },
        { "suppliers", "supplier_code", "products/all(p: p/weight_kg gt 1)", "NOT EXISTS (SELECT 1 FROM {products} p WHERE p.supplier_code = c.supplier_code AND (p.weight_kg IS NULL OR p.weight_kg <= 1))" },
        { "products", "sku", "not stock_levels/any(s: s/reorder_level le 10)", "NOT EXISTS (SELECT 1 FROM {stock} s WHERE s.sku = c.sku AND s.reorder_level <= 10)" },
        { "products", "sku", "order_lines/any(l: l/quantity gt 9) and stock_levels/any(s: s/warehouse_code eq 'DÜS1')", "EXISTS (SELECT 1 FROM {lines} l WHERE l.sku = c.sku AND l.quantity > 9) AND EXISTS (SELECT 1 FROM {stock} s WHERE s.sku = c.sku AND s.warehouse_code = 'DÜS1')" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Lambda_SelectsExactlyTheRowsOfTheHandWrittenSql(string set, string key, string filter, string condition)
    {
        var tables = new Dictionary<string, string>
        {
            ["erp_customers"] = DirectRows.Table(Fixture, "public", "customers"),
            ["sales_orders"] = DirectRows.Table(Fixture, "sales", "sales_orders"),
            ["products"] = DirectRows.Table(Fixture, "public", "products"),
            ["suppliers"] = DirectRows.Table(Fixture, "public", "suppliers"),
            ["ProductCategories"] = DirectRows.Table(Fixture, "public", "\"ProductCategories\""),
        };
        var sql = condition.Replace("{orders}", DirectRows.Table(Fixture, "sales", "sales_orders"), StringComparison.Ordinal)
            .Replace("{lines}", DirectRows.Table(Fixture, "sales", "order_lines"), StringComparison.Ordinal)
            .Replace("{stock}", DirectRows.Table(Fixture, "inventory", "stock_levels"), StringComparison.Ordinal)
            .Replace("{products}", DirectRows.Table(Fixture, "public", "products"), StringComparison.Ordinal);
        var expected = await DirectRows.ReadAsync(Fixture, Fixture.ErpConnectionString, $"SELECT c.\"{key}\" FROM {tables[set]} c WHERE {sql}", r => Convert.ToString(r.GetValue(0), CultureInfo.InvariantCulture)!);
        Assert.NotEmpty(expected); // every case selects some rows, and (below) not all of them
        Assert.True(expected.Count < await DirectSql.ScalarAsync(Fixture, Fixture.ErpConnectionString, $"SELECT count(*) FROM {tables[set]}"), "The case selects every row.");
        var client = (await Fixture.KestrelAsync()).Client;
        var (keys, count) = await client.GetAllKeysAsync($"{set}?$select={key}&$count=true&$filter=" + Uri.EscapeDataString(filter), [key]);
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.Equal(expected.Count, count);
        Assert.Equal(expected.Count, await client.GetCountAsync($"{set}/$count?$filter=" + Uri.EscapeDataString(filter)));
    }

    [Fact]
    public async Task Lambda_InsideExpandAndOnANavigationPath()
    {
        var expanded = await Fixture.Client.GetJsonAsync("erp_customers(1920)?$expand=sales_orders($filter=order_lines/any(l: l/quantity ge 9);$select=order_id)");
        var navigated = await Fixture.Client.GetJsonAsync("erp_customers(1920)/sales_orders?$filter=order_lines/any(l: l/quantity ge 9)&$select=order_id");
        Assert.Equal(navigated.GetProperty("value").GetRawText(), expanded.GetProperty("sales_orders").GetRawText());
    }

    [Theory]
    [InlineData("order_lines?$filter=order/invoices/any()")]
    [InlineData("sales_orders?$filter=customer eq null")]
    public async Task WhatRemains_Is501(string url)
        => await Fixture.Client.GetErrorAsync(url, HttpStatusCode.NotImplemented);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresLambdaFilterTests(PostgresFixture fixture) : LambdaFilterTests(fixture)
{
    [Theory]
    [InlineData("tags/any(t: t eq 'heavy')", "'heavy' = ANY(c.tags)")]
    [InlineData("tags/all(t: t ne 'heavy') and tags/any()", "cardinality(c.tags) > 0 AND NOT ('heavy' = ANY(c.tags))")]
    [InlineData("not tags/any()", "c.tags IS NULL OR cardinality(c.tags) = 0")]
    [InlineData("tags/$count eq 2 and supplier/rating eq null", "cardinality(c.tags) = 2 AND (SELECT s.rating FROM public.suppliers s WHERE s.supplier_code = c.supplier_code) IS NULL")]
    public async Task LambdaOverAnArray_SelectsExactlyTheRowsOfTheHandWrittenSql(string filter, string condition)
    {
        var expected = await DirectRows.ReadAsync(Fixture, Fixture.ErpConnectionString, $"SELECT c.sku FROM public.products c WHERE {condition}", r => r.GetString(0));
        Assert.NotEmpty(expected);
        var (keys, count) = await Fixture.Client.GetAllKeysAsync("products?$select=sku&$count=true&$filter=" + Uri.EscapeDataString(filter), ["sku"]);
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.Equal(expected.Count, count);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteLambdaFilterTests(SqliteFixture fixture) : LambdaFilterTests(fixture)
{
    [Fact]
    public async Task SQLiteHasNoArrays_SoNoCollectionPropertyToRangeOver()
    {
        var error = await Fixture.Client.GetErrorAsync("products?$filter=" + Uri.EscapeDataString("tags/any(t: t eq 'heavy')"), HttpStatusCode.BadRequest);
        Assert.Contains("'tags'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
