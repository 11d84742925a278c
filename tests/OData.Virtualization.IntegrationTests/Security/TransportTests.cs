using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// The transport middleware of the real host (Program.cs): browser-safety headers on every response, links built
/// from a known proxy's X-Forwarded-Proto/-Host but not from anyone else's, links built from
/// <c>OData:Transport:PublicBaseUrl</c> alone when it is set, and ASP.NET Core's host filtering (<c>AllowedHosts</c>).
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

    [Fact]
    public async Task PublicBaseUrl_Set_NoLinkEverNamesTheRequestsHost_NorAForwardedOne()
    {
        const string publicBase = "https://odata.example.com/gateway";
        // A known proxy too: even its X-Forwarded-Host does not move the links off the configured URL.
        await using var server = await fixture.StartAnotherAsync(s =>
        {
            s["OData:Transport:PublicBaseUrl"] = publicBase + "/";
            s["OData:Transport:KnownProxies:0"] = "127.0.0.1";
        });
        using var client = StartKestrel(server);
        var bodies = new List<string>();

        async Task<JsonElement> GetAsync(string path, string? prefer = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = "evil.example";
            request.Headers.Add("X-Forwarded-Host", "evil-forwarded.example");
            request.Headers.Add("X-Forwarded-Proto", "http");
            if (prefer is not null)
            {
                request.Headers.Add("Prefer", prefer);
            }

            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {ODataAssert.Shorten(body)}");
            bodies.Add(body);
            return JsonDocument.Parse(body).RootElement.Clone();
        }

        var service = await GetAsync("/odata/");
        Assert.Equal(publicBase + "/odata/$metadata", service.GetProperty("@odata.context").GetString());

        var page = await GetAsync("/odata/erp_customers?$select=customer_id&$orderby=customer_id", "odata.maxpagesize=2");
        Assert.Equal(publicBase + "/odata/$metadata#erp_customers(customer_id)", page.GetProperty("@odata.context").GetString());
        var nextLink = page.GetProperty("@odata.nextLink").GetString()!;
        Assert.StartsWith(publicBase + "/odata/erp_customers?", nextLink, StringComparison.Ordinal);

        // The link continues where the proxy sends it: the same target under the server's own root.
        var next = await GetAsync(nextLink[publicBase.Length..], "odata.maxpagesize=2");
        Assert.StartsWith(publicBase + "/odata/$metadata#erp_customers", next.GetProperty("@odata.context").GetString(), StringComparison.Ordinal);
        Assert.StartsWith(publicBase + "/odata/erp_customers?", next.GetProperty("@odata.nextLink").GetString(), StringComparison.Ordinal);
        var firstKeys = page.GetProperty("value").EnumerateArray().Select(r => r.GetProperty("customer_id").GetInt64()).ToList();
        var nextKeys = next.GetProperty("value").EnumerateArray().Select(r => r.GetProperty("customer_id").GetInt64()).ToList();
        Assert.True(nextKeys.Min() > firstKeys.Max(), "the next page continues after the first");

        var key = firstKeys[0];
        var entity = await GetAsync($"/odata/erp_customers({key})?$select=customer_id");
        Assert.StartsWith(publicBase + "/odata/$metadata#erp_customers", entity.GetProperty("@odata.context").GetString(), StringComparison.Ordinal);

        var salesforce = await GetAsync("/salesforce/");
        Assert.Equal(publicBase + "/salesforce/$metadata", salesforce.GetProperty("@odata.context").GetString());
        var set = salesforce.GetProperty("value")[0].GetProperty("url").GetString()!;
        var profilePage = await GetAsync($"/salesforce/{set}?$top=3", "odata.maxpagesize=2");
        Assert.StartsWith(publicBase + "/salesforce/$metadata#", profilePage.GetProperty("@odata.context").GetString(), StringComparison.Ordinal);
        Assert.StartsWith(publicBase + "/salesforce/", profilePage.GetProperty("@odata.nextLink").GetString(), StringComparison.Ordinal);

        Assert.All(bodies, body => Assert.DoesNotContain("evil", body, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task AllowedHosts_Set_AnotherHostIs400_TheAllowedOneIsServed()
    {
        // ASP.NET Core's host filtering, which WebApplication.CreateBuilder adds and AllowedHosts configures
        // (appsettings.json has "*": every host).
        await using var server = await fixture.StartAnotherAsync(s => s["AllowedHosts"] = "odata.example.com");
        using var client = StartKestrel(server);
        foreach (var (host, expected) in new[] { ("evil.example", HttpStatusCode.BadRequest), ("odata.example.com", HttpStatusCode.OK), ("ODATA.example.com:8443", HttpStatusCode.OK) })
        {
            foreach (var path in new[] { "/odata/", "/odata/erp_customers?$top=1&$select=customer_id", "/salesforce/" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Host = host;
                using var response = await client.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == expected, $"Host {host}, GET {path}: {(int)response.StatusCode} {ODataAssert.Shorten(body)}");
                Assert.DoesNotContain("evil", body, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    /// <summary>Real Kestrel, so that the Host header the client sends is the one the server reads.</summary>
    private static HttpClient StartKestrel(WebApplicationFactory<Program> server)
    {
        server.UseKestrel(0);
        server.StartServer();
        var client = server.CreateClient();
        client.BaseAddress = new Uri(client.BaseAddress!.ToString().Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        return client;
    }
}
