using OData.Virtualization.Configuration;

namespace OData.Virtualization.Security;

/// <summary>
/// The symmetric JWT signing key's strength, checked at start-up: at least 256 bits of key material, and random bytes
/// rather than text. A guessable key lets anyone forge tokens with any role, offline.
/// </summary>
internal static class SigningKeys
{
    private const int MinimumBytes = 32;

    private const string HowToCreate = "Create one with 'openssl rand -base64 32' (or 48 for HS384/HS512 headroom) and keep it in a secret store.";

    /// <summary>The key's bytes, or null when it is not base64.</summary>
    public static byte[]? TryDecode(string? key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return null;
        }

        var buffer = new byte[key.Length];
        return Convert.TryFromBase64String(key.Trim(), buffer, out var written) ? buffer[..written] : null;
    }

    /// <summary>What is wrong with the <c>Jwt</c> settings, each with how to fix it.</summary>
    public static IEnumerable<string> Problems(JwtOptions jwt)
    {
        const string path = "OData:Security:Jwt";
        var hasKey = !string.IsNullOrWhiteSpace(jwt.SigningKey);
        var hasAuthority = !string.IsNullOrWhiteSpace(jwt.Authority);
        if (!hasKey && !hasAuthority)
        {
            yield return $"{path} needs an Authority (the issuer's URL, whose keys are discovered) or a SigningKey. {HowToCreate}";
        }

        if (hasKey)
        {
            var bytes = TryDecode(jwt.SigningKey);
            if (bytes is null)
            {
                yield return $"{path}:SigningKey is not base64. It must be random key material, not a passphrase. {HowToCreate}";
            }
            else if (bytes.Length < MinimumBytes)
            {
                yield return $"{path}:SigningKey has {bytes.Length * 8} bits of key material; at least {MinimumBytes * 8} are needed. {HowToCreate}";
            }
            else if (LooksLikeText(bytes))
            {
                yield return $"{path}:SigningKey decodes to text or a repeated pattern, not random bytes: such a key can be guessed. {HowToCreate}";
            }
        }

        if (jwt.ValidateIssuer && !hasAuthority && string.IsNullOrWhiteSpace(jwt.Issuer))
        {
            yield return $"{path}:Issuer is missing: without it a token from any issuer signed with the key is accepted. Set it to the 'iss' your tokens carry, or set {path}:ValidateIssuer to false to accept any issuer.";
        }

        if (jwt.ValidateAudience && string.IsNullOrWhiteSpace(jwt.Audience))
        {
            yield return $"{path}:Audience is missing: without it a token meant for another service is accepted. Set it to the 'aud' your tokens carry for this service, or set {path}:ValidateAudience to false.";
        }

        if (string.IsNullOrWhiteSpace(jwt.NameClaim) || string.IsNullOrWhiteSpace(jwt.RoleClaim))
        {
            yield return $"{path}:NameClaim and {path}:RoleClaim must name claims (defaults: sub and roles), or be left out.";
        }

        if (jwt.ClockSkewSeconds is < 0 or > 300)
        {
            yield return $"{path}:ClockSkewSeconds is {jwt.ClockSkewSeconds}. Use 0 to 300 seconds (default 30).";
        }
    }

    /// <summary>
    /// Random bytes are almost never all printable ASCII (32 of them: about 1 in 10^14), and carry close to 5 bits of
    /// empirical entropy per byte; a passphrase, a hex string or a repeated pattern fails one of the two.
    /// </summary>
    private static bool LooksLikeText(byte[] bytes)
    {
        if (bytes.All(b => b is >= 0x20 and < 0x7F or (byte)'\n' or (byte)'\r' or (byte)'\t'))
        {
            return true;
        }

        var counts = new int[256];
        foreach (var b in bytes)
        {
            counts[b]++;
        }

        var entropy = 0.0;
        foreach (var count in counts.Where(c => c > 0))
        {
            var p = (double)count / bytes.Length;
            entropy -= p * Math.Log2(p);
        }

        return entropy < 3.5;
    }
}
