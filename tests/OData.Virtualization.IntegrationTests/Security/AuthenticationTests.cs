using System.Net;
using System.Text;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// Who is asking: HTTP Basic, API keys and bearer JWTs, and the 401s (with the challenges Salesforce, Excel and
/// Power Query's organizational sign-in expect) for everything else.
/// </summary>
[Collection(SecureBankCollection.Name)]
public sealed class AuthenticationTests(SecureBankFixture bank)
{
    private const string Probe = "accounts/$count";

    public static TheoryData<string> Resources => new() { string.Empty, "$metadata", "accounts", "accounts/$count", "accounts('CH0200762003215323265')", "no_such_set", "transactions?$filter=amount gt 0&$top=1" };

    [Theory]
    [MemberData(nameof(Resources))]
    public async Task NoCredentials_Is401_WithBasicAndBearerChallenges(string url)
    {
        using var client = bank.Anonymous();
        var (response, body) = await client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            ODataAssert.AssertError(response, body, HttpStatusCode.Unauthorized, "GET " + url);
            var challenges = response.Headers.WwwAuthenticate.Select(c => c.ToString()).ToList();
            Assert.Contains(challenges, c => c.StartsWith($"Basic realm=\"{SecureBankFixture.Realm}\"", StringComparison.Ordinal));
            Assert.Contains(challenges, c => c.StartsWith("Bearer ", StringComparison.Ordinal)
                                             && c.Contains($"authorization_uri=\"{SecureBankFixture.AuthorizationUri}\"", StringComparison.Ordinal));
            Assert.DoesNotContain("invalid_token", string.Join(" ", challenges), StringComparison.Ordinal);
            Assert.DoesNotContain("CH0200762003215323265", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task HeadWithoutCredentials_Is401()
    {
        using var client = bank.Anonymous();
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "accounts"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    public async Task PowerQueryEmptyBearer_Is401_WithTheBearerChallengeAndAuthorizationUri(string authorization)
    {
        using var client = bank.Anonymous();
        var (response, body) = await client.SendAsync(HttpMethod.Get, string.Empty, ("Authorization", authorization));
        using (response)
        {
            ODataAssert.AssertError(response, body, HttpStatusCode.Unauthorized, $"GET / with '{authorization}'");
            var bearer = response.Headers.WwwAuthenticate.Select(c => c.ToString()).Single(c => c.StartsWith("Bearer", StringComparison.Ordinal));
            Assert.Contains($"authorization_uri=\"{SecureBankFixture.AuthorizationUri}\"", bearer, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ValidBasic_Is200()
    {
        using var client = bank.AsUser("teller");
        Assert.Equal(1000, await client.GetCountAsync(Probe));
    }

    [Theory]
    [InlineData("teller", "wrong")]
    [InlineData("teller", "")]
    [InlineData("teller", "pw-admin-Ünïcödé:and:colons")] // another user's password
    [InlineData("Teller", "pw-teller-Ünïcödé:and:colons")] // user names are case-sensitive
    [InlineData("nobody", "pw-teller-Ünïcödé:and:colons")] // unknown user
    [InlineData("", "")]
    public async Task WrongBasicCredentials_Are401(string user, string password)
    {
        using var client = bank.NewClient();
        client.DefaultRequestHeaders.Authorization = SecureBankFixture.BasicHeader(user, password);
        await AssertUnauthorizedAsync(client, $"Basic {user}:{password}");
    }

    [Theory]
    [InlineData("Basic")]
    [InlineData("Basic !!!not-base64!!!")]
    [InlineData("Basic dGVsbGVy")] // "teller" without a colon
    [InlineData("Digest username=\"teller\"")]
    [InlineData("Negotiate abc")]
    public async Task MalformedOrUnsupportedAuthorization_Is401(string authorization)
    {
        using var client = bank.NewClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        await AssertUnauthorizedAsync(client, authorization);
    }

    [Fact]
    public async Task ValidApiKey_Is200_WithItsOwnRules()
    {
        using var powerBi = bank.WithApiKey(bank.PowerBiKey);
        Assert.Equal(1000, await powerBi.GetCountAsync(Probe)); // teller rules: CHF accounts that are not closed
        using var scripts = bank.WithApiKey(bank.ScriptsKey);
        Assert.Equal(20000, await scripts.GetCountAsync(Probe)); // risk: everything
    }

    [Theory]
    [InlineData("odv_wrong")]
    [InlineData("sha256$0000")]
    [InlineData(" ")]
    public async Task WrongApiKey_Is401(string key)
    {
        using var client = bank.WithApiKey(key);
        await AssertUnauthorizedAsync(client, "API key " + key);
    }

    [Fact]
    public async Task ApiKeyHash_IsNotAKey_Is401()
    {
        // What is in the configuration (the hash) must not open the door itself.
        using var client = bank.WithApiKey(OData.Virtualization.Security.SecretHasher.HashApiKey(bank.PowerBiKey));
        await AssertUnauthorizedAsync(client, "the hash of a key");
    }

    [Fact]
    public async Task ApiKeyWithOneCharacterChanged_Is401()
    {
        var key = bank.PowerBiKey;
        var changed = key[..^1] + (key[^1] == 'A' ? 'B' : 'A');
        using var client = bank.WithApiKey(changed);
        await AssertUnauthorizedAsync(client, "a changed key");
    }

    [Fact]
    public async Task ValidJwt_Is200_AndItsClaimsDriveTheRowFilter()
    {
        var token = bank.Token("oidc-user-1", ["teller"], new Dictionary<string, object> { ["currency"] = "CHF", ["country"] = "CH" });
        using var client = bank.WithBearer(token);
        Assert.Equal(1000, await client.GetCountAsync(Probe));
        Assert.Equal(await bank.BankCountAsync($"SELECT count(*) FROM core.transactions WHERE {SecureBankFixture.TellerTransactionsSql}"), await client.GetCountAsync("transactions/$count"));

        var risk = bank.Token("oidc-risk", ["risk"]);
        using var riskClient = bank.WithBearer(risk);
        Assert.Equal(20000, await riskClient.GetCountAsync(Probe));
    }

    [Fact]
    public async Task JwtForAnotherAudience_Is401_WithInvalidTokenChallenge()
    {
        var token = bank.Token("oidc-user-1", ["risk"], audience: "api://some-other-service");
        await AssertJwtRejectedAsync(token);
    }

    [Fact]
    public async Task ExpiredJwt_Is401()
    {
        // Expired ten minutes ago: well beyond the allowed clock skew of 60 seconds.
        var token = bank.Token("oidc-user-1", ["risk"], expires: DateTime.UtcNow.AddMinutes(-10));
        await AssertJwtRejectedAsync(token);
    }

    [Fact]
    public async Task JwtSignedWithAnotherKey_Is401()
    {
        var token = bank.Token("oidc-user-1", ["risk"], key: System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await AssertJwtRejectedAsync(token);
    }

    [Fact]
    public async Task JwtFromAnotherIssuer_Is401()
    {
        var token = bank.Token("oidc-user-1", ["risk"], issuer: "https://evil.example.test/");
        await AssertJwtRejectedAsync(token);
    }

    [Fact]
    public async Task UnsignedOrAlteredJwt_Is401()
    {
        var token = bank.Token("oidc-user-1", ["teller"], new Dictionary<string, object> { ["currency"] = "CHF", ["country"] = "CH" });
        var parts = token.Split('.');

        // alg "none", no signature.
        var none = Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";
        await AssertJwtRejectedAsync(none);

        // The payload promoted to role "risk", the old signature kept.
        var payload = Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[1]));
        var promoted = payload.Replace("\"teller\"", "\"risk\"", StringComparison.Ordinal);
        Assert.NotEqual(payload, promoted);
        await AssertJwtRejectedAsync(parts[0] + "." + Base64Url(promoted) + "." + parts[2]);

        // Garbage.
        await AssertJwtRejectedAsync("not.a.jwt");
    }

    private async Task AssertJwtRejectedAsync(string token)
    {
        using var client = bank.WithBearer(token);
        var (response, body) = await client.SendAsync(HttpMethod.Get, Probe);
        using (response)
        {
            ODataAssert.AssertError(response, body, HttpStatusCode.Unauthorized, "GET with a rejected JWT");
            var bearer = response.Headers.WwwAuthenticate.Select(c => c.ToString()).Single(c => c.StartsWith("Bearer", StringComparison.Ordinal));
            Assert.Contains("invalid_token", bearer, StringComparison.Ordinal);
        }
    }

    private static async Task AssertUnauthorizedAsync(HttpClient client, string what)
    {
        foreach (var url in new[] { Probe, "accounts?$top=1", "$metadata", string.Empty })
        {
            var (response, body) = await client.SendAsync(HttpMethod.Get, url);
            using (response)
            {
                ODataAssert.AssertError(response, body, HttpStatusCode.Unauthorized, $"GET {url} with {what}");
                Assert.NotEmpty(response.Headers.WwwAuthenticate);
                Assert.DoesNotContain("CH0200762003215323265", body, StringComparison.Ordinal);
            }
        }
    }

    private static string Base64Url(string text) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(text);
}
