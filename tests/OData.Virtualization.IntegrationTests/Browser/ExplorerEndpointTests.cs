using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Security;

namespace OData.Virtualization.IntegrationTests.Browser;

/// <summary>How the explorer page is served (no browser): content types, caching, its Content-Security-Policy, and that <c>/odata/</c> is untouched.</summary>
[Collection(SqliteCollection.Name)]
public sealed class ExplorerEndpointTests(SqliteFixture fixture)
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Root_IsTheExplorerPage_WithAStrictContentSecurityPolicy()
    {
        using var response = await Client.GetAsync("/");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Contains("<title>OData Virtualization Explorer</title>", body, StringComparison.Ordinal);

        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        var directives = csp.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(d => d.Split(' ')[0], d => d, StringComparer.Ordinal);
        Assert.Equal("default-src 'self'", directives["default-src"]);
        Assert.Equal("script-src 'self'", directives["script-src"]);
        Assert.Equal("frame-ancestors 'none'", directives["frame-ancestors"]);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));

        // Nothing the policy would block: no inline script or style, nothing from another origin.
        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)", body);
        Assert.DoesNotContain("style=", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<style", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//", body);
    }

    [Theory]
    [InlineData("/explorer/explorer.js", "text/javascript")]
    [InlineData("/explorer/odata.js", "text/javascript")]
    [InlineData("/explorer/values.js", "text/javascript")]
    [InlineData("/explorer/builder.js", "text/javascript")]
    [InlineData("/explorer/dom.js", "text/javascript")]
    [InlineData("/explorer/session.js", "text/javascript")]
    [InlineData("/explorer/errors.js", "text/javascript")]
    [InlineData("/explorer/results.js", "text/javascript")]
    [InlineData("/explorer/totals.js", "text/javascript")]
    [InlineData("/explorer/chart.js", "text/javascript")]
    [InlineData("/explorer/navigate.js", "text/javascript")]
    [InlineData("/explorer/explorer.css", "text/css")]
    [InlineData("/explorer/favicon.svg", "image/svg+xml")]
    public async Task Assets_HaveTheirContentType_AndRevalidateByETag(string path, string mediaType)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Content.Headers.ContentLength > 0);
        Assert.True(response.Headers.CacheControl?.NoCache, "Cache-Control: no-cache, so that a new version is picked up at once");
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);

        using var revalidate = new HttpRequestMessage(HttpMethod.Get, path);
        revalidate.Headers.IfNoneMatch.Add(etag);
        using var notModified = await Client.SendAsync(revalidate);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using var stale = new HttpRequestMessage(HttpMethod.Get, path);
        stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"an-older-version\""));
        using var changed = await Client.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
    }

    [Fact]
    public async Task Head_AnswersWithHeadersOnly()
    {
        using var response = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/explorer/explorer.js"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/explorer/nothing.js")]
    [InlineData("/explorer/index.html")]
    [InlineData("/explorer/..%2Fappsettings.json")]
    [InlineData("/explorer/")]
    public async Task UnknownAssets_Are404(string path)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task ODataRoot_StillServesTheServiceDocument()
    {
        var json = await Client.GetJsonAsync("/odata/");
        Assert.Contains(json.GetProperty("value").EnumerateArray(), s => s.GetProperty("name").GetString() == "transactions");
        var metadata = await Client.GetJsonAsync("/odata/$metadata?$format=json");
        Assert.True(metadata.TryGetProperty("$EntityContainer", out _));
    }

    [Fact]
    public async Task Sources_ListEachSetUnderItsSource()
    {
        using var response = await Client.GetAsync("/explorer/sources");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var sets = json.RootElement.GetProperty("sources").EnumerateArray()
            .SelectMany(s => s.GetProperty("entitySets").EnumerateArray().Select(e => (Source: s.GetProperty("name").GetString(), Set: e.GetProperty("name").GetString(), Kind: e.GetProperty("kind").GetString())))
            .ToList();
        Assert.Contains(("bank", "transactions", "table"), sets);
        Assert.Contains(("erp", "order_summaries", "view"), sets);

        var published = (await Client.GetJsonAsync("/odata/")).GetProperty("value").EnumerateArray().Select(s => s.GetProperty("name").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(published, sets.Select(s => s.Set).Order(StringComparer.Ordinal));

        // The demo accepts no credentials: the page offers none.
        Assert.Empty(json.RootElement.GetProperty("signIn").EnumerateArray());
        Assert.False(json.RootElement.TryGetProperty("apiKeyHeader", out _));
    }

    [Fact]
    public async Task Sources_NeedTheSameCredentialsAsTheService_ThePageDoesNot()
    {
        var key = SecretHasher.NewApiKey().Key;
        await using var factory = await fixture.StartAnotherAsync(settings =>
        {
            settings["OData:Security:AllowAnonymous"] = "false";
            settings["OData:Security:ApiKeys:explorer:KeyHash"] = SecretHasher.HashApiKey(key);
        });
        using var client = factory.CreateClient();

        using (var page = await client.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        using (var anonymous = await client.GetAsync("/explorer/sources"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Contains(anonymous.Headers.WwwAuthenticate, c => c.Scheme == "ApiKey");
            using var error = JsonDocument.Parse(await anonymous.Content.ReadAsStringAsync());
            Assert.Equal("Unauthorized", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/explorer/sources");
        request.Headers.Add("X-API-Key", key);
        using var admitted = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);

        // The ways to sign in, as the 401's challenge names them: here an API key, in its header.
        using var json = JsonDocument.Parse(await admitted.Content.ReadAsStringAsync());
        Assert.Equal(["apikey"], json.RootElement.GetProperty("signIn").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("X-API-Key", json.RootElement.GetProperty("apiKeyHeader").GetString());
    }
}
