using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Paging;

namespace OData.Virtualization.IntegrationTests.Caching;

/// <summary>
/// Equivalent URLs share a cache entry: option order, percent-encoding, whitespace, default values (<c>$skip=0</c>,
/// <c>$count=false</c>), how a system option's name is spelled (<c>filter</c>, <c>$FILTER</c>) and key syntax do not matter — the second spelling is a HIT with the same body — while a
/// different query is never served another's entry. (Each query here is used by no other test, so the first
/// spelling meets a cold entry.)
/// </summary>
public abstract class CacheKeyTests(ServerFixture fixture)
{
    protected ServerFixture Fixture { get; } = fixture;

    public static TheoryData<string, string, string> Equivalent => new()
    {
        { "option order", "accounts?$filter=status eq 'dormant'&$select=iban,status&$top=7", "accounts?$top=7&$select=iban,status&$filter=status eq 'dormant'" },
        { "percent-encoding", "accounts?$filter=currency eq 'CHF'&$top=7", "accounts?%24filter=currency%20eq%20%27%43HF%27&%24top=7" },
        { "whitespace in $filter", "accounts?$filter=currency eq 'USD'&$top=7&$select=iban", "accounts?$filter=currency  eq   'USD'&$top=7&$select=iban" },
        { "whitespace in $select", "accounts?$filter=currency eq 'EUR'&$top=7&$select=iban,currency", "accounts?$filter=currency eq 'EUR'&$top=7&$select=iban, currency" },
        { "$skip=0", "accounts?$filter=status eq 'closed'&$top=7", "accounts?$filter=status eq 'closed'&$top=7&$skip=0" },
        { "$count=false", "accounts?$filter=status eq 'active'&$top=7&$select=iban", "accounts?$filter=status eq 'active'&$top=7&$select=iban&$count=false" },
        { "names without $ (OData 4.01)", "accounts?$filter=status eq 'dormant' and currency eq 'USD'&$top=6&$select=iban", "accounts?filter=status eq 'dormant' and currency eq 'USD'&top=6&select=iban" },
        { "names in any case", "accounts?$filter=status eq 'closed' and currency eq 'EUR'&$top=6", "accounts?$FILTER=status eq 'closed' and currency eq 'EUR'&Top=6" },
    };

    [Theory]
    [MemberData(nameof(Equivalent))]
    public async Task EquivalentSpellings_ShareOneEntry(string difference, string first, string second)
    {
        var a = await GetAsync(first);
        Assert.True(a.Cache == "MISS", $"{difference}: the first spelling {first} met X-Cache {a.Cache}; expected a cold entry");
        var b = await GetAsync(second);
        Assert.True(b.Cache == "HIT", $"{difference}: {second} after {first} is X-Cache {b.Cache}, expected HIT");
        Assert.Equal(a.Body, b.Body);
    }

    [Fact]
    public async Task KeySyntax_ByNameOrPosition_SharesOneEntry()
    {
        var iban = (await DirectRows.ReadAsync(Fixture, Fixture.BankConnectionString,
            $"SELECT iban FROM {DirectRows.Table(Fixture, "core", "accounts")} ORDER BY iban DESC LIMIT 1", r => r.GetString(0)))[0];
        var a = await GetAsync($"accounts({ODataAssert.StringLiteral(iban)})?$select=iban,status");
        var b = await GetAsync($"accounts(iban={ODataAssert.StringLiteral(iban)})?$select=iban,status");
        Assert.Equal(("MISS", "HIT"), (a.Cache, b.Cache));
        Assert.Equal(a.Body, b.Body);
    }

    [Fact]
    public async Task ServerPagedSpellings_ShareOneEntry_AndItsLinkContinuesEitherSpelling()
    {
        const string first = "balances?$select=iban,amount&$orderby=amount desc&$filter=amount lt -1000";
        const string second = "balances?$filter=amount lt -1000&$orderby=amount desc&$select=iban,amount";
        var a = await GetAsync(first, ("Prefer", "odata.maxpagesize=50"));
        var b = await GetAsync(second, ("Prefer", "odata.maxpagesize=50"));
        Assert.Equal(("MISS", "HIT"), (a.Cache, b.Cache));
        Assert.Equal(a.Body, b.Body);
        var link = JsonDocument.Parse(b.Body).RootElement.GetProperty("@odata.nextLink").GetString()!;
        var next = await GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, next.Status);
        Assert.Equal(50, JsonDocument.Parse(next.Body).RootElement.GetProperty("value").GetArrayLength());
    }

    [Theory]
    [InlineData("accounts?$filter=status eq 'dormant'&$select=iban&$top=9", "accounts?$filter=status eq 'dormant'&$select=iban&$top=10")]
    [InlineData("accounts?$filter=status eq 'dormant'&$select=iban&$top=11", "accounts?$filter=status eq 'dormant'&$select=iban,status&$top=11")]
    [InlineData("accounts?$filter=status eq 'dormant'&$select=iban&$top=12", "accounts?$filter=status eq 'dormant'&$select=iban&$top=12&$skip=1")]
    [InlineData("accounts?$filter=status eq 'dormant'&$select=iban&$top=13", "accounts?$filter=status eq 'dormant'&$select=iban&$top=13&$count=true")]
    [InlineData("accounts?$filter=status eq 'dormant'&$select=iban&$top=14", "accounts?$filter=status eq 'dormant'&$select=iban&$top=14&$format=application/json;odata.metadata=none")]
    [InlineData("accounts?$filter=status eq 'dormant'&$select=iban&$top=15", "accounts?$filter=status eq 'Dormant'&$select=iban&$top=15")]
    public async Task DifferentQueries_NeverShareAnEntry(string first, string second)
    {
        Assert.Equal("MISS", (await GetAsync(first)).Cache);
        var b = await GetAsync(second);
        Assert.True(b.Cache == "MISS", $"{second} after {first} is X-Cache {b.Cache}, expected MISS");
    }

    /// <summary>The page after a link was minted at another $top must not come from the other $top's entry.</summary>
    [Fact]
    public async Task SamePageUnderAnotherTop_IsAnotherEntry()
    {
        var a = await GetAsync("accounts?$select=iban&$orderby=opened_on&$top=150", ("Prefer", "odata.maxpagesize=100"));
        var b = await GetAsync("accounts?$select=iban&$orderby=opened_on&$top=120", ("Prefer", "odata.maxpagesize=100"));
        Assert.Equal(("MISS", "MISS"), (a.Cache, b.Cache));
        var second = await GetAsync(JsonDocument.Parse(b.Body).RootElement.GetProperty("@odata.nextLink").GetString()!);
        Assert.Equal(20, JsonDocument.Parse(second.Body).RootElement.GetProperty("value").GetArrayLength());
    }

    private async Task<Answer> GetAsync(string url, params (string Name, string Value)[] headers)
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, url, headers);
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {body}");
            return new Answer(response.StatusCode, body, response.Headers.TryGetValues("X-Cache", out var values) ? string.Join(",", values) : string.Empty);
        }
    }

    private sealed record Answer(HttpStatusCode Status, string Body, string Cache);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresCacheKeyTests(PostgresFixture fixture) : CacheKeyTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteCacheKeyTests(SqliteFixture fixture) : CacheKeyTests(fixture);
