using System.Data.Common;
using System.Text.Json;
using Microsoft.OData.Edm;
using OData.Virtualization.Query;

namespace OData.Virtualization.Serialization;

/// <summary>
/// Writes the rows of a <c>$apply</c> result as OData JSON (Data Aggregation 4.0 §3): the grouped properties, a property
/// grouped through a navigation property inside that property's object (<c>"carrier":{"name":"…"}</c>), then the
/// aggregate aliases, each with its type (<c>"total@odata.type":"#Decimal"</c>): an alias is a dynamic property, whose type
/// a client cannot find in <c>$metadata</c>.
/// </summary>
internal static class AggregateWriter
{
    /// <summary><c>$metadata#Set(carrier(name),city,total)</c>: the set and the properties of the aggregated rows.</summary>
    public static string Context(string serviceRoot, ApplyQuery query)
    {
        var items = new List<string>();
        var outputs = query.Outputs;
        foreach (var output in outputs)
        {
            if (output.Navigation is null)
            {
                items.Add(output.Name);
            }
            else if (!items.Any(i => i.StartsWith(output.Navigation + "(", StringComparison.Ordinal)))
            {
                items.Add(output.Navigation + "(" + string.Join(",", outputs.Where(o => o.Navigation == output.Navigation).Select(o => o.Name)) + ")");
            }
        }

        return serviceRoot + "$metadata#" + query.Set.Name + "(" + string.Join(",", items) + ")";
    }

    /// <summary>Writes the reader's current row (its columns are <see cref="ApplyQuery.Outputs"/>, in order).</summary>
    public static void WriteRow(Utf8JsonWriter writer, DbDataReader reader, ApplyQuery query, ResponseFormat format)
    {
        var outputs = query.Outputs;
        writer.WriteStartObject();
        if (format.Metadata == MetadataLevel.Full)
        {
            // An aggregated row is no entity of the set: it has no id (Data Aggregation §3.1.2).
            writer.WriteNull("@odata.id");
        }

        List<string>? written = null;
        for (var i = 0; i < outputs.Count; i++)
        {
            var navigation = outputs[i].Navigation;
            if (navigation is null)
            {
                WriteValue(writer, reader, i, outputs[i], format);
                continue;
            }

            written ??= [];
            if (written.Contains(navigation))
            {
                continue;
            }

            written.Add(navigation);
            writer.WritePropertyName(navigation);
            writer.WriteStartObject();
            for (var j = i; j < outputs.Count; j++)
            {
                if (outputs[j].Navigation == navigation)
                {
                    WriteValue(writer, reader, j, outputs[j], format);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, DbDataReader reader, int ordinal, ApplyOutput output, ResponseFormat format)
    {
        var kind = output.Type.EdmKind;
        if (output.IsAlias && format.Metadata != MetadataLevel.None && kind is not (EdmPrimitiveTypeKind.String or EdmPrimitiveTypeKind.Boolean or EdmPrimitiveTypeKind.Double))
        {
            writer.WriteString(output.Name + "@odata.type", "#" + kind);
        }

        writer.WritePropertyName(output.Name);
        ValueWriter.Write(writer, reader, ordinal, output.Type, format.Ieee754Compatible, format.StandardBase64);
    }
}
