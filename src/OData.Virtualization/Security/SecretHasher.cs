using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OData.Virtualization.Security;

/// <summary>
/// Password and API-key hashes as stored in configuration. Passwords: PBKDF2-HMAC-SHA256 with a random salt and
/// 210,000 iterations (slow on purpose); API keys are long random secrets, so SHA-256 suffices. Comparisons are
/// constant-time.
/// </summary>
public static class SecretHasher
{
    private const int Iterations = 210_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static string HashPassword(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"pbkdf2-sha256${Iterations.ToString(CultureInfo.InvariantCulture)}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool VerifyPassword(string password, string? stored)
    {
        var parts = stored?.Split('$') ?? [];
        if (parts.Length != 4 || parts[0] != "pbkdf2-sha256" || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            // Same cost as a real check, so that a missing user cannot be told apart by timing.
            Rfc2898DeriveBytes.Pbkdf2(password, new byte[SaltBytes], Iterations, HashAlgorithmName.SHA256, HashBytes);
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>A new random API key (for the operator to hand out) and its hash (for the configuration).</summary>
    public static (string Key, string Hash) NewApiKey()
    {
        var key = "odv_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (key, HashApiKey(key));
    }

    public static string HashApiKey(string key) => "sha256$" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    public static bool VerifyApiKey(string key, string? stored) => VerifyApiKeyHash(HashApiKeyBytes(key), stored);

    /// <summary>The stored form of a key (<c>sha256$</c> and the hash in lower-case hex) as ASCII bytes: computed once per request.</summary>
    public static byte[] HashApiKeyBytes(string key) => Encoding.ASCII.GetBytes(HashApiKey(key));

    /// <summary>Whether <paramref name="hashed"/> (from <see cref="HashApiKeyBytes"/>) is the stored hash, compared in constant time.</summary>
    public static bool VerifyApiKeyHash(byte[] hashed, string? stored)
    {
        if (stored is null || !stored.StartsWith("sha256$", StringComparison.Ordinal) || stored.Length != hashed.Length)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[hashed.Length];
        return Encoding.ASCII.GetBytes(stored, expected) == hashed.Length && CryptographicOperations.FixedTimeEquals(hashed, expected);
    }
}
