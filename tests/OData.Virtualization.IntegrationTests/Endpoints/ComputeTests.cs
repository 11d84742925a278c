using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.Hosting;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Oracle;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// <c>$compute</c> (OData 4.01): every computed value is compared with the same expression computed here over the set's
/// rows read directly from the database (<see cref="OracleRows"/>, no server code) — in <c>$select</c>, in <c>$filter</c>
/// and <c>$orderby</c> by its alias, through a navigation property, by key, over a keyset walk — and what a client gets
/// wrong is a 400 that names <c>$compute</c>.
/// </summary>
public abstract class ComputeTests(ServerFixture fixture)
{
    protected ServerFixture Fixture { get; } = fixture;

    [Fact]
    public async Task ComputedProperties_AreTheExpressionOfEachRow_WithTheirTypes()
    {
        var customers = (await RowsAsync("erp_customers")).OrderBy(c => Convert.ToInt64(c["customer_id"], CultureInfo.InvariantCulture)).Take(60).ToList();
        var json = await Fixture.Client.GetJsonAsync(
            "erp_customers?$compute=credit_limit mul 2 as doubled,length(name) as name_length,concat(country,'-x') as tag,year(created_at) as since,credit_limit gt 20000 as big"
            + "&$select=customer_id,doubled,name_length,tag,since,big&$orderby=customer_id&$top=60");
        Assert.EndsWith("$metadata#erp_customers(customer_id,doubled,name_length,tag,since,big)", json.GetProperty("@odata.context").GetString(), StringComparison.Ordinal);
        var rows = json.GetProperty("value").EnumerateArray().ToList();
        Assert.Equal(customers.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var customer = customers[i];
            Assert.Equal(Convert.ToInt64(customer["customer_id"], CultureInfo.InvariantCulture), row.GetProperty("customer_id").GetInt64());
            var limit = (decimal?)customer["credit_limit"];
            Assert.Equal(limit * 2, Nullable(row.GetProperty("doubled"), e => e.GetDecimal()));
            Assert.Equal(((string)customer["name"]!).EnumerateRunes().Count(), row.GetProperty("name_length").GetInt32());
            Assert.Equal((string?)customer["country"] + "-x", row.GetProperty("tag").GetString());
            Assert.Equal(Instant(customer["created_at"]).Year, row.GetProperty("since").GetInt32());
            Assert.Equal(limit > 20000m, row.GetProperty("big").GetBoolean()); // the seed's limits are never NULL
            // Dynamic properties: no $metadata declares them, so their types travel with them.
            Assert.Equal("#Decimal", row.GetProperty("doubled@odata.type").GetString());
            Assert.Equal("#Int32", row.GetProperty("name_length@odata.type").GetString());
            Assert.False(row.TryGetProperty("tag@odata.type", out _), "text needs no type annotation");
        }
    }

    [Fact]
    public async Task FilterAndOrderBy_UseTheAlias_AndAKeysetWalkReadsEveryMatchingRowOnce()
    {
        var customers = await RowsAsync("erp_customers");
        var expected = customers
            .Select(c => (Id: Convert.ToInt64(c["customer_id"], CultureInfo.InvariantCulture), Doubled: (decimal)c["credit_limit"]! * 2))
            .Where(c => c.Doubled > 50_000m)
            .OrderByDescending(c => c.Doubled).ThenByDescending(c => c.Id)
            .ToList();
        Assert.True(expected.Count > 20, "the filter keeps enough rows for several pages");

        var (rows, count, pages) = await WalkAsync("erp_customers?$compute=credit_limit mul 2 as doubled&$filter=doubled gt 50000&$orderby=doubled desc&$select=customer_id,doubled&$count=true", pageSize: 7);
        Assert.Equal(expected.Count, count);
        Assert.True(pages > 2, $"{pages} pages");
        Assert.Equal(expected.Select(e => $"{e.Id}|{e.Doubled.ToString("0.00", CultureInfo.InvariantCulture)}"), rows.Select(r => $"{r.GetProperty("customer_id").GetInt64()}|{r.GetProperty("doubled").GetDecimal().ToString("0.00", CultureInfo.InvariantCulture)}"));

        // The same filter as /$count.
        Assert.Equal(expected.Count, await Fixture.Client.GetCountAsync("erp_customers/$count?$compute=credit_limit mul 2 as doubled&$filter=doubled gt 50000"));

        // A boolean computed property is a filter of its own.
        var big = await Fixture.Client.GetValuesAsync("erp_customers?$compute=credit_limit gt 25000 as big&$filter=big&$select=customer_id&$top=1000");
        Assert.Equal(customers.Count(c => (decimal)c["credit_limit"]! > 25000m), big.Count);
    }

