using System.Net;
using System.Net.Http.Headers;
using System.Text;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Security;

namespace OData.Virtualization.IntegrationTests.MySql;

/// <summary>
/// A policy's row filter on a MariaDB source compares as exactly as a client's filter: a teller whose claim is 'abc'
/// sees the row labelled 'abc', never 'AbC' or 'ABC' (equal under the column's case-insensitive collation), whatever
/// the request adds; hidden columns cannot be filtered on, masked ones are masked by the database.
/// </summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbSecurityTests(MariaDbFixture fixture)
{
    private const string Password = "alice-Secret-pass-1";

    private async Task<InProcessServer> StartAsync()
    {
        var settings = new Dictionary<string, string?>(MariaDbFixture.Settings(fixture.ReaderConnectionString))
        {
            ["OData:Security:AllowAnonymous"] = "false",
            ["OData:Security:Users:alice:PasswordHash"] = SecretHasher.HashPassword(Password),
            ["OData:Security:Users:alice:Roles:0"] = "teller",
            ["OData:Security:Users:alice:Claims:label"] = "abc",
            ["OData:Security:Policies:0:Name"] = "tellers",
            ["OData:Security:Policies:0:Roles:0"] = "teller",
            ["OData:Security:Policies:0:EntitySets:codes:RowFilter"] = "label eq @claims.label",
            ["OData:Security:Policies:0:EntitySets:codes:HiddenColumns:0"] = "n",
            ["OData:Security:Policies:0:EntitySets:codes:MaskedColumns:note"] = "2",
            ["OData:Security:Policies:0:EntitySets:children:RowFilter"] = "qty gt 1",
        };
        var server = new InProcessServer(settings);
        server.StartServer();
        await Task.CompletedTask;
        return server;
    }

    private static HttpClient Alice(InProcessServer server)
    {
        var client = server.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:" + Password)));
        return client;
    }

    [Theory]
    [InlineData("codes")]
    [InlineData("codes?$filter=label ne 'x' or true")]
    [InlineData("codes?$filter=code eq 'AbC' or code eq 'abc' or code eq 'ABC'")]
    [InlineData("codes?$orderby=label desc")]
    [InlineData("codes?$search=abc")]
    public async Task RowFilter_IsExact_WhateverTheRequestAdds(string url)
    {
        await using var server = await StartAsync();
        using var alice = Alice(server);

        var (keys, _) = await alice.GetAllKeysAsync(url, ["code"]);

        Assert.Equal(["abc"], keys);
    }

    [Fact]
    public async Task RowFilter_AnotherCaseOfTheKey_IsNotFound()
    {
        await using var server = await StartAsync();
        using var alice = Alice(server);

        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("codes('abc')")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync("codes('AbC')")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync("codes('ABC')")).StatusCode);
    }

    [Fact]
    public async Task HiddenAndMaskedColumns_AreEnforcedInTheStatement()
    {
        await using var server = await StartAsync();
        using var alice = Alice(server);

        var row = (await alice.GetValuesAsync("codes")).Single();
        Assert.False(row.TryGetProperty("n", out _));
        Assert.Equal("***er", row.GetProperty("note").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.GetAsync("codes?$filter=n eq 1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.NewClient().GetAsync("codes")).StatusCode);
    }

    [Fact]
    public async Task RelatedRows_CarryTheirOwnRowFilter()
    {
        await using var server = await StartAsync();
        using var alice = Alice(server);

        var parent = await alice.GetJsonAsync("codes('abc')?$expand=children($orderby=id)");
        Assert.Equal([1, 2], parent.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("id").GetInt32()));
        var any = (await alice.GetAllKeysAsync("codes?$filter=children/any(c: c/qty lt 2)", ["code"])).Keys;
        Assert.Empty(any);
    }
}
