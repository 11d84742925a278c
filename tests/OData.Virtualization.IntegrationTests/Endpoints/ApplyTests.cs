using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.Hosting;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Oracle;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// <c>$apply</c> (OData Data Aggregation): every aggregated result is compared with the same grouping computed here over
/// the set's rows read directly from the database (<see cref="OracleRows"/>, no server code): groups, NULL groups, sums
/// to the cent, averages, min/max, distinct counts, groups through a navigation property, filters before and after,
/// order, paging by next link and the count.
/// </summary>
public abstract class ApplyTests(ServerFixture fixture)
{
    protected ServerFixture Fixture { get; } = fixture;

    [Fact]
    public async Task GroupBy_WithEveryAggregate_MatchesTheRows()
    {
        var orders = await RowsAsync("sales_orders");
        var json = await Fixture.Client.GetJsonAsync("sales_orders?$apply=groupby((status,currency),aggregate(total_amount with sum as total,total_amount with average as mean,total_amount with min as lowest,total_amount with max as highest,customer_id with countdistinct as customers,$count as orders))");
        Assert.EndsWith("$metadata#sales_orders(status,currency,total,mean,lowest,highest,customers,orders)", json.GetProperty("@odata.context").GetString(), StringComparison.Ordinal);
        var expected = orders.GroupBy(r => ((string)r["status"]!, (string)r["currency"]!)).ToDictionary(g => g.Key);
        var rows = json.GetProperty("value").EnumerateArray().ToList();
        Assert.Equal(expected.Count, rows.Count);
        foreach (var row in rows)
        {
            var group = expected[(row.GetProperty("status").GetString()!, row.GetProperty("currency").GetString()!)];
            var amounts = group.Select(r => (decimal)r["total_amount"]!).ToList();
            Assert.Equal(amounts.Sum(), row.GetProperty("total").GetDecimal()); // exact, to the cent
            Assert.Equal("#Decimal", row.GetProperty("total@odata.type").GetString());
            Assert.Equal((double)amounts.Average(), (double)row.GetProperty("mean").GetDecimal(), 6);
            Assert.Equal(amounts.Min(), row.GetProperty("lowest").GetDecimal());
            Assert.Equal(amounts.Max(), row.GetProperty("highest").GetDecimal());
            Assert.Equal(group.Select(r => r["customer_id"]).Distinct().Count(), row.GetProperty("customers").GetInt64());
            Assert.Equal(group.Count(), row.GetProperty("orders").GetInt64());
            Assert.Equal("#Int64", row.GetProperty("orders@odata.type").GetString());
        }
    }

