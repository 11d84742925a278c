using System.Net;
using System.Text.RegularExpressions;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Paging;

namespace OData.Virtualization.IntegrationTests.Caching;

/// <summary>
/// Every response carries one well-formed <c>Server-Timing</c> header (parse, cache, sql, serialize, total): pages,
/// entities, properties, raw values, counts, 304s, errors, and the service's documents.
/// </summary>
public abstract partial class ServerTimingTests(ServerFixture fixture)
{
    protected ServerFixture Fixture { get; } = fixture;

    [Theory]
    [InlineData("page", "accounts?$top=3&$select=iban&$filter=currency eq 'CHF' and status eq 'active'", 200)]
    [InlineData("server-paged page", "accounts?$select=iban,status&$orderby=opened_on", 200)]
    [InlineData("entity", "accounts({iban})", 200)]
    [InlineData("property", "accounts({iban})/currency", 200)]
    [InlineData("raw value", "accounts({iban})/currency/$value", 200)]
    [InlineData("count", "accounts/$count?$filter=status eq 'closed'", 200)]
    [InlineData("service document", "", 200)]
    [InlineData("metadata", "$metadata", 200)]
    [InlineData("bad request", "accounts?$filter=no_such_property eq 1", 400)]
    [InlineData("not found (set)", "no_such_set", 404)]
    [InlineData("not found (key)", "accounts('XX00NOSUCHACCOUNT')", 404)]
    [InlineData("bad skiptoken", "accounts?$skiptoken=forged.token", 400)]
    public async Task EveryResponseKind_HasServerTiming(string kind, string url, int status)
    {
        url = url.Replace("{iban}", ODataAssert.StringLiteral(await IbanAsync()), StringComparison.Ordinal);
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            Assert.True(status == (int)response.StatusCode, $"{kind}: GET {url} answered {(int)response.StatusCode}: {ODataAssert.Shorten(body)}");
            var timing = AssertServerTiming(response, kind);
            if (status == 200 && kind is not ("service document" or "metadata"))
            {
                Assert.Matches("cache;dur=[0-9.]+;desc=\"(MISS|HIT|JOINED)\"", timing);
            }
        }
    }

    [Fact]
    public async Task MissAndHit_ShowWhereTheTimeWent()
    {
        var url = "accounts?$top=5&$select=iban&$filter=status eq 'dormant' and currency eq 'USD'&$orderby=opened_on desc";
        var (miss, _) = await Fixture.Client.SendAsync(HttpMethod.Get, url);
        using (miss)
        {
            var timing = AssertServerTiming(miss, "miss");
            foreach (var part in new[] { "parse;dur=", "cache;dur=", ";desc=\"MISS\"", "sql;dur=", "serialize;dur=", "total;dur=" })
            {
                Assert.Contains(part, timing, StringComparison.Ordinal);
            }
        }

        var (hit, _) = await Fixture.Client.SendAsync(HttpMethod.Get, url);
        using (hit)
        {
            var timing = AssertServerTiming(hit, "hit");
            Assert.Contains(";desc=\"HIT\"", timing, StringComparison.Ordinal);
            Assert.DoesNotContain("sql;dur=", timing, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NotModified_AndHead_HaveServerTiming()
    {
        const string url = "accounts?$top=2&$select=iban,opened_on&$orderby=opened_on";
        string etag;
        var (first, _) = await Fixture.Client.SendAsync(HttpMethod.Get, url);
        using (first)
        {
            etag = first.Headers.ETag!.ToString();
        }

        var (notModified, _) = await Fixture.Client.SendAsync(HttpMethod.Get, url, ("If-None-Match", etag));
        using (notModified)
        {
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            AssertServerTiming(notModified, "304");
        }

        var (head, _) = await Fixture.Client.SendAsync(HttpMethod.Head, url);
        using (head)
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            AssertServerTiming(head, "HEAD");
        }

        var (post, _) = await Fixture.Client.SendAsync(HttpMethod.Post, "accounts");
        using (post)
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
            AssertServerTiming(post, "405");
        }
    }

    [Theory]
    [InlineData("OData:Paging:MaxPageSize", "0")]
    [InlineData("OData:Cache:DefaultTtlSeconds", "0")]
    public async Task StreamedResponse_HasServerTiming(string setting, string value)
    {
        // Server paging off, or caching off: the rows stream straight from the reader, uncached.
        await using var server = await Fixture.StartAnotherAsync(settings => settings[setting] = value);
        var (response, body) = await server.Client.SendAsync(HttpMethod.Get, "accounts?$select=iban&$filter=status eq 'dormant'");
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            Assert.Equal("BYPASS", string.Join(",", response.Headers.GetValues("X-Cache")));
            var timing = AssertServerTiming(response, "streamed");
            Assert.Contains("sql;dur=", timing, StringComparison.Ordinal);
        }
    }

    private async Task<string> IbanAsync()
        => (await DirectRows.ReadAsync(Fixture, Fixture.BankConnectionString,
            $"SELECT iban FROM {DirectRows.Table(Fixture, "core", "accounts")} ORDER BY iban LIMIT 1 OFFSET 17", r => r.GetString(0)))[0];

    private static string AssertServerTiming(HttpResponseMessage response, string kind)
    {
        Assert.True(response.Headers.TryGetValues("Server-Timing", out var values), $"{kind}: no Server-Timing header ({(int)response.StatusCode})");
        var timing = Assert.Single(values!);
        Assert.Matches(WellFormed(), timing);
        Assert.Contains("total;dur=", timing, StringComparison.Ordinal);
        return timing;
    }

    [GeneratedRegex("""^[a-z]+;dur=\d+(\.\d+)?(;desc="[A-Z]+")?(, [a-z]+;dur=\d+(\.\d+)?(;desc="[A-Z]+")?)*$""")]
    private static partial Regex WellFormed();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresServerTimingTests(PostgresFixture fixture) : ServerTimingTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteServerTimingTests(SqliteFixture fixture) : ServerTimingTests(fixture);
