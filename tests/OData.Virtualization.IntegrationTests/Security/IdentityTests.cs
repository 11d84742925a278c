using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// Identity that cannot be borrowed: a principal is who it is by how it signed in (a token whose subject is a Basic
/// user's name is not that user, for policies and rate budgets), tokens without the name claim are told apart by their
/// stable claims, a 401 says nothing about the signing key, and the operators' endpoints answer operators only.
/// </summary>
public sealed partial class IdentityTests : IAsyncLifetime
{
    private const string ByName = "OData:Security:Policies:3:";
    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);
    private readonly string _operatorKey = SecretHasher.NewApiKey().Key;
    private InProcessServer? _server;

    public async Task InitializeAsync() => _server = await StartAsync(nameClaim: null);

    /// <summary>The bank with its security settings, a policy by principal name, an operator's key, and the given name claim.</summary>
    private async Task<InProcessServer> StartAsync(string? nameClaim)
    {
        var cluster = await PostgresCluster.GetAsync();
        var settings = PostgresFixture.SeedSettings(cluster);
        SecureBankFixture.AddSecurity(settings, _signingKey, SecretHasher.NewApiKey().Key, SecretHasher.NewApiKey().Key);
        // A policy by principal name: the Basic user 'teller' may also read loans, at most 5 requests a minute.
        settings[ByName + "Name"] = "teller-by-name";
        settings[ByName + "Principals:0"] = "teller";
        settings[ByName + "EntitySets:loans:RowFilter"] = string.Empty;
        settings[ByName + "Limits:RequestsPerMinute"] = "5";
        if (nameClaim is not null)
        {
            settings["OData:Security:Jwt:NameClaim"] = nameClaim;
        }

        settings["OData:Security:ApiKeys:operator:KeyHash"] = SecretHasher.HashApiKey(_operatorKey);
        settings["OData:Security:ApiKeys:operator:Roles:0"] = "odata-admin";
        var server = InProcessServer.Start(settings);
        using var warm = server.NewClient();
        warm.DefaultRequestHeaders.Authorization = SecureBankFixture.BasicHeader("teller", SecureBankFixture.PasswordOf("teller"));
        Assert.Equal(HttpStatusCode.OK, (await warm.GetAsync("loans?$top=1")).StatusCode);
        return server;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task JwtWhoseSubjectIsABasicUsersName_GetsNothingGrantedToThatUser()
    {
        using var basic = Basic("teller");
        using var jwt = Bearer(Token(new() { ["sub"] = "teller" }));

        Assert.Equal(HttpStatusCode.OK, (await basic.GetAsync("loans?$top=1")).StatusCode);
        var (response, body) = await jwt.SendAsync(HttpMethod.Get, "loans?$top=1");
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{(int)response.StatusCode}: {body}");
        }
    }

    [Fact]
    public async Task JwtWhoseSubjectIsABasicUsersName_HasItsOwnRateBudget()
    {
        // The token's own budget is the 'metered' policy's 3 a minute; the Basic user's is 5. Before identities had a
        // method, both were the principal 'teller' and shared one bucket: the token's requests used up the user's.
        using var jwt = Bearer(Token(new() { ["sub"] = "teller", ["roles"] = new[] { "metered" } }));
        for (var i = 0; i < 6; i++)
        {
            using var _ = await jwt.GetAsync("accounts?$top=1");
        }

        using var basic = Basic("teller");
        using var response = await basic.GetAsync("accounts?$top=1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TwoTokensWithoutTheNameClaim_HaveSeparateBudgets()
    {
        // Tokens name their caller by a claim app-only tokens lack (as the README's example configures it).
        await using var server = await StartAsync(nameClaim: "preferred_username");
        using var first = Bearer(server, Token(new() { ["sub"] = "app-" + Guid.NewGuid().ToString("N"), ["roles"] = new[] { "metered" } }));
        using var second = Bearer(server, Token(new() { ["sub"] = "app-" + Guid.NewGuid().ToString("N"), ["roles"] = new[] { "metered" } }));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await first.GetAsync("accounts?$top=1");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]); // the first token is over its own 3 a minute
        using var other = await second.GetAsync("accounts?$top=1");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task TokenThatNamesNoCaller_Is401()
    {
        using var client = Bearer(Token(new() { ["roles"] = new[] { "risk" } }));
        var (response, body) = await client.SendAsync(HttpMethod.Get, "accounts?$top=1");
        using (response)
        {
            ODataAssert.AssertError(response, body, HttpStatusCode.Unauthorized, "a token without sub");
            Assert.Contains("names no caller", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TokenWithAnotherKeysSignature_401SaysNothingAboutTheKeyTheIssuerOrTheClock()
    {
        var forged = Token(new() { ["sub"] = "mallory", ["roles"] = new[] { "risk" } }, key: RandomNumberGenerator.GetBytes(32));
        await AssertQuiet401Async(forged, "signature is not valid");
    }

    [Fact]
    public async Task ExpiredToken_401SaysNothingAboutTheClock()
    {
        var expired = Token(new() { ["sub"] = "late", ["roles"] = new[] { "risk" } }, expires: DateTime.UtcNow.AddHours(-2));
        await AssertQuiet401Async(expired, "has expired");
    }

    [Fact]
    public async Task TokenOfAnotherIssuer_401DoesNotNameTheTrustedIssuer()
    {
        var foreign = Token(new() { ["sub"] = "eve", ["roles"] = new[] { "risk" } }, issuer: "https://evil.example/");
        await AssertQuiet401Async(foreign, "issuer this service does not trust");
    }

    [Fact]
    public async Task CacheCounters_WithoutAnOperatorCredential_Are401_WithOne_200()
    {
        using var anonymous = _server!.NewClient();
        using var refused = await anonymous.GetAsync(new Uri(_server.Root, "/status/cache"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var teller = Basic("teller");
        using var forbidden = await teller.GetAsync(new Uri(_server.Root, "/status/cache"));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        using var operatorClient = _server.NewClient();
        operatorClient.DefaultRequestHeaders.Add("X-API-Key", _operatorKey);
        using var allowed = await operatorClient.GetAsync(new Uri(_server.Root, "/status/cache"));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Contains("\"statements\"", await allowed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readiness_OnThePublicPort_DoesNotNameTheSources()
    {
        using var anonymous = _server!.NewClient();
        using var response = await anonymous.GetAsync(new Uri(_server.Root, "/health/ready"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Healthy", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"erp\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"bank\"", body, StringComparison.Ordinal);
    }

    private async Task AssertQuiet401Async(string token, string expected)
    {
        using var client = Bearer(token);
        var (response, body) = await client.SendAsync(HttpMethod.Get, "accounts?$top=1");
        using (response)
        {
            ODataAssert.AssertError(response, body, HttpStatusCode.Unauthorized, "a bad token");
            Assert.Contains(expected, body, StringComparison.Ordinal);
            var said = body + " " + string.Join(" ", response.Headers.WwwAuthenticate.Select(h => h.ToString()));
            Assert.DoesNotContain("InternalId", said, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("kid", said, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(SecureBankFixture.Issuer, said, StringComparison.Ordinal);
            Assert.DoesNotContain("IDX", said, StringComparison.Ordinal);
            Assert.False(Timestamp().IsMatch(said), "no time in the 401: " + said);
        }
    }

    private HttpClient Basic(string user)
    {
        var client = _server!.NewClient();
        client.DefaultRequestHeaders.Authorization = SecureBankFixture.BasicHeader(user, SecureBankFixture.PasswordOf(user));
        return client;
    }

    private HttpClient Bearer(string token) => Bearer(_server!, token);

    private static HttpClient Bearer(InProcessServer server, string token)
    {
        var client = server.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A token with exactly <paramref name="claims"/> (no <c>sub</c> unless given).</summary>
    private string Token(Dictionary<string, object> claims, byte[]? key = null, string issuer = SecureBankFixture.Issuer, DateTime? expires = null)
    {
        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = SecureBankFixture.Audience,
            IssuedAt = expiry.AddMinutes(-20),
            NotBefore = expiry.AddMinutes(-20),
            Expires = expiry,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? _signingKey), SecurityAlgorithms.HmacSha256),
        });
    }

    [GeneratedRegex(@"\d{1,2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}")]
    private static partial Regex Timestamp();
}
