using System.Net;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Caching;

/// <summary>
/// Concurrent identical requests on a cold cache run the SQL once (single flight), counted at the source by the
/// server's own statement counter.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SingleFlightTests(PostgresFixture fixture)
{
    [Theory]
    [InlineData("transactions?$filter=contains(reference,'no such reference')&$select=transaction_id,reference")]
    [InlineData("transactions/$count?$filter=contains(reference,'no such reference either')")]
    public async Task SixtyFourConcurrentIdenticalRequests_OnAColdCache_RunOneStatement(string url)
    {
        // A server of its own: nobody else's requests move its counters. The query scans 1,000,000 rows (a few
        // hundred milliseconds), so the 64 requests all arrive while the first one's statement runs.
        // Without the per-principal concurrency limit (8 at once), which would answer most of the 64 with 429.
        await using var server = await fixture.StartAnotherAsync(settings =>
        {
            settings["OData:Limits:ConcurrentRequests"] = "0";
            settings["OData:Limits:RequestsPerMinute"] = "0";
        });
        await server.Client.GetJsonAsync("");
        var statements = server.Statistics.Statements;
        var misses = server.Statistics.Misses;

        var responses = await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            using var response = await server.Client.GetAsync(url);
            var cache = response.Headers.TryGetValues("X-Cache", out var values) ? string.Join(",", values) : "(none)";
            return (response.StatusCode, Cache: cache, Body: await response.Content.ReadAsByteArrayAsync());
        }));

        Assert.All(responses, r => Assert.True(r.StatusCode == HttpStatusCode.OK, $"{(int)r.StatusCode}: {System.Text.Encoding.UTF8.GetString(r.Body)}"));
        Assert.Equal(1, server.Statistics.Statements - statements);
        Assert.Equal(1, server.Statistics.Misses - misses);
        Assert.All(responses, r => Assert.Equal(responses[0].Body, r.Body));
        Assert.Equal(1, responses.Count(r => r.Cache == "MISS"));
        Assert.All(responses, r => Assert.Contains(r.Cache, new[] { "MISS", "JOINED", "HIT" }));
        Assert.True(responses.Count(r => r.Cache == "JOINED") > 0, $"no request waited for the first one's statement ({string.Join(",", responses.Select(r => r.Cache))}): they did not overlap, so single flight was not exercised");

        // And afterwards the entry answers without the source.
        using var again = await server.Client.GetAsync(url);
        Assert.Equal("HIT", string.Join(",", again.Headers.GetValues("X-Cache")));
        Assert.Equal(1, server.Statistics.Statements - statements);
    }
}
