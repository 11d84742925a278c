using System.Security.Cryptography;
using System.Text;
using OData.Virtualization.Security;

namespace OData.Virtualization.Tests.Security;

/// <summary>
/// API keys are checked against the stored form <c>sha256$</c> + lower-case hex of SHA-256(UTF-8 key), which the
/// <c>hash-api-key</c> command prints and operators paste into configuration. The per-request check hashes on the stack;
/// it must accept exactly the keys whose stored form the command would print.
/// </summary>
public sealed class SecretHasherTests
{
    public static TheoryData<string> Keys => new()
    {
        "odv_0123456789abcdef0123456789abcdef",
        "x",
        "Schlüssel-mit-Umlauten-äöü-€",
        new string('k', 600), // longer than the stack buffer: hashed from a rented one
        "🔑" + new string('é', 300),
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void HashOnTheStack_IsTheStoredForm_AndVerifies(string key)
    {
        var expected = "sha256$" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();
        Span<char> hashed = stackalloc char[SecretHasher.ApiKeyHashLength];

        SecretHasher.HashApiKey(key, hashed);

        Assert.Equal(expected, hashed.ToString());
        Assert.Equal(expected, SecretHasher.HashApiKey(key));
        Assert.True(SecretHasher.VerifyApiKey(key, expected));
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void AnotherKey_AnUpperCaseHash_OrAnotherFormat_DoesNotVerify(string key)
    {
        var stored = SecretHasher.HashApiKey(key);

        Assert.False(SecretHasher.VerifyApiKey(key + "x", stored));
        Assert.False(SecretHasher.VerifyApiKey(key, "sha256$" + stored[7..].ToUpperInvariant()));
        Assert.False(SecretHasher.VerifyApiKey(key, stored[..^1]));
        Assert.False(SecretHasher.VerifyApiKey(key, "sha512$" + stored[7..]));
        Assert.False(SecretHasher.VerifyApiKey(key, null));
    }
}
