using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// <c>$count=true</c> inside <c>$expand</c>: each parent's <c>Nav@odata.count</c> is the number of its related rows that
/// the nested <c>$filter</c>/<c>$search</c> select, before <c>$top</c>/<c>$skip</c>, written before the property;
/// compared with <c>/$count</c> of the target set filtered by the foreign key.
/// </summary>
public abstract class ExpandCountTests(ServerFixture fixture)
{
    protected ServerFixture Fixture { get; } = fixture;

    [Theory]
    [InlineData("$count=true")]
    [InlineData("$count=true;$top=1;$select=order_id")]
    [InlineData("$count=true;$top=0")]
    [InlineData("$count=true;$skip=100")]
    [InlineData("$count=true;$filter=status eq 'draft';$top=2;$orderby=order_date desc")]
    [InlineData("$count=true;$search=Neil")]
    public async Task EveryParent_CountsItsRelatedRows_BeforeTopAndSkip(string nested)
    {
        var json = await Fixture.Client.GetJsonAsync($"erp_customers?$select=customer_id&$orderby=customer_id&$top=12&$expand=sales_orders({nested})");
        var filter = Option(nested, "$filter");
        var search = Option(nested, "$search");
        var top = Option(nested, "$top");
        foreach (var customer in json.GetProperty("value").EnumerateArray())
        {
            var id = customer.GetProperty("customer_id").GetInt64();
            var expected = await Fixture.Client.GetCountAsync($"sales_orders/$count?$filter=customer_id eq {id}" + (filter is null ? string.Empty : $" and ({filter})") + (search is null ? string.Empty : "&$search=" + search));
            var names = customer.EnumerateObject().Select(p => p.Name).ToList();
            Assert.True(names.IndexOf("sales_orders@odata.count") == names.IndexOf("sales_orders") - 1, string.Join(",", names));
            Assert.Equal(expected, customer.GetProperty("sales_orders@odata.count").GetInt64());
            var rows = customer.GetProperty("sales_orders").GetArrayLength();
            Assert.True(top is null ? rows <= expected : rows == Math.Min(expected, long.Parse(top, System.Globalization.CultureInfo.InvariantCulture)), $"{id}: {rows} rows of {expected}");
        }
    }

    [Fact]
    public async Task NothingRelated_CountsZero_AndNestedLevelsCountToo()
    {
        var json = await Fixture.Client.GetJsonAsync("ProductCategories?$orderby=CategoryId&$select=CategoryId&$expand=products($count=true;$top=1;$select=sku;$expand=order_lines($count=true;$top=0))");
        foreach (var category in json.GetProperty("value").EnumerateArray())
        {
            var id = category.GetProperty("CategoryId").GetInt64();
            Assert.Equal(await Fixture.Client.GetCountAsync($"products/$count?$filter=category_id eq {id}"), category.GetProperty("products@odata.count").GetInt64());
            foreach (var product in category.GetProperty("products").EnumerateArray())
            {
                var sku = product.GetProperty("sku").GetString()!;
                Assert.Equal(await Fixture.Client.GetCountAsync("order_lines/$count?$filter=sku eq " + ODataAssert.StringLiteral(sku)), product.GetProperty("order_lines@odata.count").GetInt64());
            }
        }
    }

    [Fact]
    public async Task OnAnEntityAndThroughANavigationPath()
    {
        var entity = await Fixture.Client.GetJsonAsync("erp_customers(1920)?$expand=sales_orders($count=true;$top=0)");
        Assert.Equal(10, entity.GetProperty("sales_orders@odata.count").GetInt64());
        var navigated = await Fixture.Client.GetJsonAsync("sales_orders(5000000001)/customer?$expand=sales_orders($count=true;$top=0)");
        Assert.Equal(10, navigated.GetProperty("sales_orders@odata.count").GetInt64());
    }

    [Fact]
    public async Task UnderIeee754Compatible_IsAString()
    {
        var body = await Fixture.Client.GetTextAsync("erp_customers(1920)?$select=customer_id&$expand=sales_orders($count=true;$top=0)", "application/json;IEEE754Compatible=true");
        Assert.Contains("\"sales_orders@odata.count\":\"10\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnASingleValuedNavigation_Is400()
        => await Fixture.Client.GetErrorAsync("sales_orders(5000000001)?$expand=customer($count=true)", HttpStatusCode.BadRequest);

    private static string? Option(string nested, string name)
        => nested.Split(';').FirstOrDefault(p => p.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresExpandCountTests(PostgresFixture fixture) : ExpandCountTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteExpandCountTests(SqliteFixture fixture) : ExpandCountTests(fixture);
