using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Caching;

/// <summary>
/// Freshness on the server's clock (a <see cref="FakeTimeProvider"/>, no sleeping): a change in the source is not
/// served before the entity set's TTL ends and is served as soon as it has; counts are cached like pages; ETags
/// answer <c>If-None-Match</c> with 304 and <c>Cache-Control: max-age</c> counts the TTL down. The rows change in a
/// database of this test's own (<c>cache_freshness</c>), never in the seed.
/// </summary>
public sealed class CacheFreshnessTests : IAsyncLifetime
{
    /// <summary>The entity set's own TTL (the default is set far longer, so that the per-set setting is what counts).</summary>
    private static readonly TimeSpan s_ttl = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private ScratchDatabase _database = null!;
    private InProcessServer _server = null!;

    public async Task InitializeAsync()
    {
        _database = await ScratchDatabase.CreateAsync("cache_freshness", """
            CREATE TABLE prices (id integer PRIMARY KEY, price numeric(10,2) NOT NULL, note text);
            INSERT INTO prices SELECT i, i * 10, 'note ' || i FROM generate_series(1, 10) AS i;
            CREATE TABLE catalogue (id integer PRIMARY KEY, name text NOT NULL);
            INSERT INTO catalogue SELECT i, 'item ' || i FROM generate_series(1, 10) AS i;
            CREATE TABLE live (id integer PRIMARY KEY, amount integer NOT NULL);
            INSERT INTO live SELECT i, i FROM generate_series(1, 10) AS i;
            """);
        var settings = InProcessServer.PostgresSettings("fresh", _database.ConnectionString);
        settings["OData:Cache:DefaultTtlSeconds"] = "300";
        settings["OData:Sources:fresh:EntitySets:public.prices:CacheTtlSeconds"] = ((int)s_ttl.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["OData:Sources:fresh:EntitySets:public.catalogue:CacheTtlSeconds"] = "30";
        settings["OData:Sources:fresh:EntitySets:public.live:CacheTtlSeconds"] = "0";
        _server = InProcessServer.Start(settings, _clock);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task CachingOff_TheSameRequestAgain_ReadsTheSourceAgain()
    {
        // A repeated request skips parsing and planning (the plan is remembered), never the source: with a TTL of 0
        // every answer is read now, for pages, entities and counts alike.
        var urls = new[] { "live?$filter=amount ge 3&$orderby=amount desc&$top=2&$count=true", "live(3)", "live/$count?$filter=amount ge 3" };
        var before = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var url in urls)
        {
            var first = await GetAsync(url);
            Assert.Equal("BYPASS", first.Cache);
            Assert.Equal(first.Body, (await GetAsync(url)).Body);
            before[url] = first.Body;
        }

        await _database.ExecuteAsync("UPDATE live SET amount = 100 + id WHERE id IN (3, 10); DELETE FROM live WHERE id = 4");

        var page = JsonDocument.Parse((await GetAsync(urls[0])).Body).RootElement;
        Assert.Equal(7, page.GetProperty("@odata.count").GetInt32());
        Assert.Equal([110, 103], page.GetProperty("value").EnumerateArray().Select(r => r.GetProperty("amount").GetInt32()));
        Assert.Equal(103, JsonDocument.Parse((await GetAsync(urls[1])).Body).RootElement.GetProperty("amount").GetInt32());
        Assert.Equal("7", (await GetAsync(urls[2])).Body);
    }

    [Fact]
    public async Task ChangedRow_IsNotServedBeforeTheTtlEnds_AndIsServedWhenItHas()
    {
        var urls = new[] { "prices(3)", "prices(3)/price", "prices?$filter=id le 5&$select=id,price", "prices?$top=3&$count=true" };
        foreach (var url in urls)
        {
            Assert.Equal("MISS", (await GetAsync(url)).Cache);
        }

        var before = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var url in urls)
        {
            before[url] = (await GetAsync(url)).Body;
        }

        await _database.ExecuteAsync("UPDATE prices SET price = 31.5 WHERE id = 3");

        // Just before the TTL ends: every response is still the cached one.
        _clock.Advance(s_ttl - TimeSpan.FromMilliseconds(1));
        foreach (var url in urls)
        {
            var cached = await GetAsync(url);
            Assert.True(cached.Cache == "HIT", $"{url}: X-Cache {cached.Cache} before the TTL ended");
            Assert.Equal(before[url], cached.Body);
        }

        // The TTL has ended: the next request reads the source (well within TTL + 1 s).
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        foreach (var url in urls)
        {
            var fresh = await GetAsync(url);
            Assert.True(fresh.Cache == "MISS", $"{url}: X-Cache {fresh.Cache} once the TTL ended");
            Assert.NotEqual(before[url], fresh.Body);
        }

        Assert.Equal(31.5m, JsonDocument.Parse((await GetAsync("prices(3)")).Body).RootElement.GetProperty("price").GetDecimal());
        Assert.Equal(31.5m, JsonDocument.Parse((await GetAsync("prices(3)/price")).Body).RootElement.GetProperty("value").GetDecimal());
    }

