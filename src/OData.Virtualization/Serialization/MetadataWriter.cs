using System.Text;
using System.Text.Json;
using System.Xml;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Csdl;
using Microsoft.OData.Edm.Validation;

namespace OData.Virtualization.Serialization;

/// <summary>
/// A model's CSDL, rendered once per model: XML, and JSON for an explicit <c>$format=json</c> (Http's
/// <c>MetadataResponder</c> chooses).
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
}
