using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Serialization;

/// <summary>
/// Negotiation for the resources that are not JSON: <c>/$count</c> (text/plain) and <c>/$value</c> (text/plain, or
/// application/octet-stream for binary). Clients send one Accept header to every URL, usually a JSON one with
/// parameters for their JSON (<c>odata.metadata</c>, <c>IEEE754Compatible</c>, even <c>odata=verbose</c>): those
/// parameters say nothing about a number in plain text, so any JSON, text or wildcard type is accepted, whatever its
/// parameters. Only a client that accepts none of these (<c>application/xml</c> alone) gets a 406.
/// </summary>
internal static class RawValueFormat
{
    /// <summary>Checks that the client accepts a raw value; the format recorded for the request is the default.</summary>
    public static ResponseFormat Negotiate(string? format, StringValues accept)
    {
        if (!string.IsNullOrWhiteSpace(format))
        {
            if (string.Equals(format, "json", StringComparison.OrdinalIgnoreCase)
                || (MediaTypeHeaderValue.TryParse(format, out var formatType) && Accepts(formatType)))
            {
                return ResponseFormat.Default;
            }

            throw new ODataProblem(406, "NotAcceptable", $"$format '{format}' is not supported here: /$count and /$value answer with text/plain (binary values with application/octet-stream). Leave out $format, or use $format=json or text/plain.", "$format");
        }

        if (StringValues.IsNullOrEmpty(accept) || !MediaTypeHeaderValue.TryParseList(accept, out var types) || types.Count == 0
            || types.Any(t => t.Quality != 0 && Accepts(t)))
        {
            return ResponseFormat.Default;
        }

        throw new ODataProblem(406, "NotAcceptable", "The Accept header allows no format this resource has: /$count and /$value answer with text/plain (binary values with application/octet-stream). Accept text/plain, application/json or */*.");
    }

    private static bool Accepts(MediaTypeHeaderValue type)
    {
        var mediaType = type.MediaType.Value ?? string.Empty;
        return mediaType.Equals("*/*", StringComparison.Ordinal)
            || mediaType.Equals("text/*", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/*", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase);
    }
}