    [Fact]
    public async Task AComputedPropertyThroughANavigationProperty_IsTheRelatedValue()
    {
        var countries = (await RowsAsync("erp_customers")).ToDictionary(c => Convert.ToInt64(c["customer_id"], CultureInfo.InvariantCulture), c => (string?)c["country"]);
        var orders = (await RowsAsync("sales_orders")).Select(o => (Id: Convert.ToInt64(o["order_id"], CultureInfo.InvariantCulture), Customer: o["customer_id"])).ToList();
        var expected = orders.Where(o => o.Customer is not null && countries[Convert.ToInt64(o.Customer, CultureInfo.InvariantCulture)] == "DE").Select(o => o.Id).Order().Take(40).ToList();
        Assert.NotEmpty(expected);

        var rows = await Fixture.Client.GetValuesAsync("sales_orders?$compute=customer/country as country&$filter=country eq 'DE'&$orderby=order_id&$select=order_id,country&$top=40");
        Assert.Equal(expected, rows.Select(r => r.GetProperty("order_id").GetInt64()));
        Assert.All(rows, r => Assert.Equal("DE", r.GetProperty("country").GetString()));
    }

    [Fact]
    public async Task ByKey_AndTwoAliasesOfOneExpression_AreTwoAnswers()
    {
        var customer = (await RowsAsync("erp_customers")).First(c => Convert.ToInt64(c["customer_id"], CultureInfo.InvariantCulture) == 7);
        var first = await Fixture.Client.GetJsonAsync("erp_customers(7)?$compute=length(name) as n&$select=name,n");
        Assert.EndsWith("$metadata#erp_customers(name,n)/$entity", first.GetProperty("@odata.context").GetString(), StringComparison.Ordinal);
        Assert.Equal(((string)customer["name"]!).EnumerateRunes().Count(), first.GetProperty("n").GetInt32());

        // Cached answers are keyed by what they say: the second alias is not served the first one's body.
        var second = await Fixture.Client.GetJsonAsync("erp_customers(7)?$compute=length(name) as m&$select=name,m");
        Assert.Equal(first.GetProperty("n").GetInt32(), second.GetProperty("m").GetInt32());
        Assert.False(second.TryGetProperty("n", out _));

        // Without $select naming it, a computed property is not written (OData 4.01 §5.1.5).
        var unselected = await Fixture.Client.GetJsonAsync("erp_customers(7)?$compute=length(name) as n");
        Assert.False(unselected.TryGetProperty("n", out _));
        Assert.Equal((string)customer["name"]!, unselected.GetProperty("name").GetString());
    }

    [Fact]
    public async Task OverNull_IsNull_AndNullSortsFirst()
    {
        var customers = await RowsAsync("erp_customers");
        Assert.Contains(customers, c => c["city"] is null);
        var expected = customers
            .Select(c => (Id: Convert.ToInt64(c["customer_id"], CultureInfo.InvariantCulture), Length: ((string?)c["city"])?.EnumerateRunes().Count()))
            .OrderBy(c => c.Length ?? -1).ThenBy(c => c.Id).Take(60).ToList();
        var rows = await Fixture.Client.GetValuesAsync("erp_customers?$compute=length(city) as n&$orderby=n&$select=customer_id,n&$top=60");
        Assert.Equal(expected.Select(e => $"{e.Id}|{e.Length?.ToString(CultureInfo.InvariantCulture) ?? "null"}"), rows.Select(r => $"{r.GetProperty("customer_id").GetInt64()}|{(r.GetProperty("n").ValueKind == JsonValueKind.Null ? "null" : r.GetProperty("n").GetRawText())}"));
    }

