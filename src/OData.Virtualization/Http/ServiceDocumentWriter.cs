using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OData.Virtualization.Model;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>The service document: every published entity set, by name and URL.</summary>
internal static class ServiceDocumentWriter
{
    public static async Task WriteAsync(HttpContext context, PublishedModel model, string serviceRoot, ResponseFormat format)
    {
        context.Response.ContentType = format.ContentType;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter, StreamingJsonWriter.Options);
        writer.WriteStartObject();
        if (format.Metadata != MetadataLevel.None)
        {
            writer.WriteString("@odata.context", serviceRoot + "$metadata");
        }

        writer.WriteStartArray("value");
        foreach (var set in model.Sets.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("name", set.Name);
            writer.WriteString("kind", "EntitySet");
            writer.WriteString("url", set.Name);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
