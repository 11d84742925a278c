using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// The transport middleware of the real host (Program.cs): browser-safety headers on every response, and links built
/// from a known proxy's X-Forwarded-Proto/-Host but not from anyone else's.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class TransportTests(SqliteFixture fixture)
{
    [Theory]
    [InlineData("/odata/")]
    [InlineData("/odata/erp_customers?$top=1")]
    [InlineData("/odata/nothing_here")]
    [InlineData("/health/live")]
    public async Task EveryResponse_CarriesTheBrowserSafetyHeaders(string path)
    {
        using var response = await fixture.Client.GetAsync(path);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task ForwardedHeaders_FromAKnownProxy_MakeTheLinks_FromAnyoneElse_AreIgnored()
    {
        // Real Kestrel, so that the request comes from 127.0.0.1: the known-proxy list is what decides.
        await using var trusting = await fixture.StartAnotherAsync(s => s["OData:Transport:KnownProxies:0"] = "127.0.0.1");
        await using var trustingNetwork = await fixture.StartAnotherAsync(s => s["OData:Transport:KnownNetworks:0"] = "127.0.0.0/8");
        await using var otherNetwork = await fixture.StartAnotherAsync(s => s["OData:Transport:KnownNetworks:0"] = "10.244.0.0/16");
        await using var distrusting = await fixture.StartAnotherAsync(_ => { });
        foreach (var (server, expected) in new[] { (trusting, "https://odata.example.com/odata/"), (trustingNetwork, "https://odata.example.com/odata/"), (otherNetwork, "http://127.0.0.1:"), (distrusting, "http://127.0.0.1:") })
        {
            server.StartKestrel();
            using var client = server.CreateClient();
            client.BaseAddress = new Uri(client.BaseAddress!.ToString().Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
            using var request = new HttpRequestMessage(HttpMethod.Get, "/odata/erp_customers?$top=1&$select=customer_id");
            request.Headers.Add("X-Forwarded-Proto", "https");
            request.Headers.Add("X-Forwarded-Host", "odata.example.com");
            request.Headers.Add("X-Forwarded-For", "203.0.113.9");
            using var response = await client.SendAsync(request);
            var context = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("@odata.context").GetString();
            Assert.StartsWith(expected, context, StringComparison.Ordinal);
        }
    }
}
