using System.Security.Cryptography;
using System.Text;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Writes;

/// <summary>
/// A write's <c>Idempotency-Key</c> (draft-ietf-httpapi-idempotency-key-header): <see cref="Id"/> names the key of one
/// caller (two callers' equal keys never meet), <see cref="Fingerprint"/> the request it was first sent with (method,
/// resource and body: the same key with another request is a 422), <see cref="Cutoff"/> the oldest record still kept.
/// </summary>
internal sealed record IdempotencyClaim(byte[] Id, byte[] Fingerprint, DateTimeOffset Now, DateTimeOffset Cutoff)
{
    public const string Header = "Idempotency-Key";

    /// <summary>The longest key taken; UUIDs and the keys of the clients we know are far shorter.</summary>
    public const int MaxKeyLength = 255;

    /// <summary>
    /// The claim for <paramref name="values"/> (the header's values), or null when there is none. A key is 1–255
    /// visible ASCII characters, bare or as a quoted string; anything else, or two keys, is a 400.
    /// </summary>
    public static IdempotencyClaim? From(IReadOnlyList<string?> values, string principal, string method, string resource, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan window)
    {
        if (values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1 || values[0] is not { } raw || raw.Contains(',', StringComparison.Ordinal))
        {
            throw Invalid("send exactly one Idempotency-Key");
        }

        var key = raw.Trim();
        if (key.Length >= 2 && key[0] == '"' && key[^1] == '"')
        {
            key = key[1..^1];
        }

        if (key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            throw Invalid($"a key is 1 to {MaxKeyLength} visible ASCII characters (a UUID, for example)");
        }

        var id = SHA256.HashData(Encoding.UTF8.GetBytes(principal + "\n" + key));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(method.ToUpperInvariant() + " " + resource + "\n"));
        hash.AppendData(body);
        return new IdempotencyClaim(id, hash.GetHashAndReset(), now, now - window);
    }

    private static ODataProblem Invalid(string rule)
        => new(400, "BadRequest", $"The Idempotency-Key header is not one this server takes: {rule}.", IdempotencyClaim.Header);
}
