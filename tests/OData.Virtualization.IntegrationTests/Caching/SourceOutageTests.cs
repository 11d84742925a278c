using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Caching;

/// <summary>
/// A real PostgreSQL of this test's own is stopped and started again: while it is down, cached entries are served
/// stale (<c>X-Cache: STALE</c>) within the staleness window, then the answer is a 503 OData error; when it is back,
/// the server recovers by itself. The cache's clock is a <see cref="FakeTimeProvider"/>; only the circuit breaker's
/// break (real time, 10 s) is waited out, by a bounded poll.
/// </summary>
public sealed class SourceOutageTests
{
    private const int TtlSeconds = 5;
    private const int MaxStalenessSeconds = 60;

    [Fact]
    public async Task SourceStopped_ServesStaleWithinTheWindow_Then503_AndRecoversWhenTheSourceReturns()
    {
        await using var source = await PostgresCluster.StartAsync();
        await source.ExecuteAsync("postgres", "CREATE DATABASE outage");
        await source.ExecuteAsync("outage", """
            CREATE TABLE rates (code char(3) PRIMARY KEY, rate numeric(12,6) NOT NULL);
            INSERT INTO rates VALUES ('CHF', 0.94), ('EUR', 1), ('USD', 1.08);
            """);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = InProcessServer.PostgresSettings("fx", source.ConnectionString("outage"));
        settings["OData:Cache:DefaultTtlSeconds"] = TtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["OData:Cache:MaxStalenessSeconds"] = MaxStalenessSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["OData:Sources:fx:ConnectTimeoutSeconds"] = "2";
        await using var server = InProcessServer.Start(settings, clock);

        var urls = new[] { "rates?$orderby=code", "rates('EUR')", "rates/$count" };
        var good = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var url in urls)
        {
            var (status, cache, body) = await GetAsync(server, url);
            Assert.Equal((HttpStatusCode.OK, "MISS"), (status, cache));
            good[url] = body;
        }

        await source.StopAsync();

        // Within the TTL nothing asks the source.
        foreach (var url in urls)
        {
            var (status, cache, body) = await GetAsync(server, url);
            Assert.Equal((HttpStatusCode.OK, "HIT", good[url]), (status, cache, body));
        }

        // Past the TTL, within the staleness window: the last good response, marked stale.
        clock.Advance(TimeSpan.FromSeconds(TtlSeconds + 1));
        foreach (var url in urls)
        {
            var (status, cache, body) = await GetAsync(server, url);
            Assert.True(status == HttpStatusCode.OK && cache == "STALE", $"{url}: {(int)status} X-Cache {cache} while the source is down within the staleness window: {body}");
            Assert.Equal(good[url], body);
        }

        clock.Advance(TimeSpan.FromSeconds(MaxStalenessSeconds - 2));
        Assert.Equal("STALE", (await GetAsync(server, urls[0])).Cache);

        // Past the staleness window: a 503 OData error.
        clock.Advance(TimeSpan.FromSeconds(2));
        foreach (var url in urls)
        {
            var (response, body) = await server.Client.SendAsync(HttpMethod.Get, url);
            using (response)
            {
                var error = ODataAssert.AssertError(response, body, HttpStatusCode.ServiceUnavailable, "GET " + url + " (source down, past the staleness window)");
                Assert.Equal("SourceUnavailable", error.GetProperty("code").GetString());
                Assert.True(response.Headers.Contains("Retry-After"), $"{url}: a 503 without Retry-After");
            }
        }

        // The source returns: the server recovers by itself (after the circuit breaker's break, real time).
        await source.StartAgainAsync();
        var waited = Stopwatch.StartNew();
        var recovered = false;
        var last = string.Empty;
        while (!recovered && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            var (status, cache, body) = await GetAsync(server, urls[0]);
            recovered = status == HttpStatusCode.OK && cache == "MISS";
            last = $"{(int)status} {cache} {ODataAssert.Shorten(body)}";
            if (!recovered)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
                await Task.Delay(250);
            }
        }

        Assert.True(recovered, $"the server did not recover within 20 s of the source's return; last answer: {last}");
        Assert.Equal(good[urls[0]], (await GetAsync(server, urls[0])).Body);
        foreach (var url in urls.Skip(1))
        {
            var (status, cache, body) = await GetAsync(server, url);
            Assert.Equal((HttpStatusCode.OK, "MISS", good[url]), (status, cache, body));
        }
    }

    private static async Task<(HttpStatusCode Status, string Cache, string Body)> GetAsync(InProcessServer server, string url)
    {
        var (response, body) = await server.Client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            return (response.StatusCode, response.Headers.TryGetValues("X-Cache", out var values) ? string.Join(",", values) : string.Empty, body);
        }
    }
}
