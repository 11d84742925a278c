using System.Text.Json;
using OData.Virtualization.IntegrationTests.Errors;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// The four defects a generic OData client met (issue 12): the count and raw values under a JSON Accept header,
/// <c>@odata.count</c> under <c>IEEE754Compatible=true</c>, invalid percent-encoding in a query option, and
/// <c>Edm.Binary</c> literals in either base64 alphabet, padded or not.
/// </summary>
public abstract class GenericClientDefectTests(ServerFixture fixture)
{
    protected ServerFixture Fixture { get; } = fixture;

    /// <summary>Accept headers that clients send to every URL, the count's included.</summary>
    public static TheoryData<string> AcceptHeaders() => new()
    {
        "application/json",
        "application/json;odata.metadata=minimal;odata.streaming=true",
        "application/json;odata.metadata=full;IEEE754Compatible=true",
        "application/json;odata.metadata=verbose",
        "application/json;odata=verbose",
        "application/json;q=0.9, text/plain;q=0.1",
        "text/plain",
        "text/*",
        "*/*",
        ODataAssert.PowerQueryAccept,
    };

    [Theory]
    [MemberData(nameof(AcceptHeaders))]
    public async Task CountPath_AnyJsonOrTextAccept_AnswersTheNumberAsTextPlain(string accept)
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, "invoices/$count?$filter=paid eq true", ("Accept", accept));
        using (response)
        {
            Assert.True(response.IsSuccessStatusCode, $"{accept}: {(int)response.StatusCode} {body}");
            Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
            Assert.True(long.TryParse(body, out var count) && count > 0, body);
        }
    }

    [Theory]
    [InlineData("json")]
    [InlineData("application/json;odata.metadata=none")]
    [InlineData("text/plain")]
    public async Task CountPath_FormatOption_AnswersTextPlain(string format)
    {
        var body = await Fixture.Client.GetTextAsync("invoices/$count?$format=" + Uri.EscapeDataString(format));
        Assert.Equal("16000", body);
    }

    [Fact]
    public async Task CountPath_AcceptWithNothingItCanProduce_Is406()
        => await Fixture.Client.GetErrorAsync("invoices/$count?$format=application/xml", System.Net.HttpStatusCode.NotAcceptable);

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData("application/json;odata.metadata=verbose")]
    public async Task ValuePath_JsonOrTextAccept_AnswersTheRawValue(string accept)
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, "invoices('INV-2023-000001')/amount/$value", ("Accept", accept));
        using (response)
        {
            Assert.True(response.IsSuccessStatusCode, $"{accept}: {(int)response.StatusCode} {body}");
            Assert.Equal("11795.29", body);
        }
    }

    [Theory]
    [InlineData("application/octet-stream")]
    [InlineData("application/json")]
    public async Task ValuePath_OfABinaryProperty_AnswersTheBytes(string accept)
    {
        var (response, _) = await Fixture.Client.SendAsync(HttpMethod.Get, "bank_customers(10000010)/photo/$value", ("Accept", accept));
        using (response)
        {
            Assert.True(response.IsSuccessStatusCode, $"{accept}: {(int)response.StatusCode}");
            Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.MediaType);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(16, bytes.Length);
        }
    }

    [Theory]
    [InlineData("invoices?$top=1&$count=true", "application/json;IEEE754Compatible=true")]
    [InlineData("invoices?$top=1&$count=true&$format=application/json;IEEE754Compatible=true", null)]
    [InlineData("invoices?$top=1&$count=true", "application/json;odata.metadata=full;IEEE754Compatible=true")]
    public async Task CollectionCount_UnderIeee754Compatible_IsAString(string url, string? accept)
    {
        var body = await Fixture.Client.GetTextAsync(url, accept);
        Assert.Contains("\"@odata.count\":\"16000\"", body, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, JsonDocument.Parse(body).RootElement.GetProperty("@odata.count").ValueKind);
    }

    [Fact]
    public async Task CollectionCount_WithoutIeee754Compatible_IsANumber()
    {
        var body = await Fixture.Client.GetTextAsync("invoices?$top=1&$count=true", "application/json;IEEE754Compatible=false");
        Assert.Contains("\"@odata.count\":16000,", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/odata/erp_customers?$filter=name%20eq%20'%ZZ'", "$filter", "%ZZ")]
    [InlineData("/odata/erp_customers?$filter=name%20eq%20'%FF%FE'", "$filter", "UTF-8")]
    [InlineData("/odata/erp_customers?$select=name&$orderby=name%2", "$orderby", "%2")]
    [InlineData("/odata/erp_customers?$search=%E0%A4", "$search", "UTF-8")]
    [InlineData("/odata/products('%FF%FE')", null, "UTF-8")]
    public async Task InvalidPercentEncoding_InAQueryOptionOrThePath_Is400SayingWhatIsWrong(string target, string? option, string named)
    {
        var server = (await Fixture.KestrelAsync()).Client.BaseAddress!;
        var response = await RawHttp.GetAsync(server, target, TimeSpan.FromSeconds(30));
        Assert.True(response.Status == 400, $"{target}: {response.Status} {response.Body}");
        Assert.Equal(["4.0"], response.Header("OData-Version"));
        var error = JsonDocument.Parse(response.Body).RootElement.GetProperty("error");
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("percent-encod", message, StringComparison.Ordinal);
        Assert.Contains(named, message, StringComparison.Ordinal);
        if (option is not null)
        {
            Assert.Equal(option, error.GetProperty("target").GetString());
        }
    }

    /// <summary>The photo of customer 10000010 (16 bytes), in each alphabet, padded or not.</summary>
    [Theory]
    [InlineData("iVBORw0KGgoyZTJhYzBlYQ")]
    [InlineData("iVBORw0KGgoyZTJhYzBlYQ%3D%3D")]
    [InlineData("iVBORw0KGgoyZTJhYzBlYQ==")]
    public async Task BinaryLiteral_InFilter_PaddedOrNot_FindsTheRow(string literal)
    {
        var rows = await Fixture.Client.GetValuesAsync("bank_customers?$select=customer_id&$filter=photo eq binary'" + literal + "'");
        Assert.Equal(10000010, rows.Single().GetProperty("customer_id").GetInt64());
    }

    /// <summary>Bytes FB FF: '-_8' in base64url, '+/8=' in standard base64; no photo has them.</summary>
    [Theory]
    [InlineData("-_8")]
    [InlineData("-_8=")]
    [InlineData("%2B%2F8")]
    [InlineData("%2B%2F8%3D")]
    public async Task BinaryLiteral_InFilter_EitherAlphabet_IsAccepted(string literal)
    {
        var rows = await Fixture.Client.GetValuesAsync("bank_customers?$select=customer_id&$filter=photo eq binary'" + literal + "' or customer_id eq 10000010");
        Assert.Equal(10000010, rows.Single().GetProperty("customer_id").GetInt64());
    }

    [Fact]
    public async Task BinaryLiteral_NotBase64_Is400()
    {
        var error = await Fixture.Client.GetErrorAsync("bank_customers?$filter=photo eq binary'a'", System.Net.HttpStatusCode.BadRequest);
        Assert.Contains("binary", error.GetProperty("message").GetString()!, StringComparison.OrdinalIgnoreCase);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresGenericClientDefectTests(PostgresFixture fixture) : GenericClientDefectTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteGenericClientDefectTests(SqliteFixture fixture) : GenericClientDefectTests(fixture);
