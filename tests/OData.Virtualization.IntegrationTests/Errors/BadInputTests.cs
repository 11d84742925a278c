using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Errors;

/// <summary>
/// Whatever a client sends, the answer is a 4xx with an OData error body (code and message, the offending
/// option as target), never a 5xx, a hang, SQL text or a stack trace — and the data is never touched.
/// </summary>
public abstract class BadInputTests(ServerFixture fixture)
{
    protected ServerFixture Fixture { get; } = fixture;

    [Theory]
    [InlineData("erp_customers?$filter=customer_id eq", "$filter")]
    [InlineData("erp_customers?$filter=customer_id eqq 1", "$filter")]
    [InlineData("erp_customers?$filter=(((", "$filter")]
    [InlineData("erp_customers?$filter=customer_id eq 1)", "$filter")]
    [InlineData("erp_customers?$filter=name eq 'unterminated", "$filter")]
    [InlineData("erp_customers?$filter=contains(name)", "$filter")]
    [InlineData("erp_customers?$filter=customer_id", "$filter")]
    [InlineData("erp_customers?$orderby=name sideways", "$orderby")]
    [InlineData("erp_customers?$select=name,,city", "$select")]
    [InlineData("erp_customers?$select=name,(SELECT 1)", "$select")]
    [InlineData("erp_customers?$expand=sales_orders(", "$expand")]
    [InlineData("erp_customers?$expand=sales_orders($top=x)", "$expand")]
    [InlineData("erp_customers?$search=", "$search")]
    [InlineData("erp_customers?$search=AND", "$search")]
    [InlineData("erp_customers?$search=(Tokyo", "$search")]
    [InlineData("erp_customers?$count=maybe", "$count")]
    [InlineData("erp_customers?$foo=1", "$foo")]
    [InlineData("erp_customers?$top=1&$top=2", "$top")]
    public async Task SyntaxError_Returns400NamingTheOption(string url, string target)
    {
        var error = await Fixture.Client.GetErrorAsync(url, HttpStatusCode.BadRequest);
        Assert.True(error.TryGetProperty("target", out var actual) && actual.GetString() == target, $"{url}: target should be {target}: {error}");
    }

