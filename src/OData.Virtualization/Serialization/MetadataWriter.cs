using System.Text;
using System.Text.Json;
using System.Xml;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Csdl;
using Microsoft.OData.Edm.Validation;
using OData.Virtualization.Errors;
using OData.Virtualization.Http;

namespace OData.Virtualization.Serialization;

/// <summary>
/// <c>$metadata</c> as CSDL XML, rendered once per model. XML whatever <c>Accept</c> prefers: Power Query
/// sends <c>Accept: application/json…</c> first and still needs XML. Only an explicit <c>$format=json</c>
/// gets CSDL JSON.
/// </summary>
internal sealed class MetadataWriter
{
    private MetadataWriter(byte[] xml, byte[] json)
    {
        Xml = xml;
        Json = json;
    }

    public byte[] Xml { get; }

    public byte[] Json { get; }

    public static MetadataWriter Render(IEdmModel model)
    {
        using var xmlStream = new MemoryStream();
        using (var xmlWriter = XmlWriter.Create(xmlStream, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
        {
            if (!CsdlWriter.TryWriteCsdl(model, xmlWriter, CsdlTarget.OData, out var errors))
            {
                throw new InvalidOperationException("The published model cannot be written as CSDL: " + string.Join("; ", errors.Select(e => e.ErrorMessage)));
            }
        }

        using var jsonStream = new MemoryStream();
        using (var jsonWriter = new Utf8JsonWriter(jsonStream, new JsonWriterOptions { Indented = true }))
        {
            CsdlWriter.TryWriteCsdl(model, jsonWriter, out _);
        }

        return new MetadataWriter(xmlStream.ToArray(), jsonStream.ToArray());
    }

    public static IEnumerable<EdmError> Validate(IEdmModel model)
    {
        model.Validate(out var errors);
        return errors;
    }

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
