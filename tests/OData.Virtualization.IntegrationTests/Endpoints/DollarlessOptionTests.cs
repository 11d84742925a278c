using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// OData 4.01 makes a system query option's <c>$</c> optional: <c>?filter=…</c> filters (it was once ignored, and every
/// row came back). Both spellings of one option are a 400; an option this service does not implement is a 501 without
/// its <c>$</c> too; a name that is no system option's stays a custom option, ignored. (That the two spellings share a
/// cache entry is in <c>Caching/CacheKeyTests</c>.)
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class DollarlessOptionTests(SqliteFixture fixture)
{
    [Theory]
    [InlineData("erp_customers?filter=customer_id lt 4&select=customer_id,name&orderby=customer_id desc&count=true", "erp_customers?$filter=customer_id lt 4&$select=customer_id,name&$orderby=customer_id desc&$count=true")]
    [InlineData("erp_customers/$count?filter=country eq 'SE'", "erp_customers/$count?$filter=country eq 'SE'")]
    [InlineData("transactions?top=2&skip=3&Select=transaction_id,amount&search=Zoë", "transactions?$top=2&$skip=3&$select=transaction_id,amount&$search=Zoë")]
    [InlineData("sales_orders?top=1&select=order_id&expand=customer(select=name)", "sales_orders?$top=1&$select=order_id&$expand=customer($select=name)")]
    [InlineData("?format=application/json;odata.metadata=none", "?$format=application/json;odata.metadata=none")]
    public async Task WithoutTheDollar_AnswersAsTheDollarForm(string withoutDollar, string withDollar)
    {
        var expected = await fixture.Client.GetTextAsync(withDollar);
        Assert.Equal(expected, await fixture.Client.GetTextAsync(withoutDollar));
    }

    [Fact]
    public async Task Filter_WithoutTheDollar_Filters()
    {
        var rows = await fixture.Client.GetValuesAsync("erp_customers?filter=customer_id eq 7");
        Assert.Equal(7, Assert.Single(rows).GetProperty("customer_id").GetInt64());
    }

    [Theory]
    [InlineData("erp_customers?filter=customer_id eq 1&$filter=customer_id eq 2", "$filter")]
    [InlineData("erp_customers?$top=1&TOP=2", "$top")]
    public async Task BothSpellings_Are400NamingTheOption(string url, string option)
    {
        var error = await fixture.Client.GetErrorAsync(url, HttpStatusCode.BadRequest);
        Assert.Equal(option, error.GetProperty("target").GetString());
        Assert.Contains("with or without its '$'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnimplementedOption_WithoutTheDollar_Is501()
    {
        var error = await fixture.Client.GetErrorAsync("erp_customers?levels=2", HttpStatusCode.NotImplemented);
        Assert.Contains("$levels", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compute_WithoutTheDollar_IsCompute()
    {
        var plain = await fixture.Client.GetJsonAsync("erp_customers?compute=customer_id add 1 as next&select=customer_id,next&top=3");
        var dollar = await fixture.Client.GetJsonAsync("erp_customers?$compute=customer_id add 1 as next&$select=customer_id,next&$top=3");
        Assert.Equal(dollar.GetProperty("value").GetRawText(), plain.GetProperty("value").GetRawText());
        Assert.All(plain.GetProperty("value").EnumerateArray(), r => Assert.Equal(r.GetProperty("customer_id").GetInt64() + 1, r.GetProperty("next").GetInt64()));
    }

    [Fact]
    public async Task Apply_WithoutTheDollar_IsApply()
    {
        var plain = await fixture.Client.GetJsonAsync("erp_customers?apply=aggregate($count as n)");
        var dollar = await fixture.Client.GetJsonAsync("erp_customers?$apply=aggregate($count as n)");
        Assert.Equal(await fixture.Client.GetCountAsync("erp_customers/$count"), plain.GetProperty("value")[0].GetProperty("n").GetInt64());
        Assert.Equal(dollar.GetRawText(), plain.GetRawText());
    }

    [Fact]
    public async Task CustomOptions_AreStillIgnored()
    {
        var rows = await fixture.Client.GetValuesAsync("erp_customers?$top=2&sap-client=100&_=1700000000&filters=x");
        Assert.Equal(2, rows.Count);
    }

    /// <summary>On real Kestrel (the raw request target): next links carry the one spelling, and a walk ends where it should.</summary>
    [Fact]
    public async Task PagedWithoutTheDollar_NextLinksCarryTheDollarForm_AndWalkToTheEnd()
    {
        var server = await fixture.KestrelAsync();
        using var client = server.NewClient();
        client.DefaultRequestHeaders.Add("Prefer", "odata.maxpagesize=10");
        var first = await client.GetJsonAsync("erp_customers?filter=customer_id le 25&select=customer_id&count=true");
        var next = first.GetProperty("@odata.nextLink").GetString()!;
        Assert.Contains("$filter=", next, StringComparison.Ordinal);
        Assert.Contains("$skiptoken=", next, StringComparison.Ordinal);
        Assert.DoesNotContain("?filter=", next, StringComparison.Ordinal);

        var (keys, count) = await client.GetAllKeysAsync("erp_customers?filter=customer_id le 25&select=customer_id&count=true", ["customer_id"]);
        Assert.Equal(25, count);
        Assert.Equal(Enumerable.Range(1, 25).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)), keys);
        Assert.Equal(JsonValueKind.Number, first.GetProperty("@odata.count").ValueKind);
    }
}
