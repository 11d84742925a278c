using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Paging;

/// <summary>
/// <c>$skiptoken</c>s are signed and bound to their query: a changed, foreign or other-key token is a 400 OData
/// error on <c>$skiptoken</c> (never a 5xx, never page 1 again), and any instance with the same
/// <c>OData:Paging:SkipTokenKey</c> continues any link.
/// </summary>
public abstract class SkipTokenTests(ServerFixture fixture)
{
    private const string Key = "paging-tests-shared-skiptoken-key-0123456789";
    private const string Query = "transactions?$select=transaction_id&$filter=transaction_id le 5000&$orderby=counterparty desc";

    protected ServerFixture Fixture { get; } = fixture;

    [Fact]
    public async Task LinkFromOneInstance_ContinuesOnAnotherWithTheSameKey_ToTheEnd()
    {
        var expected = await DirectRows.Int64Async(Fixture, Fixture.BankConnectionString,
            $"SELECT transaction_id FROM {DirectRows.Table(Fixture, "core", "transactions")} WHERE transaction_id <= 5000 ORDER BY counterparty DESC NULLS LAST, transaction_id DESC");

        // Odd pages on one instance, even pages on the other: every link is continued by the instance that did not mint it.
        await using var first = await StartAsync(Key);
        await using var second = await StartAsync(Key);
        var (keys, pages) = await PageWalk.WalkAsync(first.Client, Query, 300, r => PageWalk.Int64(r, "transaction_id"), maxPages: 30,
            clientForPage: page => page % 2 == 0 ? first.Client : second.Client);

        PageWalk.AssertSameSequence(expected, keys, Query);
        PageWalk.AssertFullPages(pages, 300, expected.Count, Query);
    }

    [Fact]
    public async Task TamperedSignature_Is400OnSkipToken()
    {
        var (link, token) = await SecondPageLinkAsync();
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        var signature = token[(dot + 1)..];
        var flipped = (signature[0] == 'A' ? 'B' : 'A') + signature[1..];
        await AssertRejectedAsync(Fixture.Client, link.Replace(token, token[..(dot + 1)] + flipped, StringComparison.Ordinal));

        // Cut short, no signature, not base64 at all, empty.
        await AssertRejectedAsync(Fixture.Client, link.Replace(token, token[..^2], StringComparison.Ordinal));
        await AssertRejectedAsync(Fixture.Client, link.Replace(token, token[..dot], StringComparison.Ordinal));
        await AssertRejectedAsync(Fixture.Client, link.Replace(token, "not-a-token!", StringComparison.Ordinal));
        await AssertRejectedAsync(Fixture.Client, link.Replace(token, string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ChangedPayload_Is400OnSkipToken()
    {
        var (link, token) = await SecondPageLinkAsync();
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        var payload = JsonNode.Parse(Base64Url.DecodeFromChars(token.AsSpan(0, dot)))!.AsObject();

        // Claim fewer rows returned (to stretch $top), and move the position: both keep the old signature.
        var fewer = payload.DeepClone().AsObject();
        fewer["n"] = 1;
        await AssertRejectedAsync(Fixture.Client, link.Replace(token, Encode(fewer) + token[dot..], StringComparison.Ordinal));

        var moved = payload.DeepClone().AsObject();
        var values = moved["v"]!.AsArray();
        values[^1] = new JsonArray("l", "1");
        await AssertRejectedAsync(Fixture.Client, link.Replace(token, Encode(moved) + token[dot..], StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("transaction_id le 5000", "transaction_id le 4000")]
    [InlineData("$orderby=counterparty desc", "$orderby=counterparty")]
    [InlineData("$select=transaction_id", "$select=transaction_id,amount")]
    [InlineData(Query, "accounts?$select=iban&$orderby=status desc")]
    public async Task TokenOnAnotherQuery_Is400OnSkipToken(string from, string to)
    {
        var (link, _) = await SecondPageLinkAsync();
        Assert.Contains(from, Uri.UnescapeDataString(link), StringComparison.Ordinal);
        await AssertRejectedAsync(Fixture.Client, Uri.UnescapeDataString(link).Replace(from, to, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TokenFromAnInstanceWithAnotherKey_Is400OnSkipToken()
    {
        // The shared server signs with a key of its own (none is configured: random per process).
        await using var other = await StartAsync(Key);
        var (link, _) = await SecondPageLinkAsync();
        await AssertRejectedAsync(other.Client, link);

        // And the other way round.
        var (response, body) = await other.Client.SendAsync(HttpMethod.Get, Query, ("Prefer", "odata.maxpagesize=300"));
        response.Dispose();
        var foreign = JsonDocument.Parse(body).RootElement.GetProperty("@odata.nextLink").GetString()!;
        await other.Client.GetJsonAsync(foreign);
        await AssertRejectedAsync(Fixture.Client, foreign);
    }

    private async Task<InProcessServer> StartAsync(string key)
    {
        var server = await Fixture.StartAnotherAsync(settings => settings["OData:Paging:SkipTokenKey"] = key);
        server.StartServer();
        return server;
    }

    /// <summary>The first page's next link on the shared server, and its token.</summary>
    private async Task<(string Link, string Token)> SecondPageLinkAsync()
    {
        var (response, body) = await Fixture.Client.SendAsync(HttpMethod.Get, Query, ("Prefer", "odata.maxpagesize=300"));
        response.Dispose();
        var link = JsonDocument.Parse(body).RootElement.GetProperty("@odata.nextLink").GetString()!;
        var start = link.IndexOf("$skiptoken=", StringComparison.Ordinal) + "$skiptoken=".Length;
        var end = link.IndexOf('&', start);
        var token = Uri.UnescapeDataString(end < 0 ? link[start..] : link[start..end]);

        // The genuine link works (so that the rejections below are about the token alone).
        await Fixture.Client.GetJsonAsync(link);
        return (link, token);
    }

    private static string Encode(JsonObject payload) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()));

    private static async Task AssertRejectedAsync(HttpClient client, string url)
    {
        var (response, body) = await client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            var error = ODataAssert.AssertError(response, body, HttpStatusCode.BadRequest, "GET " + url);
            Assert.Equal("$skiptoken", error.GetProperty("target").GetString());
            Assert.DoesNotContain("\"value\"", body, StringComparison.Ordinal);
        }
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSkipTokenTests(PostgresFixture fixture) : SkipTokenTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteSkipTokenTests(SqliteFixture fixture) : SkipTokenTests(fixture);

[Collection(MySql.MariaDbSeedCollection.Name)]
public sealed class MariaDbSkipTokenTests(MySql.MariaDbSeedFixture fixture) : SkipTokenTests(fixture);
