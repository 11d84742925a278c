using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Caching;

/// <summary>
/// The memory level is bounded (<c>SizeLimitMegabytes</c>), least recently used out first, but continuation pages go
/// before anything else: a Power BI walk requests each once, and must not push out the first pages that Salesforce's
/// list views and record pages keep repeating.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CacheEvictionTests(PostgresFixture fixture)
{
    private const string ListView = "transactions?$filter=amount gt 9000&$select=transaction_id,amount&$top=5";

    [Fact]
    public async Task AWalkPastTheSizeLimit_EvictsItsOwnContinuationPages_NotAFirstPageSeenBefore()
    {
        await using var server = await fixture.StartAnotherAsync(settings =>
        {
            settings["OData:Cache:SizeLimitMegabytes"] = "1";
            settings["OData:Cache:DefaultTtlSeconds"] = "300";
            settings["OData:Paging:DefaultPageSize"] = "500";
        });

        Assert.Equal("MISS", await CacheOutcomeAsync(server, ListView));
        Assert.Equal("HIT", await CacheOutcomeAsync(server, ListView));

        // 60 pages of 500 rows, about 2.5 MB in all: the cache fills and compacts several times during the walk.
        var next = "transactions?$select=transaction_id,iban,booked_at,amount,reference";
        var outcomes = new List<string>();
        for (var page = 0; page < 60; page++)
        {
            using var response = await server.Client.GetAsync(next);
            response.EnsureSuccessStatusCode();
            outcomes.Add(string.Join(",", response.Headers.GetValues("X-Cache")));
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            next = body.RootElement.GetProperty("@odata.nextLink").GetString()!;
        }

        Assert.All(outcomes, o => Assert.Equal("MISS", o));

        // The first page the list view repeats is still there; the walk's pages were the ones to go.
        Assert.Equal("HIT", await CacheOutcomeAsync(server, ListView));
    }

    private static async Task<string> CacheOutcomeAsync(InProcessServer server, string url)
    {
        using var response = await server.Client.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return string.Join(",", response.Headers.GetValues("X-Cache"));
    }
}
