namespace OData.Virtualization.Configuration;

/// <summary>
/// <c>OData:Compatibility</c>: output adjusted for clients that cannot read the format as the OData standard writes
/// it. Each setting applies to every service root and every caller; the defaults follow the standard.
/// </summary>
public sealed class CompatibilityOptions
{
    /// <summary>Edm.Binary written as base64url without padding (the OData JSON format's own form).</summary>
    public const string Base64Url = "Base64Url";

    /// <summary>Edm.Binary written as standard base64 (<c>+</c>, <c>/</c>) with padding.</summary>
    public const string Base64 = "Base64";

    /// <summary>
    /// How <c>Edm.Binary</c> values are written in JSON: <c>Base64Url</c> (default; RFC 4648 §5 without padding, as the
    /// OData ABNF's <c>binaryValue</c> and the JSON format prescribe) or <c>Base64</c> (RFC 4648 §4 with padding: what
    /// Microsoft.OData.Core 8.x's reader, and so the official .NET client, can decode — it cannot read <c>-</c>,
    /// <c>_</c> or missing padding, odata.net issues #3300 and #3387). Binary literals in URLs are read in either form
    /// whatever this says; raw <c>/$value</c> is bytes either way.
    /// </summary>
    public string BinaryEncoding { get; init; } = Base64Url;

    /// <summary>Whether <see cref="BinaryEncoding"/> asks for standard base64.</summary>
    public bool StandardBase64 => string.Equals(BinaryEncoding, Base64, StringComparison.OrdinalIgnoreCase);
}
