using System.Text.RegularExpressions;
using OData.Virtualization.Configuration;

namespace OData.Virtualization.Security;

/// <summary>
/// Finds configured credentials whose stored hash is not in the form the server compares with: such an entry can never
/// sign in. It is not a configuration error. Blanking a hash is how an operator revokes a leaked key or password at
/// once, and a rejected reload would keep the old hash working. It is logged as a warning at start-up and on every
/// reload.
/// </summary>
internal static partial class CredentialHashes
{
    public static IEnumerable<string> Unusable(SecurityOptions security)
    {
        foreach (var (client, apiKey) in security.ApiKeys)
        {
            if (!ApiKeyHash().IsMatch(apiKey.KeyHash ?? string.Empty))
            {
                yield return $"OData:Security:ApiKeys:{client}:KeyHash is not 'sha256$' followed by 64 lower-case hex digits: no request can sign in with this key. Create a key and its hash with 'dotnet OData.Virtualization.Server.dll hash-api-key'.";
            }
        }

        foreach (var (user, configured) in security.Users)
        {
            if (!PasswordHash().IsMatch(configured.PasswordHash ?? string.Empty))
            {
                yield return $"OData:Security:Users:{user}:PasswordHash is not a 'pbkdf2-sha256$<iterations>$<salt>$<hash>' value: this user cannot sign in. Create the hash with 'dotnet OData.Virtualization.Server.dll hash-password'.";
            }
        }
    }

    // \z, not $: $ also matches before a final newline (a hash read from a secret file ending in one would pass here
    // and never match at sign-in).
    [GeneratedRegex(@"\Asha256\$[0-9a-f]{64}\z")]
    private static partial Regex ApiKeyHash();

    [GeneratedRegex(@"\Apbkdf2-sha256\$[1-9][0-9]*\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}\z")]
    private static partial Regex PasswordHash();
}
