using System.Security.Cryptography;
using System.Text.Json;
using OData.Virtualization.Errors;
using OData.Virtualization.Paging;

namespace OData.Virtualization.ChangeTracking;

/// <summary>
/// Encodes <see cref="DeltaToken"/>s as opaque <c>$deltatoken</c> values signed with the paging key (as
/// <c>$skiptoken</c>s are, under a purpose of their own), so that every instance answers every instance's links and a
/// changed or foreign link is a 400, never a wrong delta.
/// </summary>
internal sealed class DeltaTokenCodec(SkipTokenCodec signer)
{
    private const string Purpose = "odata-delta-v1";

    public string Encode(DeltaToken token)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("f", token.Fingerprint);
            json.WriteString("e", token.Epoch);
            json.WriteNumber("p", token.From);
            if (token.Upper is { } upper)
            {
                json.WriteNumber("u", upper);
            }

            if (token.After is { } after)
            {
                json.WriteString("a", after);
            }

            json.WriteNumber("i", token.Issued);
            if (token.Reading)
            {
                json.WriteBoolean("r", true);
            }

            json.WriteEndObject();
        }

        var payload = buffer.ToArray();
        return SkipTokenCodec.Join(payload, signer.Sign(Purpose, payload));
    }

    public DeltaToken Decode(string text)
    {
        if (!SkipTokenCodec.TrySplit(text, out var payload, out var mac))
        {
            throw Invalid("it is not a link this service issued");
        }

        if (!CryptographicOperations.FixedTimeEquals(signer.Sign(Purpose, payload), mac))
        {
            throw Invalid("its signature does not match (it was changed, or issued by a server with another paging key)");
        }

        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            return new DeltaToken(
                root.GetProperty("f").GetString()!,
                root.GetProperty("e").GetGuid(),
                root.GetProperty("p").GetInt64(),
                root.TryGetProperty("u", out var upper) ? upper.GetInt64() : null,
                root.TryGetProperty("a", out var after) ? after.GetString() : null,
                root.GetProperty("i").GetInt64(),
                root.TryGetProperty("r", out var reading) && reading.GetBoolean());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw Invalid("it cannot be read");
        }
    }

    public static ODataProblem Invalid(string why)
        => ODataProblem.BadRequest($"The $deltatoken is not valid: {why}. Follow the @odata.deltaLink exactly as returned, or read the entity set again with Prefer: odata.track-changes for a new one.", "$deltatoken", "InvalidDeltaToken");
}