    [Theory]
    [InlineData("erp_customers?$filter=name eq 'O'Neil'")]
    [InlineData("erp_customers?$filter=startswith(name,'O'Ne')")]
    public async Task AQuoteInsideAString_Is400SayingQuotesAreDoubled(string url)
    {
        // Issue 18: the parser's "unterminated string literal" did not say why, nor how to write O'Neil.
        var error = await Fixture.Client.GetErrorAsync(url, HttpStatusCode.BadRequest);
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("written twice: 'O''Neil'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sales_orders?$filter=cast(null)")]
    [InlineData("sales_orders?$filter=cast(1e308)")]
    [InlineData("sales_orders?$filter=isof(priority,1)")]
    [InlineData("sales_orders?$filter=isof(null)")]
    [InlineData("sales_orders?$orderby=geography'POINT(1 2)'")]
    [InlineData("sales_orders?$filter=geometry'POINT(1 2)' eq null")]
    [InlineData("sales_orders?$filter=geography'POINT(1 2)' eq geography'POINT(1 2)'")]
    [InlineData("sales_orders?$filter=notes eq '%00'")]
    [InlineData("sales_orders?$filter=startswith(notes,'a%00b')")]
    [InlineData("sales_orders?$search=%00")]
    [InlineData("sales_orders?$filter=notes in ('a%00b','c')")]
    public async Task InputTheParserAcceptsButNoSourceCanTake_Is400_WithoutTheSourcesWords(string url)
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode} {body}");
            Assert.DoesNotContain("byte sequence", body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("0x00", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        }
    }

    /// <summary>Found by <c>Security/FunctionFuzzTests</c>: each was a 500 before its fix, on the dialect named.</summary>
    [Theory]
    [InlineData("erp_customers?$filter=customer_id div 1e308 eq 1")] // both: the zero-divisor check converted 1e308 to decimal
    [InlineData("erp_customers?$filter=customer_id div INF eq 0")] // both: the same, with infinity
    [InlineData("sales_orders?$filter=year(9999-12-31) eq 9999")] // PostgreSQL: Npgsql wrote the largest date as infinity
    [InlineData("sales_orders?$filter=ordered_at lt 9999-12-31T23:59:59.9999999Z and year(9999-12-31T23:59:59.9999999Z) eq 9999")] // the same, the largest timestamp
    [InlineData("sales_orders?$filter=hour(order_date) eq 0 and minute(order_date) eq 0 and second(order_date) eq 0")] // PostgreSQL: no hour of a date
    [InlineData("sales_orders?$filter=time(order_date) eq 00:00:00")] // PostgreSQL: no cast of a date to a time
    [InlineData("sales_orders?$orderby=contains('abc',null)")] // PostgreSQL: ORDER BY NULL
    public async Task ValuesAndFunctionsTheParserAccepts_AreAnswered(string url)
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "$top=1");
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {ODataAssert.Shorten(body)}");
        }
    }

    [Fact]
    public async Task AFunctionTheServiceDoesNotHave_Is501_NamingTheOnesItHas()
    {
        var error = await Fixture.Client.GetErrorAsync("sales_orders?$filter=round(total_amount) eq 1", HttpStatusCode.NotImplemented);
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("'round'", message, StringComparison.Ordinal);
        Assert.Contains("contains, startswith, endswith", message, StringComparison.Ordinal);
        Assert.Equal("$filter", error.GetProperty("target").GetString());
    }

    [Fact]
    public async Task SearchBeyondItsLimits_Is400_SayingTheLimit_AtTheLimit_Answered()
    {
        var longTerm = await Fixture.Client.GetErrorAsync("erp_customers?$search=" + new string('a', 3_000), HttpStatusCode.BadRequest);
        Assert.Equal("$search", longTerm.GetProperty("target").GetString());
        Assert.Contains("3000 characters", longTerm.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("128", longTerm.GetProperty("message").GetString(), StringComparison.Ordinal);

        var manyTerms = await Fixture.Client.GetErrorAsync("erp_customers?$search=" + string.Join("%20", Enumerable.Range(0, 17).Select(i => "w" + (char)('a' + i))), HttpStatusCode.BadRequest);
        Assert.Contains("17 terms", manyTerms.GetProperty("message").GetString(), StringComparison.Ordinal);

        var atTheLimit = await Fixture.Client.GetAsync("erp_customers?$top=1&$search=" + string.Join("%20OR%20", Enumerable.Range(0, 16).Select(_ => new string('b', 128))));
        Assert.Equal(HttpStatusCode.OK, atTheLimit.StatusCode);
    }

    [Theory]
    [InlineData("erp_customers?$filter=nmae eq 'x'", "$filter", "nmae", "name")]
    [InlineData("erp_customers?$select=customer_id,nmae", "$select", "nmae", "name")]
    [InlineData("erp_customers?$orderby=citty desc", "$orderby", "citty", "city")]
    [InlineData("erp_customers?$expand=sales_ordrs", "$expand", "sales_ordrs", "sales_orders")]
    [InlineData("erp_customers?$expand=sales_orders($select=totl_amount)", "$expand", "totl_amount", "total_amount")]
    [InlineData("sales_orders?$filter=priority eq 3 and ordered_att eq null", "$filter", "ordered_att", "ordered_at")]
    [InlineData("ProductCategories?$filter=CategoryID eq 1 and Nme eq 'x'", "$filter", "Nme", "Name")]
    public async Task UnknownProperty_Returns400WithADidYouMean(string url, string target, string wrong, string suggestion)
    {
        var error = await Fixture.Client.GetErrorAsync(url, HttpStatusCode.BadRequest);
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains($"'{wrong}'", message, StringComparison.Ordinal);
        Assert.Contains($"Did you mean '{suggestion}'?", message, StringComparison.Ordinal);
        Assert.True(error.TryGetProperty("target", out var actual) && actual.GetString() == target, $"{url}: target should be {target}: {error}");
    }

    [Theory]
    [InlineData("erp_custmers", "erp_custmers", "erp_customers")]
    [InlineData("erp_custmers?$top=1", "erp_custmers", "erp_customers")]
    [InlineData("salesorders(5000000001)", "salesorders", "sales_orders")]
    [InlineData("audit_log", "audit_log", null)]
    [InlineData("exchange_rates", "exchange_rates", null)]
    [InlineData("Customers", "Customers", null)]
    public async Task UnknownEntitySet_Returns404NamingIt(string url, string name, string? suggestion)
    {
        var error = await Fixture.Client.GetErrorAsync(url, HttpStatusCode.NotFound);
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains($"'{name}'", message, StringComparison.Ordinal);
        if (suggestion is not null)
        {
            Assert.Contains($"Did you mean '{suggestion}'?", message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("erp_customers(1)/nmae")]
    [InlineData("erp_customers(1)/name/$count")]
    public async Task UnknownPathSegment_Returns404(string url)
    {
        await Fixture.Client.GetErrorAsync(url, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("erp_customers?$filter=customer_id eq 'abc'")]
    [InlineData("erp_customers?$filter=name eq 5")]
    [InlineData("erp_customers?$filter=is_active eq 1")]
    [InlineData("erp_customers?$filter=created_at eq 'yesterday'")]
    [InlineData("erp_customers?$filter=length(name) eq 'x'")]
    [InlineData("erp_customers?$filter=contains(customer_id,'1')")]
    [InlineData("erp_customers?$filter=year(name) eq 2020")]
    [InlineData("payments?$filter=payment_id eq 'not-a-guid'")]
    [InlineData("erp_customers?$filter=name add 1 eq 2")]
    public async Task TypeMismatch_Returns400(string url)
    {
        var error = await Fixture.Client.GetErrorAsync(url, HttpStatusCode.BadRequest);
        Assert.Equal("$filter", error.GetProperty("target").GetString());
    }

    [Theory]
    [InlineData("sales_orders?$filter=order_date eq 2024-13-45")]
    [InlineData("sales_orders?$filter=order_date eq 2023-02-29")]
    [InlineData("sales_orders?$filter=ordered_at eq 2024-02-30T00:00:00Z")]
    [InlineData("sales_orders?$filter=ordered_at eq 2024-01-01T25:00:00Z")]
    [InlineData("payments?$filter=payment_id eq 1234-zz")]
    [InlineData("payments?$filter=payment_id eq 00000000-0000-4000-8000-00000000000G")]
    [InlineData("sales_orders?$filter=total_amount eq 1.2.3")]
    [InlineData("warehouses?$filter=opens_at eq 25:00:00")]
    [InlineData("bank_customers?$filter=photo eq binary'!!!'")]
    [InlineData("erp_customers?$filter=is_active eq maybe")]
    public async Task BadLiteral_Returns400(string url)
    {
        await Fixture.Client.GetErrorAsync(url, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("$top", "-1")]
    [InlineData("$top", "-2147483649")]
    [InlineData("$top", "abc")]
    [InlineData("$top", "1.5")]
    [InlineData("$top", "99999999999999999999")]
    [InlineData("$top", "")]
    [InlineData("$top", "1e3")]
    [InlineData("$skip", "-5")]
    [InlineData("$skip", "x")]
    [InlineData("$skip", "0x10")]
    [InlineData("$skip", "")]
    [InlineData("$skip", "99999999999999999999")]
    public async Task NegativeOrNonNumericTopSkip_Returns400(string option, string value)
    {
        var error = await Fixture.Client.GetErrorAsync($"erp_customers?{option}={Uri.EscapeDataString(value)}", HttpStatusCode.BadRequest);
        Assert.Equal(option, error.GetProperty("target").GetString());
    }

    [Fact]
    public async Task TwoThousandNestedParentheses_Returns400Quickly()
    {
        var filter = new string('(', 2000) + "customer_id eq 1" + new string(')', 2000);
        var watch = Stopwatch.StartNew();
        var error = await Fixture.Client.GetErrorAsync("erp_customers?$filter=" + Uri.EscapeDataString(filter), HttpStatusCode.BadRequest);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal("$filter", error.GetProperty("target").GetString());
        Assert.Contains("in", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoThousandNestedNots_Returns4xxQuickly()
    {
        var filter = string.Concat(Enumerable.Repeat("not ", 2000)) + "is_active";
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, "erp_customers?$filter=" + Uri.EscapeDataString(filter));
        using (response)
        {
            ODataAssert.AssertClientError(response, body, "2,000 nested not");
        }
    }

    [Fact]
    public async Task TenThousandTermOr_Returns414WithAnODataErrorUnderTheDefaultUrlLimit()
    {
        var filter = string.Join(" or ", Enumerable.Range(1, 10_000).Select(i => $"customer_id eq {i}"));
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, "erp_customers?$filter=" + Uri.EscapeDataString(filter));
        using (response)
        {
            var error = ODataAssert.AssertError(response, body, HttpStatusCode.RequestUriTooLong, "10,000-term or");
            Assert.Contains("'in'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TenThousandTermOr_UnderARaisedUrlLimit_IsRejectedAsTooComplexQuickly()
    {
        await using var factory = await Fixture.StartAnotherAsync(s =>
        {
            s["OData:Limits:MaxUrlLength"] = "1000000";
            s["OData:Limits:MaxFilterNodes"] = "2000";
        });
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost/odata/") });
        var filter = string.Join(" or ", Enumerable.Range(1, 10_000).Select(i => $"customer_id eq {i}"));
        var watch = Stopwatch.StartNew();
        var (response, body) = await client.SendAsync(HttpMethod.Get, "erp_customers?$filter=" + Uri.EscapeDataString(filter) + "&$count=true&$top=0");
        using (response)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
            var error = ODataAssert.AssertError(response, body, HttpStatusCode.BadRequest, "10,000-term or");
            Assert.Equal("$filter", error.GetProperty("target").GetString());
            Assert.StartsWith("The $filter expression has 10000 terms (", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Contains("the most this service accepts is 2000", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // Within a limit raised beyond what the URI parser binds in one chain: the parser's nesting, with the real count.
        var chain = string.Join(" or ", Enumerable.Range(1, 900).Select(i => $"customer_id eq {i}"));
        var nested = await client.GetErrorAsync("erp_customers?$filter=" + Uri.EscapeDataString(chain), HttpStatusCode.BadRequest);
        Assert.Contains("nested more than 800 levels", nested.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("It has 900 terms", nested.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("'in'", nested.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The limit counts terms as a client writes them: 500 comparisons joined by 'or' are 500 terms, whether the URI
    /// parser could bind them (501) or not (800, 2,000: a chain that long is too deep for its binder), and the answer says
    /// how many there were and what counts.
    /// </summary>
    [Theory]
    [InlineData(501)]
    [InlineData(800)]
    [InlineData(2000)]
    public async Task AnOrListBeyondTheTermLimit_Is400_SayingHowManyTermsItHas(int comparisons)
    {
        var filter = string.Join(" or ", Enumerable.Range(1, comparisons).Select(i => $"customer_id eq {i}"));
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, "erp_customers?$filter=" + Uri.EscapeDataString(filter) + "&$top=0");
        using (response)
        {
            var error = ODataAssert.AssertError(response, body, HttpStatusCode.BadRequest, $"{comparisons} comparisons");
            Assert.Equal("QueryTooComplex", error.GetProperty("code").GetString());
            Assert.Equal("$filter", error.GetProperty("target").GetString());
            Assert.Equal(
                $"The $filter expression has {comparisons} terms (a term is a comparison, an 'in' test, a function call or an arithmetic operation); "
                + "the most this service accepts is 500. For a long list of values of one property use 'in', for example customer_id in (1,2,3).",
                error.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task AnOrListAtTheTermLimit_IsAnswered()
    {
        var filter = string.Join(" or ", Enumerable.Range(1, 500).Select(i => $"customer_id eq {i}"));
        var json = await Fixture.Client.GetJsonAsync("erp_customers?$filter=" + Uri.EscapeDataString(filter) + "&$count=true&$top=0");
        Assert.Equal(500, json.GetProperty("@odata.count").GetInt64());

        // A function call and a comparison are two terms: 250 of Salesforce's search form are 500.
        var search = string.Join(" or ", Enumerable.Range(1, 250).Select(i => $"contains(name,'{i}') eq true"));
        Assert.Equal(HttpStatusCode.OK, (await Fixture.Client.GetAsync("erp_customers?$filter=" + Uri.EscapeDataString(search) + "&$top=0")).StatusCode);
        var over = await Fixture.Client.GetErrorAsync("erp_customers?$filter=" + Uri.EscapeDataString(search + " or customer_id eq 1"), HttpStatusCode.BadRequest);
        Assert.StartsWith("The $filter expression has 501 terms", over.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SixteenKilobyteUrl_IsAnsweredNormally()
    {
        var longLiteral = new string('x', 16 * 1024);
        var url = "erp_customers?$filter=name eq '" + longLiteral + "'";
        Assert.True(url.Length > 16 * 1024);
        var json = await Fixture.Client.GetJsonAsync(url);
        Assert.Equal(0, json.GetProperty("value").GetArrayLength());

        // A long list and a long literal together (the list stays within the server's limit on 'in' values).
        var ids = string.Join(",", Enumerable.Range(1, 500));
        var mixedUrl = "erp_customers?$filter=customer_id in (" + ids + ") and name ne '" + new string('y', 15 * 1024) + "'&$count=true&$top=0";
        Assert.True(mixedUrl.Length > 16 * 1024);
        Assert.Equal(500, (await Fixture.Client.GetJsonAsync(mixedUrl)).GetProperty("@odata.count").GetInt64());
    }

    [Theory]
    [InlineData("/odata/erp_customers?$filter=%ZZ")]
    [InlineData("/odata/erp_customers?$filter=%")]
    [InlineData("/odata/erp_customers?$filter=name%20eq%20'%ZZ")]
    [InlineData("/odata/erp_customers?$top=%")]
    [InlineData("/odata/erp_customers?$orderby=name%2")]
    [InlineData("/odata/products('%ZZ')")]
    [InlineData("/odata/products('%E0%A4')")]
    [InlineData("/odata/products('%FF%FE')")]
    [InlineData("/odata/erp_customers%ZZ")]
    [InlineData("/odata/%")]
    [InlineData("/odata/erp_customers(%)")]
    public async Task InvalidPercentEncoding_Returns4xxWithAnODataError(string target)
    {
        var server = (await Fixture.KestrelAsync()).Client.BaseAddress!;
        var response = await RawHttp.GetAsync(server, target, TimeSpan.FromSeconds(30));
        Assert.True(response.Status is >= 400 and < 500, $"{target}: {response.Status} {response.Body}");
        Assert.Equal(["4.0"], response.Header("OData-Version"));
        var error = JsonDocument.Parse(response.Body).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.DoesNotContain("   at ", response.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/odata/erp_customers?%ZZ=1&$top=1&$select=customer_id")]
    [InlineData("/odata/erp_customers?trace=%FF&$top=1&$select=customer_id")]
    public async Task InvalidPercentEncoding_InACustomOption_IsIgnoredWithIt(string target)
    {
        // Inside a system query option's literal it is a 400 (GenericClientDefectTests); custom options are ignored.
        var server = (await Fixture.KestrelAsync()).Client.BaseAddress!;
        var response = await RawHttp.GetAsync(server, target, TimeSpan.FromSeconds(30));
        Assert.True(response.Status is 200, $"{target}: {response.Status} {response.Body}");
        Assert.Equal(["4.0"], response.Header("OData-Version"));
    }

    private static readonly string[] s_injections =
    [
        "erp_customers?$filter=name eq '''; DROP TABLE customers; --'",
        "erp_customers?$filter=name eq ''' OR ''1''=''1'",
        "erp_customers?$filter=name eq 'x'' OR 1=1 --'",
        "erp_customers?$filter=contains(name,'%25'' OR 1=1 --')",
        "erp_customers?$filter=startswith(name,'''); DELETE FROM customers; --')",
        "erp_customers?$filter=city in ('Paris'');DROP TABLE customers;--')",
        "erp_customers?$search=%22'; DROP TABLE customers; --%22",
        "erp_customers?$filter=name eq '\\'; DROP TABLE customers; --'",
        "products?$filter=sku eq '$$; DROP TABLE products; $$'",
        "products('''; DROP TABLE products; --')",
        "products(''' OR ''1''=''1')",
        "products('x'')%20OR%20(''1''=''1')",
        "stock_levels(warehouse_code='BER1'' OR ''1''=''1',sku='x')",
        "erp_customers(1;DROP TABLE customers)",
        "erp_customers(1 or 1 eq 1)",
        "erp_customers?$orderby=name; DROP TABLE customers",
        "erp_customers?$orderby=(SELECT 1)",
        "erp_customers?$select=name;DROP TABLE customers",
        "erp_customers?$top=1;DROP TABLE customers",
        "erp_customers?$top=50&$select=customer_id&$expand=sales_orders($filter=notes eq '''; DROP TABLE sales.sales_orders; --')",
    ];

    public static TheoryData<string> InjectionUrls() => new(s_injections);

    [Theory]
    [MemberData(nameof(InjectionUrls))]
    public async Task SqlInjection_MatchesNothingOrIsRejected_AndChangesNothing(string url)
    {
        var before = await DirectSql.ErpRowCountsAsync(Fixture);
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            ODataAssert.AssertSingleODataVersion(response, url);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var json = JsonDocument.Parse(body).RootElement;
                Assert.True(json.TryGetProperty("value", out var value), $"{url}: {ODataAssert.Shorten(body)}");
                if (url.Contains("$expand=sales_orders", StringComparison.Ordinal))
                {
                    // The injection sits in the expanded level: no parent gets a related row.
                    Assert.All(value.EnumerateArray(), row => Assert.Equal(0, row.GetProperty("sales_orders").GetArrayLength()));
                }
                else
                {
                    Assert.Equal(0, value.GetArrayLength());
                }
            }
            else
            {
                ODataAssert.AssertClientError(response, body, url);
            }
        }

        Assert.Equal(before, await DirectSql.ErpRowCountsAsync(Fixture));
    }

    [Fact]
    public async Task SqlInjection_AfterEveryAttempt_TheSeedIsIntact()
    {
        foreach (var url in s_injections)
        {
            using var response = await Fixture.Client.GetAsync(url);
            Assert.True((int)response.StatusCode < 500, $"{url}: {(int)response.StatusCode}");
        }

        var counts = await DirectSql.ErpRowCountsAsync(Fixture);
        Assert.Equal([2000L, 1000, 20000, 60000, 5000, 12000, 1], counts.Values);
        Assert.Equal(2000, await Fixture.Client.GetCountAsync("erp_customers/$count"));
        Assert.Equal("O'Brien 50%", (await Fixture.Client.GetJsonAsync("products(" + ODataAssert.StringLiteral("O'Brien 50%") + ")")).GetProperty("sku").GetString());
    }

    [Fact]
    public async Task SqlInjection_AStoredHostileValue_IsMatchedExactly()
    {
        // The apostrophe and percent of a real value are data, not syntax: exactly one row, the right one.
        var rows = await Fixture.Client.GetValuesAsync("products?$filter=sku eq 'O''Brien 50%25' or name eq 'O''Brien Irish Coffee Mug (50%25 off)'&$select=sku");
        Assert.Equal("O'Brien 50%", Assert.Single(rows).GetProperty("sku").GetString());
    }

    [Theory]
    [InlineData("POST", "erp_customers")]
    [InlineData("PUT", "erp_customers(1)")]
    [InlineData("PATCH", "erp_customers(1)")]
    [InlineData("DELETE", "erp_customers(1)")]
    [InlineData("MERGE", "erp_customers(1)")]
    [InlineData("PUT", "erp_customers(1)/name/$value")]
    [InlineData("DELETE", "no_such_set(1)")]
    [InlineData("POST", "$metadata")]
    public async Task Write_Returns405ReadOnly(string method, string url)
    {
        var (response, body) = await Fixture.Client.SendAsync(new HttpMethod(method), url);
        using (response)
        {
            ODataAssert.AssertError(response, body, HttpStatusCode.MethodNotAllowed, method + " " + url);
            Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow.Order(StringComparer.Ordinal));
        }

        Assert.Equal("Hiroshi L. Novák", (await Fixture.Client.GetJsonAsync("erp_customers(1)/name")).GetProperty("value").GetString());
    }

    [Theory]
    [InlineData("erp_customers?$format=xml", null)]
    [InlineData("erp_customers?$format=atom", null)]
    [InlineData("erp_customers?$format=application/xml", null)]
    [InlineData("erp_customers?$format=application%2Fatom%2Bxml", null)]
    [InlineData("erp_customers?$format=csv", null)]
    [InlineData("erp_customers(1)?$format=xml", null)]
    [InlineData("erp_customers", "application/xml")]
    [InlineData("erp_customers", "application/atom+xml")]
    [InlineData("erp_customers(1)", "text/csv")]
    [InlineData("erp_customers", "application/json;odata.metadata=verbose")]
    public async Task UnsupportedFormat_Returns406(string url, string? accept)
    {
        var headers = accept is null ? Array.Empty<(string, string)>() : [("Accept", accept)];
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, url, headers);
        using (response)
        {
            ODataAssert.AssertError(response, body, HttpStatusCode.NotAcceptable, url + " Accept: " + accept);
        }
    }

    [Theory]
    [InlineData("erp_customers?$deltatoken=abc", "$deltatoken")]
    [InlineData("erp_customers?$levels=2", "$levels")]
    public async Task UnsupportedOptions_Return501NamingThem(string url, string option)
    {
        var error = await Fixture.Client.GetErrorAsync(url, HttpStatusCode.NotImplemented);
        Assert.Contains(option, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sales_orders?$filter=customer eq null")]
    [InlineData("sales_orders(5000000001)/customer/$ref")]
    [InlineData("erp_customers(1)/$value")]
    public async Task UnsupportedFeature_Returns501(string url)
    {
        await Fixture.Client.GetErrorAsync(url, HttpStatusCode.NotImplemented);
    }

    [Fact]
    public async Task OrderByANavigationProperty_IsRejectedNamingOrderBy()
    {
        // A path to a property of the related entity is an order (customer/name); the related entity itself is not.
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, "sales_orders?$orderby=customer");
        using (response)
        {
            var error = ODataAssert.AssertClientErrorOr501(response, body, "$orderby=customer");
            Assert.Equal("$orderby", error.GetProperty("target").GetString());
            Assert.DoesNotContain("$filter", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("erp_customers?$filter=customer_id div 0 eq 1")]
    [InlineData("erp_customers?$filter=customer_id mod 0 eq 1")]
    [InlineData("erp_customers?$filter=credit_limit div 0 eq 1")]
    [InlineData("erp_customers?$filter=credit_limit div 0.00 gt 1")]
    [InlineData("erp_customers?$filter=customer_id div 0 eq 1&$count=true&$top=0")]
    [InlineData("erp_customers/$count?$filter=customer_id div 0 eq 1")]
    public async Task DivisionByZero_Returns4xx(string url)
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            ODataAssert.AssertClientError(response, body, url);
        }
    }

    [Theory]
    [InlineData("erp_customers('abc')")]
    [InlineData("erp_customers(1.5)")]
    [InlineData("payments(123)")]
    [InlineData("payments('00000000-0000-4000-8000-000000000001')")]
    [InlineData("order_lines(order_id=5000000001)")]
    [InlineData("order_lines(5000000001)")]
    [InlineData("order_lines(order_id=5000000001,line_no=1,sku='x')")]
    [InlineData("order_lines(order_id=5000000001,nope=1)")]
    [InlineData("erp_customers(1,2)")]
    public async Task MalformedKey_Returns400(string url)
    {
        await Fixture.Client.GetErrorAsync(url, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ExpandDeeperThanTheLimit_Returns400()
    {
        var error = await Fixture.Client.GetErrorAsync("ProductCategories(25)?$expand=ParentCategory($expand=ParentCategory($expand=ParentCategory($expand=ParentCategory)))", HttpStatusCode.BadRequest);
        Assert.Equal("$expand", error.GetProperty("target").GetString());
    }

    [Fact]
    public async Task ManyBadRequestsInParallel_NeverA5xx()
    {
        var urls = new[]
        {
            "erp_customers?$filter=nmae eq 1", "erp_customers?$top=-1", "erp_customers(999999)", "nope",
            "erp_customers?$filter=customer_id div 0 eq 1", "erp_customers?$format=xml", "erp_customers?$apply=x",
            "erp_customers?$filter=" + Uri.EscapeDataString(new string('(', 1000) + "true" + new string(')', 1000)),
        };
        var tasks = Enumerable.Range(0, 80).Select(async i =>
        {
            var url = urls[i % urls.Length];
            using var response = await Fixture.Client.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, url, body);
        });
        foreach (var (status, url, body) in await Task.WhenAll(tasks))
        {
            Assert.True(status is (>= 200 and < 500) or 501, $"{url}: {status} {ODataAssert.Shorten(body)}");
        }

        Assert.Equal(2000, await Fixture.Client.GetCountAsync("erp_customers/$count"));
    }

    [Fact]
    public async Task BinaryGarbageInAStringLiteral_IsJustText()
    {
        var literal = Uri.EscapeDataString("'" + new string(Enumerable.Range(1, 31).Select(i => (char)i).ToArray()) + "\u0000\uFFFD'");
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, "erp_customers?$filter=name eq " + literal);
        using (response)
        {
            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {ODataAssert.Shorten(body)}");
            ODataAssert.AssertSingleODataVersion(response, "control characters");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                ODataAssert.AssertClientError(response, body, "control characters");
            }
        }
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresBadInputTests(PostgresFixture fixture) : BadInputTests(fixture)
{
    [Fact]
    public async Task DivisionByAColumnThatIsZero_Returns400()
    {
        var error = await Fixture.Client.GetErrorAsync("erp_customers?$filter=1 div (customer_id sub customer_id) eq 1", HttpStatusCode.BadRequest);
        Assert.Contains("division by zero", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("loans?$filter=term_months add 32767 gt 0", "smallint out of range")]
    [InlineData("erp_customers?$filter=customer_id add 2147483647 gt 0", "integer out of range")]
    [InlineData("sales_orders?$filter=substring(notes,1,-1) eq 'x'", "negative substring length")]
    public async Task AValueTheSourceCannotEvaluate_Is400_InTheServicesWords(string url, string sourceWords)
    {
        var error = await Fixture.Client.GetErrorAsync(url, HttpStatusCode.BadRequest);
        var message = error.GetProperty("message").GetString()!;
        Assert.DoesNotContain(sourceWords, message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("SourceRejectedQuery", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task NaN_IsComparedOnPostgreSql()
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, "erp_customers?$filter=customer_id eq NaN&$top=1");
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        }
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteBadInputTests(SqliteFixture fixture) : BadInputTests(fixture)
{
    [Fact]
    public async Task NaN_Is400OnSqlite_WhichHasNone()
    {
        // Was a 500: Microsoft.Data.Sqlite refuses to bind NaN.
        var error = await Fixture.Client.GetErrorAsync("erp_customers?$filter=customer_id eq NaN", HttpStatusCode.BadRequest);
        Assert.Contains("NaN", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
