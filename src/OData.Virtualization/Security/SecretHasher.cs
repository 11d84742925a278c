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

    /// <summary>
    /// A hash in the stored form, of the usual cost, that no password has (a random salt and a random result): what
    /// the password of an unknown user is checked against, so that it costs what a known user's check does.
    /// </summary>
    internal static string StandInPasswordHash()
        => $"pbkdf2-sha256${Iterations.ToString(CultureInfo.InvariantCulture)}${Convert.ToBase64String(RandomNumberGenerator.GetBytes(SaltBytes))}${Convert.ToBase64String(RandomNumberGenerator.GetBytes(HashBytes))}";

    /// <summary>A new random API key (for the operator to hand out) and its hash (for the configuration).</summary>
    public static (string Key, string Hash) NewApiKey()
    {
        var key = "odv_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (key, HashApiKey(key));
    }

    public static string HashApiKey(string key)
    {
        Span<char> hashed = stackalloc char[ApiKeyHashLength];
        HashApiKey(key, hashed);
        return hashed.ToString();
    }

    public static bool VerifyApiKey(string key, string? stored)
    {
        Span<char> hashed = stackalloc char[ApiKeyHashLength];
        HashApiKey(key, hashed);
        return VerifyApiKeyHash(hashed, stored);
    }

    /// <summary>The length of a stored API-key hash: <c>sha256$</c> and 64 lower-case hex digits.</summary>
    public const int ApiKeyHashLength = 7 + 64;

    /// <summary>
    /// Writes the stored form of <paramref name="key"/> (what <see cref="HashApiKey(string)"/> returns) into
    /// <paramref name="destination"/> (<see cref="ApiKeyHashLength"/> characters) without allocating: it runs once per request.
    /// </summary>
    public static void HashApiKey(string key, Span<char> destination)
    {
        Span<byte> digest = stackalloc byte[32];
        var length = Encoding.UTF8.GetMaxByteCount(key.Length);
        var rented = length <= 512 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Span<byte> utf8 = rented ?? stackalloc byte[512];
            var written = Encoding.UTF8.GetBytes(key, utf8);
            SHA256.HashData(utf8[..written], digest);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented, clearArray: true);
            }
        }

        "sha256$".CopyTo(destination);
        Convert.TryToHexStringLower(digest, destination[7..], out _);
    }

    /// <summary>Whether <paramref name="hashed"/> (from <see cref="HashApiKey(string, Span{char})"/>) is the stored hash, compared in constant time.</summary>
    public static bool VerifyApiKeyHash(ReadOnlySpan<char> hashed, string? stored)
        => stored is not null && stored.Length == hashed.Length && stored.StartsWith("sha256$", StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(System.Runtime.InteropServices.MemoryMarshal.AsBytes(hashed), System.Runtime.InteropServices.MemoryMarshal.AsBytes(stored.AsSpan()));
}
