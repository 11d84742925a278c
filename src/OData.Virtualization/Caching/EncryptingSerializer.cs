using System.Security.Cryptography;
using System.Text;
using ZiggyCreatures.Caching.Fusion.Serialization;

namespace OData.Virtualization.Caching;

/// <summary>
/// Encrypts and authenticates what the cache writes to Redis (AES-256-GCM): entries hold customers' rows. Each
/// entry names the key it was sealed with, so keys rotate without downtime: put the new key first (it seals new
/// entries), keep the old ones after it until their entries have expired (they still open old entries).
/// </summary>
internal sealed class EncryptingSerializer : IFusionCacheSerializer
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] s_associatedData = Encoding.ASCII.GetBytes("odata-virtualization/cache/v1");

    private readonly IFusionCacheSerializer _inner;
    private readonly (string Id, byte[] Key) _primary;
    private readonly Dictionary<string, byte[]> _keys;

    public EncryptingSerializer(IFusionCacheSerializer inner, IReadOnlyList<string> keys)
    {
        _inner = inner;
        var parsed = keys.Select(Parse).ToList();
        if (parsed.Count == 0)
        {
            throw new ArgumentException("At least one encryption key is needed.", nameof(keys));
        }

        _primary = parsed[0];
        _keys = parsed.ToDictionary(k => k.Id, k => k.Key, StringComparer.Ordinal);
    }

    /// <summary>Parses <c>id:base64</c> (a 32-byte key); throws <see cref="FormatException"/> with the reason.</summary>
    public static (string Id, byte[] Key) Parse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon > 64)
        {
            throw new FormatException("An encryption key is written 'id:base64-of-32-random-bytes' (for example 'k2026:' followed by the output of 'openssl rand -base64 32').");
        }

        var key = Convert.FromBase64String(text[(colon + 1)..]);
        if (key.Length != 32)
        {
            throw new FormatException($"Encryption key '{text[..colon]}' has {key.Length} bytes; AES-256 needs exactly 32.");
        }

        return (text[..colon], key);
    }

    public byte[] Serialize<T>(T? obj) => Seal(_inner.Serialize(obj));

    public T? Deserialize<T>(byte[] data) => _inner.Deserialize<T>(Open(data));

    public async ValueTask<byte[]> SerializeAsync<T>(T? obj, CancellationToken token = default) => Seal(await _inner.SerializeAsync(obj, token));

    public ValueTask<T?> DeserializeAsync<T>(byte[] data, CancellationToken token = default) => _inner.DeserializeAsync<T>(Open(data), token);

    private byte[] Seal(byte[] plain)
    {
        var id = Encoding.UTF8.GetBytes(_primary.Id);
        var sealedData = new byte[2 + id.Length + NonceSize + plain.Length + TagSize];
        sealedData[0] = Version;
        sealedData[1] = (byte)id.Length;
        id.CopyTo(sealedData, 2);
        var nonce = sealedData.AsSpan(2 + id.Length, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var cipher = sealedData.AsSpan(2 + id.Length + NonceSize, plain.Length);
        var tag = sealedData.AsSpan(2 + id.Length + NonceSize + plain.Length, TagSize);
        using var aes = new AesGcm(_primary.Key, TagSize);
        aes.Encrypt(nonce, plain, cipher, tag, s_associatedData);
        return sealedData;
    }

    private byte[] Open(byte[] data)
    {
        if (data.Length < 2 || data[0] != Version || data.Length < 2 + data[1] + NonceSize + TagSize)
        {
            throw new CryptographicException("A cache entry is not in the sealed format.");
        }

        var id = Encoding.UTF8.GetString(data, 2, data[1]);
        if (!_keys.TryGetValue(id, out var key))
        {
            throw new CryptographicException($"A cache entry was sealed with key '{id}', which is no longer configured.");
        }

        var offset = 2 + data[1];
        var nonce = data.AsSpan(offset, NonceSize);
        var cipherLength = data.Length - offset - NonceSize - TagSize;
        var cipher = data.AsSpan(offset + NonceSize, cipherLength);
        var tag = data.AsSpan(offset + NonceSize + cipherLength, TagSize);
        var plain = new byte[cipherLength];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(nonce, cipher, tag, plain, s_associatedData);
        return plain;
    }
}