    [Fact]
    public async Task Counts_AreCachedLikePages()
    {
        const string count = "catalogue/$count";
        const string inline = "catalogue?$count=true&$top=2&$select=id";
        var first = await GetAsync(count);
        Assert.Equal(("MISS", "10"), (first.Cache, first.Body));
        Assert.Equal("MISS", (await GetAsync(inline)).Cache);
        var statements = _server.Statistics.Statements;

        await _database.ExecuteAsync("INSERT INTO catalogue VALUES (11, 'item 11'), (12, 'item 12')");
        _clock.Advance(TimeSpan.FromSeconds(29));
        var cachedCount = await GetAsync(count);
        Assert.Equal(("HIT", "10"), (cachedCount.Cache, cachedCount.Body));
        var cachedInline = await GetAsync(inline);
        Assert.Equal("HIT", cachedInline.Cache);
        Assert.Equal(10, JsonDocument.Parse(cachedInline.Body).RootElement.GetProperty("@odata.count").GetInt64());
        Assert.Equal(statements, _server.Statistics.Statements);

        _clock.Advance(TimeSpan.FromSeconds(1));
        var freshCount = await GetAsync(count);
        Assert.Equal(("MISS", "12"), (freshCount.Cache, freshCount.Body));
        var freshInline = await GetAsync(inline);
        Assert.Equal("MISS", freshInline.Cache);
        Assert.Equal(12, JsonDocument.Parse(freshInline.Body).RootElement.GetProperty("@odata.count").GetInt64());
    }

    [Theory]
    [InlineData("catalogue?$orderby=name desc&$top=4")]
    [InlineData("catalogue(4)")]
    [InlineData("catalogue/$count?$filter=id gt 2")]
    public async Task ETag_AnswersIfNoneMatchWith304_AndMaxAgeCountsDownTheTtl(string url)
    {
        var first = await GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("MISS", first.Cache);
        Assert.Equal("private, max-age=30", first.CacheControl);
        Assert.Equal("0", first.Age);
        var etag = first.ETag;
        Assert.Matches("^\"[A-Za-z0-9_-]+\"$", etag);

        _clock.Advance(TimeSpan.FromSeconds(12));
        var notModified = await GetAsync(url, ("If-None-Match", etag));
        Assert.Equal(HttpStatusCode.NotModified, notModified.Status);
        Assert.Equal(string.Empty, notModified.Body);
        Assert.Equal(etag, notModified.ETag);
        Assert.Equal("private, max-age=18", notModified.CacheControl);
        Assert.Equal("12", notModified.Age);

        // Another tag, or a list that holds it, or any.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(url, ("If-None-Match", "\"something-else\""))).Status);
        Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(url, ("If-None-Match", "\"something-else\", " + etag))).Status);
        Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(url, ("If-None-Match", "*"))).Status);

        _clock.Advance(TimeSpan.FromSeconds(17));
        var late = await GetAsync(url);
        Assert.Equal(("HIT", "private, max-age=1", "29"), (late.Cache, late.CacheControl, late.Age));
        Assert.Equal(first.Body, late.Body);

        // Past the TTL the entry is refreshed; the rows did not change, so the tag did not either.
        _clock.Advance(TimeSpan.FromSeconds(2));
        var refreshed = await GetAsync(url, ("If-None-Match", etag));
        Assert.Equal((HttpStatusCode.NotModified, "MISS", "private, max-age=30"), (refreshed.Status, refreshed.Cache, refreshed.CacheControl));
        Assert.Equal(etag, refreshed.ETag);
    }

    [Fact]
    public async Task ETag_ChangesWithTheRows()
    {
        var first = await GetAsync("prices(7)");
        await _database.ExecuteAsync("UPDATE prices SET note = 'changed' WHERE id = 7");
        _clock.Advance(s_ttl);
        var changed = await GetAsync("prices(7)", ("If-None-Match", first.ETag));
        Assert.Equal(HttpStatusCode.OK, changed.Status);
        Assert.NotEqual(first.ETag, changed.ETag);
        Assert.Contains("changed", changed.Body, StringComparison.Ordinal);
    }

    private async Task<Answer> GetAsync(string url, params (string Name, string Value)[] headers)
    {
        var (response, body) = await _server.Client.SendAsync(HttpMethod.Get, url, headers);
        using (response)
        {
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotModified, $"GET {url}: {(int)response.StatusCode} {body}");
            return new Answer(
                response.StatusCode,
                body,
                Header(response, "X-Cache"),
                Header(response, "Cache-Control"),
                Header(response, "Age"),
                response.Headers.ETag?.ToString() ?? string.Empty);
        }

        static string Header(HttpResponseMessage response, string name)
            => response.Headers.NonValidated.TryGetValues(name, out var values) ? string.Join(",", values) : string.Empty;
    }

    private sealed record Answer(HttpStatusCode Status, string Body, string Cache, string CacheControl, string Age, string ETag);
}
