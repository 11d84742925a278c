using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using OData.Virtualization.Errors;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>
/// Answers <c>$metadata</c>: CSDL XML whatever <c>Accept</c> prefers (Power Query sends <c>Accept: application/json…</c>
/// first and still needs XML); only an explicit <c>$format=json</c> gets CSDL JSON.
/// </summary>
internal static class MetadataResponder
{
    public static async Task WriteAsync(HttpContext context, MetadataWriter metadata, StringValues format)
    {
        var json = format.Count > 0 && (string.Equals(format, "json", StringComparison.OrdinalIgnoreCase) || format.ToString().StartsWith("application/json", StringComparison.OrdinalIgnoreCase));
        if (!json && format.Count > 0 && !string.Equals(format, "xml", StringComparison.OrdinalIgnoreCase) && !format.ToString().StartsWith("application/xml", StringComparison.OrdinalIgnoreCase))
        {
            throw new ODataProblem(406, "NotAcceptable", $"$format '{format}' is not available for $metadata: use xml (the default) or json.", "$format");
        }

        var response = context.Response;
        response.ContentType = json ? "application/json;charset=utf-8" : "application/xml;charset=utf-8";
        var body = json ? metadata.Json : metadata.Xml;
        response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(body, context.RequestAborted);
        }
    }
}
