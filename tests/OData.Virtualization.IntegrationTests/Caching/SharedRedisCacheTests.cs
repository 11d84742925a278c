using System.Net;
using System.Text.Json;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Paging;

namespace OData.Virtualization.IntegrationTests.Caching;

/// <summary>
/// Two server instances sharing a real Redis (started here on a free port): each serves the entries the other
/// computed, without asking the source, and a link minted by one continues on the other (same
/// <c>OData:Paging:SkipTokenKey</c>). Fails, with how to fix it, when redis-server is not installed.
/// </summary>
public sealed class SharedRedisCacheTests : IAsyncLifetime
{
    /// <summary>Entries in Redis are sealed; the instances share the key, as they share the skip-token key.</summary>
    private static readonly string s_encryptionKey = "k1:" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private RedisServer _redis = null!;
    private InProcessServer _first = null!;
    private InProcessServer _second = null!;
    private string _bank = string.Empty;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        try
        {
            _bank = (await PostgresCluster.GetAsync()).ConnectionString("bank");
            _first = InProcessServer.Start(Settings());
            _second = InProcessServer.Start(Settings());
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync fails: do not leave redis-server running.
            if (_first is not null)
            {
                await _first.DisposeAsync();
            }

            await _redis.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task EachInstance_ServesTheOthersEntries_WithoutTheSource()
    {
        const string url = "transactions?$select=transaction_id,amount&$filter=amount gt 3900&$orderby=amount desc";
        var computed = await GetAsync(_first, url);
        Assert.Equal("MISS", computed.Cache);

        var statements = _second.Statistics.Statements;
        var shared = await GetAsync(_second, url);
        Assert.True(shared.Cache == "HIT", $"the second instance answered X-Cache {shared.Cache} for a page the first computed");
        Assert.Equal(computed.Body, shared.Body);
        Assert.Equal(statements, _second.Statistics.Statements);

        // The other way round, on the next page (the second instance computes it, the first reads it from Redis).
        var link = JsonDocument.Parse(computed.Body).RootElement.GetProperty("@odata.nextLink").GetString()!;
        var page2 = await GetAsync(_second, link);
        Assert.Equal("MISS", page2.Cache);
        statements = _first.Statistics.Statements;
        var page2Shared = await GetAsync(_first, link);
        Assert.Equal(("HIT", page2.Body), (page2Shared.Cache, page2Shared.Body));
        Assert.Equal(statements, _first.Statistics.Statements);

        // Counts and entities too.
        Assert.Equal("MISS", (await GetAsync(_first, "transactions/$count?$filter=amount gt 3999")).Cache);
        Assert.Equal("HIT", (await GetAsync(_second, "transactions/$count?$filter=amount gt 3999")).Cache);
        Assert.Equal("MISS", (await GetAsync(_second, "transactions(424242)")).Cache);
        Assert.Equal("HIT", (await GetAsync(_first, "transactions(424242)")).Cache);
    }

    [Fact]
    public async Task LinkMintedByOneInstance_ContinuesOnTheOther_ToTheEnd()
    {
        var expected = new List<string>();
        await using (var connection = new NpgsqlConnection(_bank))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT iban FROM core.accounts ORDER BY overdraft_limit DESC NULLS LAST, iban DESC", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                expected.Add(reader.GetString(0));
            }
        }

        const string url = "accounts?$select=iban,overdraft_limit&$orderby=overdraft_limit desc";
        var (ibans, pages) = await PageWalk.WalkAsync(_first.Client, url, 1000, r => r.GetProperty("iban").GetString()!, maxPages: 30,
            clientForPage: page => page % 2 == 0 ? _first.Client : _second.Client);

        PageWalk.AssertSameSequence(expected, ibans, url);
        PageWalk.AssertFullPages(pages, 1000, expected.Count, url);
    }

    private Dictionary<string, string?> Settings()
    {
        var settings = InProcessServer.PostgresSettings("bank", _bank);
        settings["OData:Cache:Redis"] = _redis.Configuration;
        settings["OData:Cache:EncryptionKeys:0"] = s_encryptionKey;
        settings["OData:Cache:DefaultTtlSeconds"] = "60";
        settings["OData:Paging:SkipTokenKey"] = "shared-redis-tests-skiptoken-key-0123456789";
        return settings;
    }

    private static async Task<(string Cache, string Body)> GetAsync(InProcessServer server, string url)
    {
        var (response, body) = await server.Client.SendAsync(HttpMethod.Get, url, ("Prefer", "odata.maxpagesize=100"));
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {body}");
            return (response.Headers.TryGetValues("X-Cache", out var values) ? string.Join(",", values) : string.Empty, body);
        }
    }
}