    [Fact]
    public async Task NullGroup_IsOneGroupOfItsOwn()
    {
        var customers = await RowsAsync("erp_customers");
        Assert.Contains(customers, c => c["city"] is null);
        var json = await Fixture.Client.GetJsonAsync("erp_customers?$apply=groupby((city),aggregate($count as n,credit_limit with sum as limit))&$orderby=city");
        var expected = customers.GroupBy(c => (string?)c["city"]).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var rows = json.GetProperty("value").EnumerateArray().ToList();
        Assert.Equal(expected.Select(g => g.Key), rows.Select(r => r.GetProperty("city").GetString()));
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("city").ValueKind); // nulls first, ascending
        Assert.Equal(expected.Select(g => (long)g.Count()), rows.Select(r => r.GetProperty("n").GetInt64()));
        Assert.Equal(expected.Select(g => g.Sum(c => (decimal)c["credit_limit"]!)), rows.Select(r => r.GetProperty("limit").GetDecimal()));
    }

    [Fact]
    public async Task GroupByANavigationProperty_JoinsTheRelatedEntity()
    {
        var orders = await RowsAsync("sales_orders");
        var countries = (await RowsAsync("erp_customers")).ToDictionary(c => c["customer_id"]!, c => (string)c["country"]!);
        var json = await Fixture.Client.GetJsonAsync("sales_orders?$apply=filter(status ne 'draft')/groupby((customer/country),aggregate(total_amount with sum as total))&$orderby=total desc");
        Assert.EndsWith("$metadata#sales_orders(customer(country),total)", json.GetProperty("@odata.context").GetString(), StringComparison.Ordinal);
        var expected = orders.Where(o => (string)o["status"]! != "draft")
            .GroupBy(o => countries[o["customer_id"]!])
            .Select(g => (Country: g.Key, Total: g.Sum(o => (decimal)o["total_amount"]!)))
            .OrderByDescending(g => g.Total).ThenBy(g => g.Country, StringComparer.Ordinal).ToList();
        var rows = json.GetProperty("value").EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => e.Country), rows.Select(r => r.GetProperty("customer").GetProperty("country").GetString()));
        Assert.Equal(expected.Select(e => e.Total), rows.Select(r => r.GetProperty("total").GetDecimal()));
    }

    [Fact]
    public async Task AggregateOverNoRows_SumIsNull_CountIsZero()
    {
        var json = await Fixture.Client.GetJsonAsync("sales_orders?$apply=filter(status eq 'no such status')/aggregate(total_amount with sum as total,total_amount with max as highest,$count as n)");
        var row = Assert.Single(json.GetProperty("value").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("total").ValueKind);
        Assert.Equal(JsonValueKind.Null, row.GetProperty("highest").ValueKind);
        Assert.Equal(0, row.GetProperty("n").GetInt64());
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(5, 2)]
    [InlineData(3, 0)]
    public async Task FilterOrderTopSkipAndCount_RunOverTheAggregatedRows(int? top, int? skip)
    {
        var orders = await RowsAsync("sales_orders");
        var all = orders.Where(o => (long)o["Priority"]! >= 2)
            .GroupBy(o => (long)o["customer_id"]!)
            .Select(g => (Customer: g.Key, Total: g.Sum(o => (decimal)o["total_amount"]!), N: g.Count()))
            .ToList();
        var threshold = all.Select(a => a.Total).Order().ElementAt(all.Count / 2); // about half the groups pass
        var kept = all.Where(a => a.Total > threshold && a.N >= 2).OrderByDescending(a => a.Total).ThenBy(a => a.Customer).ToList();
        var expected = kept.Skip(skip ?? 0).Take(top ?? int.MaxValue).ToList();
        var url = "sales_orders?$apply=filter(Priority ge 2)/groupby((customer_id),aggregate(total_amount with sum as total,$count as n))/filter(n ge 2)"
                  + "&$filter=total gt " + threshold.ToString(CultureInfo.InvariantCulture) + "&$orderby=total desc&$count=true"
                  + (top is null ? string.Empty : "&$top=" + top) + (skip is null ? string.Empty : "&$skip=" + skip);
        var json = await Fixture.Client.GetJsonAsync(url);
        Assert.Equal(kept.Count, json.GetProperty("@odata.count").GetInt64());
        var rows = json.GetProperty("value").EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => e.Customer), rows.Select(r => r.GetProperty("customer_id").GetInt64()));
        Assert.Equal(expected.Select(e => e.Total), rows.Select(r => r.GetProperty("total").GetDecimal()));
    }

    [Fact]
    public async Task ServerPaging_FollowsNextLinks_WithoutDuplicatesOrGaps()
    {
        var orders = await RowsAsync("sales_orders");
        var expected = orders.GroupBy(o => ((long)o["customer_id"]!, (string)o["currency"]!)).Select(g => $"{g.Key.Item1}|{g.Key.Item2}").Order(StringComparer.Ordinal).ToList();
        var (keys, count, pages) = await WalkAsync("sales_orders?$apply=groupby((customer_id,currency))&$count=true", 50);
        Assert.Equal(expected.Count, count);
        Assert.Equal(expected.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(expected, keys.Order(StringComparer.Ordinal));
        Assert.Equal((expected.Count + 49) / 50, pages);

        // With $top the walk stops at $top rows, whatever the page size.
        var (topped, _, _) = await WalkAsync("sales_orders?$apply=groupby((customer_id,currency))&$top=120", 50);
        Assert.Equal(keys.Take(120), topped);
    }

    [Fact]
    public async Task SameApplyTwice_IsACacheHit_AnotherApplyIsNot()
    {
        const string url = "erp_customers?$apply=groupby((country),aggregate(credit_limit with max as top_limit))";
        using var first = await Fixture.Client.GetAsync(url + "&$orderby=country");
        using var second = await Fixture.Client.GetAsync(url + "&$orderby=country");
        Assert.Equal("HIT", second.Headers.GetValues("X-Cache").Single());
        using var other = await Fixture.Client.GetAsync(url.Replace("max", "min", StringComparison.Ordinal) + "&$orderby=country");
        Assert.NotEqual("HIT", other.Headers.GetValues("X-Cache").Single());
        Assert.NotEqual(await second.Content.ReadAsStringAsync(), await other.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metadata_AnnouncesApplySupported_OnEverySet_AndStaysValid()
    {
        var xml = await Fixture.Client.GetTextAsync("$metadata");
        var document = XDocument.Parse(xml);
        XNamespace edmx = "http://docs.oasis-open.org/odata/ns/edmx";
        XNamespace edm = "http://docs.oasis-open.org/odata/ns/edm";
        var include = document.Root!.Elements(edmx + "Reference").Elements(edmx + "Include").Single(i => (string?)i.Attribute("Namespace") == "Org.OData.Aggregation.V1");
        Assert.Equal("Aggregation", (string?)include.Attribute("Alias"));
        var sets = document.Descendants(edm + "EntitySet").ToList();
        Assert.NotEmpty(sets);
        foreach (var set in sets)
        {
            var annotation = set.Elements(edm + "Annotation").Single(a => (string?)a.Attribute("Term") == "Aggregation.ApplySupported");
            var transformations = annotation.Descendants(edm + "PropertyValue").Single(p => (string?)p.Attribute("Property") == "Transformations");
            Assert.Equal(["aggregate", "groupby", "filter"], transformations.Descendants(edm + "String").Select(s => s.Value));
        }

        using var reader = System.Xml.XmlReader.Create(new StringReader(xml));
        Assert.True(Microsoft.OData.Edm.Csdl.CsdlReader.TryParse(reader, out var model, out var errors), string.Join("; ", errors));
        Microsoft.OData.Edm.Validation.EdmValidator.Validate(model, out var invalid);
        Assert.Empty(invalid);
    }

    [Theory]
    [InlineData("sales_orders?$apply=groupby((nope))", "$apply", "nope")]
    [InlineData("sales_orders?$apply=aggregate(status with sum as s)", "$apply", "numbers only")]
    [InlineData("sales_orders?$apply=aggregate(status with average as s)", "$apply", "numbers only")]
    [InlineData("sales_orders?$apply=groupby(status)", "$apply", null)]
    [InlineData("sales_orders?$apply=compute(Priority mul 2 as p)", "$apply", "'compute' is not supported")]
    [InlineData("sales_orders?$apply=topcount(2,total_amount)", "$apply", "'topcount' is not supported")]
    [InlineData("sales_orders?$apply=concat(groupby((status)),groupby((currency)))", "$apply", "'concat' is not supported")]
    [InlineData("sales_orders?$apply=groupby((status),aggregate($count as n))/groupby((n))", "$apply", "Only filter(...) may follow")]
    [InlineData("sales_orders?$apply=filter(status eq 'x')", "$apply", "$filter")]
    [InlineData("sales_orders?$apply=groupby((customer))", "$apply", "customer/name")]
    [InlineData("sales_orders?$apply=aggregate(total_amount with sum as status)", "$apply", "Choose another alias")]
    [InlineData("sales_orders?$apply=aggregate(total_amount with sum as t,total_amount with max as t)", "$apply", "used twice")]
    [InlineData("sales_orders?$apply=aggregate(total_amount add 1 with sum as t)", "$apply", "Only properties")]
    [InlineData("sales_orders?$apply=aggregate(total_amount with custom.x as t)", "$apply", "sum, average")]
    [InlineData("sales_orders?$apply=groupby((status),aggregate($count as n))&$filter=order_id gt 1", "$filter", "not a property of the result")]
    [InlineData("sales_orders?$apply=groupby((status),aggregate($count as n))&$orderby=currency", "$orderby", "not a property of the result")]
    [InlineData("sales_orders?$apply=groupby((status))&$select=status", "$select", "$apply")]
    [InlineData("sales_orders?$apply=groupby((status))&$search=x", "$search", "$apply")]
    [InlineData("sales_orders(5000000001)?$apply=groupby((status))", "$apply", "entity set's collection")]
    [InlineData("sales_orders/$count?$apply=groupby((status))", "$apply", "entity set's collection")]
    [InlineData("sales_orders?$apply=groupby((status)", "$apply", null)]
    public async Task ClientMistakes_Are400NamingTheFix(string url, string target, string? words)
    {
        var error = await Fixture.Client.GetErrorAsync(url, HttpStatusCode.BadRequest);
        Assert.Equal(target, error.GetProperty("target").GetString());
        if (words is not null)
        {
            Assert.Contains(words, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    /// <summary>Follows the next links of a walk with <c>Prefer: odata.maxpagesize</c>: the rows' keys, the count, the pages.</summary>
    private async Task<(List<string> Keys, long? Count, int Pages)> WalkAsync(string url, int pageSize)
    {
        var keys = new List<string>();
        long? count = null;
        var pages = 0;
        for (string? next = url; next is not null; pages++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, next);
            request.Headers.TryAddWithoutValidation("Prefer", "odata.maxpagesize=" + pageSize.ToString(CultureInfo.InvariantCulture));
            using var response = await Fixture.Client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"GET {next}: {(int)response.StatusCode} {body}");
            var json = JsonDocument.Parse(body).RootElement;
            count ??= json.TryGetProperty("@odata.count", out var total) ? total.GetInt64() : null;
            var rows = json.GetProperty("value").EnumerateArray().ToList();
            Assert.True(rows.Count <= pageSize, $"{rows.Count} rows on a page of {pageSize}");
            keys.AddRange(rows.Select(r => r.GetProperty("customer_id").GetRawText() + "|" + r.GetProperty("currency").GetString()));
            next = json.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
        }

        return (keys, count, pages);
    }

    private async Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>> RowsAsync(string set)
    {
        var model = Fixture.Services.GetRequiredService<ModelHost>().Current;
        return await OracleRows.LoadAsync(Fixture, model.Sets[set], null);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresApplyTests(PostgresFixture fixture) : ApplyTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteApplyTests(SqliteFixture fixture) : ApplyTests(fixture);
