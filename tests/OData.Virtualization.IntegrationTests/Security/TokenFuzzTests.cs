using System.Net;
using System.Text.RegularExpressions;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// Bearer tokens in every wrong form (<see cref="TokenForge.Cases"/>): unsigned, signed by someone else or with the
/// wrong key, keys and certificates offered by the token itself, wrong <c>typ</c>, claims of the wrong JSON type,
/// huge, malformed, lifetimes outside now. Each is a 401 (never a 5xx, never served); the same forge's correct token
/// is served. A 401 body says what to send, not what the validator expected or found.
/// </summary>
[Collection(SecureBankCollection.Name)]
public sealed partial class TokenFuzzTests(SecureBankFixture bank)
{
    private const string Probe = "accounts/$count";

    public static TheoryData<string> Cases => [.. TokenForge.Cases];

    [Fact]
    public async Task Control_TheForgesCorrectToken_IsServed()
    {
        using var client = bank.WithBearer(new TokenForge(bank.SigningKey).Valid());
        Assert.Equal(20000, await client.GetCountAsync(Probe));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ForgedOrMalformedToken_Is401(string name)
    {
        var (status, body, challenges) = await SendAsync(name);
        Assert.True(status == HttpStatusCode.Unauthorized, $"{name}: {(int)status} {ODataAssert.Shorten(body)}");
        Assert.Contains(challenges, c => c.StartsWith("Bearer ", StringComparison.Ordinal) && c.Contains("error=\"invalid_token\"", StringComparison.Ordinal));
    }

    /// <summary>
    /// No 401 body names the validator's internals: key ids and thumbprints, the keys' internal ids, the expected issuer
    /// or audience, the token's or the server's times, IdentityModel's message codes.
    /// </summary>
    [Fact]
    public async Task Rejections_DoNotTellTheValidatorsInternals()
    {
        var leaks = new List<string>();
        foreach (var name in TokenForge.Cases)
        {
            var (status, body, _) = await SendAsync(name);
            if (status == HttpStatusCode.Unauthorized && Internals().Match(body) is { Success: true } found)
            {
                leaks.Add($"{name}: '{found.Value}' in {ODataAssert.Shorten(body)}");
            }
        }

        Assert.True(leaks.Count == 0, $"{leaks.Count} of {TokenForge.Cases.Length} 401 bodies tell internals:\n" + string.Join("\n", leaks));
    }

    private async Task<(HttpStatusCode Status, string Body, List<string> Challenges)> SendAsync(string name)
    {
        var token = new TokenForge(bank.SigningKey).Make(name);
        using var client = bank.WithBearer(token);
        var (response, body) = await client.SendAsync(HttpMethod.Get, Probe);
        using (response)
        {
            return (response.StatusCode, body, response.Headers.WwwAuthenticate.Select(c => c.ToString()).ToList());
        }
    }

    [GeneratedRegex(@"InternalId|\bkid\b|x5t|thumbprint|IDX\d+|issuer\.example\.test|odata-virtualization-tests|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{1,2}/\d{1,2}/\d{4}|\b1[6-9]\d{8}\b|\b[01]?\d:\d{2}:\d{2}\b", RegexOptions.IgnoreCase)]
    private static partial Regex Internals();
}