    [Fact]
    public async Task WithExpand_TheParentsComputedValuesComeWithTheirRelatedRows()
    {
        var customers = (await RowsAsync("erp_customers")).OrderBy(c => Convert.ToInt64(c["customer_id"], CultureInfo.InvariantCulture)).Take(5).ToList();
        var rows = await Fixture.Client.GetValuesAsync("erp_customers?$compute=credit_limit mul 2 as doubled,79228162514264337593543950335 mul 10 as huge&$select=customer_id,doubled,huge&$expand=sales_orders($select=order_id;$top=1)&$orderby=customer_id&$top=5");
        Assert.Equal(customers.Select(c => (decimal)c["credit_limit"]! * 2), rows.Select(r => r.GetProperty("doubled").GetDecimal()));
        // Past .NET's decimal: the database's digits (PostgreSQL exact, SQLite a double's), never a cut response.
        Assert.All(rows, r => Assert.StartsWith("7.9228162514264", double.Parse(r.GetProperty("huge").GetRawText(), CultureInfo.InvariantCulture).ToString("E13", CultureInfo.InvariantCulture), StringComparison.Ordinal));
        Assert.All(rows, r => Assert.Equal(JsonValueKind.Array, r.GetProperty("sales_orders").ValueKind));
    }

    [Theory]
    [InlineData("erp_customers?$compute=length(name) as name&$select=name", "$compute", "already a property")]
    [InlineData("erp_customers?$compute=null as nothing&$select=nothing", "$compute", "primitive type")]
    [InlineData("erp_customers?$compute=length(name) as n&$select=customer_id,nn", "$select", "nn")]
    [InlineData("erp_customers?$compute=length(name)&$select=customer_id", "$compute", null)]
    [InlineData("erp_customers?$compute=nosuchfunction(name) as n&$select=n", "$compute", null)]
    [InlineData("erp_customers?$compute=length(name) as n&$filter=n gt 'x'", "$filter", null)]
    public async Task ClientMistakes_Are400NamingTheOption(string url, string target, string? words)
    {
        var error = await Fixture.Client.GetErrorAsync(url, HttpStatusCode.BadRequest);
        Assert.Equal(target, error.GetProperty("target").GetString());
        if (words is not null)
        {
            Assert.Contains(words, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("sales_orders?$apply=groupby((status))&$compute=1 add 1 as two")]
    [InlineData("erp_customers?$expand=sales_orders($compute=total_amount mul 2 as twice;$select=twice)")]
    public async Task WhatIsNotImplemented_Is501SayingSo(string url)
    {
        var error = await Fixture.Client.GetErrorAsync(url, HttpStatusCode.NotImplemented);
        Assert.Contains("$compute", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private async Task<(List<JsonElement> Rows, long? Count, int Pages)> WalkAsync(string url, int pageSize)
    {
        var rows = new List<JsonElement>();
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
            rows.AddRange(json.GetProperty("value").EnumerateArray());
            next = json.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
        }

        return (rows, count, pages);
    }

    private static T? Nullable<T>(JsonElement value, Func<JsonElement, T> read)
        where T : struct
        => value.ValueKind == JsonValueKind.Null ? null : read(value);

    private static DateTimeOffset Instant(object? value) => value switch
    {
        DateTimeOffset instant => instant.ToUniversalTime(),
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime(),
        _ => throw new InvalidOperationException($"created_at is {value?.GetType().Name ?? "null"}"),
    };

    private async Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>> RowsAsync(string set)
    {
        var model = Fixture.Services.GetRequiredService<ModelHost>().Current;
        return await OracleRows.LoadAsync(Fixture, model.Sets[set], null);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresComputeTests(PostgresFixture fixture) : ComputeTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteComputeTests(SqliteFixture fixture) : ComputeTests(fixture);
