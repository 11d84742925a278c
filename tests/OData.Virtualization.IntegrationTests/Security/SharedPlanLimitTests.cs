using System.Net;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Security;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// Two callers who see the same sets (the same rules) but have different limits must never share a remembered plan
/// or a remembered cache key: the plan of the caller allowed <c>$top=500</c> would otherwise answer the caller allowed
/// 10 (found in review; reproduced against a running server before the fix).
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class SharedPlanLimitTests(SqliteFixture fixture)
{
    private const string SmallKey = "odv_small-key-for-the-plan-memo-test";
    private const string BigKey = "odv_big-key-for-the-plan-memo-test";

    [Theory]
    [InlineData("0", "/odata/transactions?$top=500&$select=transaction_id")]
    [InlineData("30", "/odata/transactions?$top=500&$select=transaction_id")]
    [InlineData("0", "/salesforce/transactions?$top=300&$select=transaction_id")]
    public async Task ACallerWithASmallerMaxTop_IsHeldToIt_AfterACallerWithALargerOne(string ttlSeconds, string url)
    {
        await using var server = await fixture.StartAnotherAsync(s =>
        {
            s["OData:Security:AllowAnonymous"] = "false";
            s["OData:Cache:DefaultTtlSeconds"] = ttlSeconds;
            s["OData:Limits:MaxTop"] = "10";
            s["OData:Security:ApiKeys:small:KeyHash"] = SecretHasher.HashApiKey(SmallKey);
            s["OData:Security:ApiKeys:big:KeyHash"] = SecretHasher.HashApiKey(BigKey);
            s["OData:Security:Policies:0:Name"] = "readers";
            s["OData:Security:Policies:0:Principals:0"] = "small";
            s["OData:Security:Policies:0:Principals:1"] = "big";
            s["OData:Security:Policies:0:EntitySets:*:RowFilter"] = string.Empty;
            s["OData:Security:Policies:1:Name"] = "bulk";
            s["OData:Security:Policies:1:Principals:0"] = "big";
            s["OData:Security:Policies:1:EntitySets:*:RowFilter"] = string.Empty;
            s["OData:Security:Policies:1:Limits:MaxTop"] = "100000";
        });
        using var small = server.CreateClient();
        small.DefaultRequestHeaders.Add("X-API-Key", SmallKey);
        using var big = server.CreateClient();
        big.DefaultRequestHeaders.Add("X-API-Key", BigKey);

        Assert.Equal(HttpStatusCode.BadRequest, (await small.GetAsync(url)).StatusCode);
        for (var i = 0; i < 2; i++)
        {
            using var allowed = await big.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        // The same URL again from the small caller: planned (and cached) for the big one, still refused for it.
        using var again = await small.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("LimitExceeded", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
