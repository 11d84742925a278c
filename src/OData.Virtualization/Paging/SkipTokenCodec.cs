using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;

namespace OData.Virtualization.Paging;

/// <summary>Where a server-paged read stands: which query, how many rows were returned, and the last position.</summary>
internal sealed record SkipToken(string Fingerprint, long Returned, int PageSize, IReadOnlyList<object?> After);

/// <summary>
/// Encodes <see cref="SkipToken"/>s as opaque, signed <c>$skiptoken</c> values (HMAC-SHA256 with a key from
/// configuration), so that any instance can continue any link, across restarts, and a tampered or foreign token
/// is refused with a 400 instead of silently restarting or leaking another query's position.
/// </summary>
internal sealed class SkipTokenCodec(byte[] key)
{
    private const int MacLength = 16;

    public string Encode(SkipToken token)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("f", token.Fingerprint);
            json.WriteNumber("n", token.Returned);
            json.WriteNumber("p", token.PageSize);
            json.WriteStartArray("v");
            foreach (var value in token.After)
            {
                WriteValue(json, value);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        var payload = buffer.ToArray();
        return Join(payload, HMACSHA256.HashData(key, payload).AsSpan(0, MacLength));
    }

    /// <summary>A signed token as this service writes every kind of them: <c>payload.mac</c>, both base64url.</summary>
    internal static string Join(byte[] payload, ReadOnlySpan<byte> mac) => Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(mac);

    /// <summary>The payload and MAC of a token written by <see cref="Join"/>; false when the text is not one.</summary>
    internal static bool TrySplit(string text, out byte[] payload, out byte[] mac)
    {
        (payload, mac) = ([], []);
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return false;
        }

        try
        {
            payload = Base64Url.DecodeFromChars(text.AsSpan(0, dot));
            mac = Base64Url.DecodeFromChars(text.AsSpan(dot + 1));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public SkipToken Decode(string text)
    {
        if (!TrySplit(text, out var payload, out var mac))
        {
            throw Invalid("it is not a token this service issued");
        }

        var expected = HMACSHA256.HashData(key, payload).AsSpan(0, MacLength);
        if (mac.Length != MacLength || !CryptographicOperations.FixedTimeEquals(expected, mac))
        {
            throw Invalid("its signature does not match (it was changed, or issued by a server with another paging key)");
        }

        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            var values = root.GetProperty("v").EnumerateArray().Select(ReadValue).ToList();
            return new SkipToken(root.GetProperty("f").GetString()!, root.GetProperty("n").GetInt64(), root.GetProperty("p").GetInt32(), values);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw Invalid("it cannot be read");
        }
    }

    /// <summary>
    /// The MAC of another kind of token signed with the paging key (a delta link's), under its own purpose so that no
    /// token of one kind is ever accepted as the other.
    /// </summary>
    public byte[] Sign(string purpose, ReadOnlySpan<byte> payload)
    {
        var message = new byte[purpose.Length + 1 + payload.Length];
        Encoding.UTF8.GetBytes(purpose, message);
        message[purpose.Length] = (byte)'\n';
        payload.CopyTo(message.AsSpan(purpose.Length + 1));
        return HMACSHA256.HashData(key, message).AsSpan(0, MacLength).ToArray();
    }

    /// <summary>A short hash that ties a token to the query it continues (set, filter, search, order, $top).</summary>
    public static string Fingerprint(string text)
        => Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 12));

    private static ODataProblem Invalid(string why)
        => ODataProblem.BadRequest($"The $skiptoken is not valid: {why}. Follow the @odata.nextLink exactly as returned, or request the first page again.", "$skiptoken", "InvalidSkipToken");

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        if (value is null)
        {
            json.WriteNullValue();
            return;
        }

        var (code, text) = value switch
        {
            string s => ("s", s),
            int i => ("i", i.ToString(CultureInfo.InvariantCulture)),
            long l => ("l", l.ToString(CultureInfo.InvariantCulture)),
            short h => ("h", h.ToString(CultureInfo.InvariantCulture)),
            decimal d => ("d", d.ToString(CultureInfo.InvariantCulture)),
            double f => ("f", f.ToString("R", CultureInfo.InvariantCulture)),
            float r => ("r", r.ToString("R", CultureInfo.InvariantCulture)),
            bool b => ("b", b ? "1" : "0"),
            Guid g => ("g", g.ToString("D")),
            DateOnly date => ("D", date.ToString("O", CultureInfo.InvariantCulture)),
            TimeOnly time => ("T", time.ToString("O", CultureInfo.InvariantCulture)),
            DateTimeOffset dto => ("o", dto.ToString("O", CultureInfo.InvariantCulture)),
            DateTime dt => ("t", dt.ToString("O", CultureInfo.InvariantCulture)),
            TimeSpan span => ("p", span.Ticks.ToString(CultureInfo.InvariantCulture)),
            byte[] bytes => ("x", Convert.ToBase64String(bytes)),
            _ => throw new InvalidOperationException($"A value of type {value.GetType()} cannot be a paging position."),
        };
        json.WriteStartArray();
        json.WriteStringValue(code);
        json.WriteStringValue(text);
        json.WriteEndArray();
    }

    private static object? ReadValue(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var code = element[0].GetString();
        var text = element[1].GetString()!;
        var invariant = CultureInfo.InvariantCulture;
        return code switch
        {
            "s" => text,
            "i" => int.Parse(text, invariant),
            "l" => long.Parse(text, invariant),
            "h" => short.Parse(text, invariant),
            "d" => decimal.Parse(text, NumberStyles.Number, invariant),
            "f" => double.Parse(text, NumberStyles.Float, invariant),
            "r" => float.Parse(text, NumberStyles.Float, invariant),
            "b" => text == "1",
            "g" => Guid.Parse(text),
            "D" => DateOnly.ParseExact(text, "O", invariant),
            "T" => TimeOnly.ParseExact(text, "O", invariant),
            "o" => DateTimeOffset.ParseExact(text, "O", invariant),
            "t" => DateTime.ParseExact(text, "O", invariant, DateTimeStyles.RoundtripKind),
            "p" => TimeSpan.FromTicks(long.Parse(text, invariant)),
            "x" => Convert.FromBase64String(text),
            _ => throw new FormatException(),
        };
    }
}
