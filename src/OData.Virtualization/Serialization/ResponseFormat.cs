using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Serialization;

/// <summary>How much OData control information a JSON response carries.</summary>
internal enum MetadataLevel
{
    Minimal,
    None,
    Full,
}

/// <summary>The negotiated JSON format of a response (from <c>$format</c> or <c>Accept</c>).</summary>
internal sealed record ResponseFormat(MetadataLevel Metadata, bool Ieee754Compatible)
{
    public static readonly ResponseFormat Default = new(MetadataLevel.Minimal, false);

    /// <summary>
    /// Edm.Binary as standard base64 with padding instead of base64url without (the server's
    /// <c>OData:Compatibility:BinaryEncoding</c>, not the client's choice): not part of <see cref="ContentType"/>.
    /// </summary>
    public bool StandardBase64 { get; init; }

    /// <summary>The six content types, built once: every response names one.</summary>
    private static readonly string[] s_contentTypes = [.. from level in Enum.GetValues<MetadataLevel>()
                                                          from ieee754 in new[] { false, true }
                                                          select $"application/json;odata.metadata={level.ToString().ToLowerInvariant()};odata.streaming=true;IEEE754Compatible={(ieee754 ? "true" : "false")};charset=utf-8"];

    public string ContentType => s_contentTypes[((int)Metadata * 2) + (Ieee754Compatible ? 1 : 0)];

    /// <summary>
    /// Picks the format: <c>$format</c> wins over <c>Accept</c>; JSON is the only data format. Throws a 406
    /// problem when the client accepts nothing we produce.
    /// </summary>
    public static ResponseFormat Negotiate(string? format, StringValues accept)
    {
        if (!string.IsNullOrWhiteSpace(format))
        {
            if (string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
            {
                return Default;
            }

            if (MediaTypeHeaderValue.TryParse(format, out var formatType) && IsJson(formatType))
            {
                return FromParameters(formatType);
            }

            throw new ODataProblem(406, "NotAcceptable", $"$format '{format}' is not supported: this service answers with JSON only. Use $format=json or application/json.", "$format");
        }

        if (StringValues.IsNullOrEmpty(accept) || !MediaTypeHeaderValue.TryParseList(accept, out var types) || types.Count == 0)
        {
            return Default;
        }

        // Highest quality first; among equals, the order given.
        foreach (var type in types.Where(t => t.Quality != 0).OrderByDescending(t => t.Quality ?? 1.0))
        {
            if (IsJson(type))
            {
                return FromParameters(type);
            }

            if (type.MediaType.Equals("*/*", StringComparison.Ordinal) || type.MediaType.Equals("application/*", StringComparison.OrdinalIgnoreCase))
            {
                return Default;
            }
        }

        throw new ODataProblem(406, "NotAcceptable", "The Accept header allows no format this service produces: it answers with application/json.");
    }

    private static bool IsJson(MediaTypeHeaderValue type) => type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static ResponseFormat FromParameters(MediaTypeHeaderValue type)
    {
        var metadata = MetadataLevel.Minimal;
        var ieee = false;
        foreach (var parameter in type.Parameters)
        {
            var name = parameter.Name.Value ?? string.Empty;
            var value = HeaderUtilities.RemoveQuotes(parameter.Value).Value ?? string.Empty;
            if (name.Equals("odata.metadata", StringComparison.OrdinalIgnoreCase) || name.Equals("metadata", StringComparison.OrdinalIgnoreCase))
            {
                metadata = value.ToLowerInvariant() switch
                {
                    "minimal" => MetadataLevel.Minimal,
                    "none" => MetadataLevel.None,
                    "full" => MetadataLevel.Full,
                    _ => throw new ODataProblem(406, "NotAcceptable", $"odata.metadata={value} is not supported: use minimal, none or full."),
                };
            }
            else if (name.Equals("IEEE754Compatible", StringComparison.OrdinalIgnoreCase))
            {
                ieee = value.Equals("true", StringComparison.OrdinalIgnoreCase);
            }
        }

        return new ResponseFormat(metadata, ieee);
    }
}
