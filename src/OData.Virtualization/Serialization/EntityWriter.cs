using System.Data.Common;
using System.Text.Json;
using OData.Virtualization.Model;
using OData.Virtualization.Query;

namespace OData.Virtualization.Serialization;

/// <summary>
/// Writes entities as OData JSON: straight from the data reader when nothing is expanded (no row objects),
/// or from buffered rows when expanded levels must be joined in.
/// </summary>
internal sealed class EntityWriter(string serviceRoot, ResponseFormat format)
{
    public ResponseFormat Format { get; } = format;

    /// <summary>Writes the current row of <paramref name="reader"/> (the statement read <see cref="EntityQuery.ReadColumns"/>).</summary>
    public void WriteFromReader(Utf8JsonWriter writer, DbDataReader reader, EntityQuery query)
    {
        writer.WriteStartObject();
        if (Format.Metadata == MetadataLevel.Full)
        {
            WriteEntityAnnotations(writer, query, reader);
        }

        var selected = query.Selected;
        for (var i = 0; i < selected.Count; i++)
        {
            var column = selected[i];
            WriteTypeAnnotation(writer, column);
            writer.WritePropertyName(column.JsonName);
            ValueWriter.Write(writer, reader, i, column.Type, Format.Ieee754Compatible, Format.StandardBase64);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes a buffered row and its expanded related rows.</summary>
    public void WriteBuffered(Utf8JsonWriter writer, BufferedRow row, EntityQuery query, string? context = null, string? etag = null)
    {
        writer.WriteStartObject();
        if (context is not null)
        {
            writer.WriteString("@odata.context", context);
        }

        if (etag is not null && Format.Metadata != MetadataLevel.None)
        {
            writer.WriteString("@odata.etag", etag);
        }

        if (Format.Metadata == MetadataLevel.Full)
        {
            WriteEntityAnnotations(writer, query, row);
        }

        var selected = query.Selected;
        for (var i = 0; i < selected.Count; i++)
        {
            var column = selected[i];
            WriteTypeAnnotation(writer, column);
            writer.WritePropertyName(column.JsonName);
            ValueWriter.WriteBoxed(writer, row.Values[i], column.Type, Format.Ieee754Compatible, Format.StandardBase64);
        }

        for (var e = 0; e < query.Expands.Count; e++)
        {
            var expand = query.Expands[e];
            if (expand.CountsOnly)
            {
                continue; // written with the level it counts, the one before it
            }

            var children = row.Expanded?[e] ?? [];
            if (e + 1 < query.Expands.Count && query.Expands[e + 1].CountsOnly)
            {
                // The annotation comes before the property it annotates (JSON Format §18).
                var counted = row.Expanded?[e + 1] ?? [];
                var total = counted.Count == 0 ? 0 : Convert.ToInt64(counted[0].Values[0], System.Globalization.CultureInfo.InvariantCulture);
                CountAnnotation.Write(writer, expand.Navigation.Name + "@odata.count", total, Format);
            }

            writer.WritePropertyName(expand.Navigation.Name);
            if (expand.Navigation.IsCollection)
            {
                writer.WriteStartArray();
                foreach (var child in children)
                {
                    WriteBuffered(writer, child, expand.Query);
                }

                writer.WriteEndArray();
            }
            else if (children.Count == 0)
            {
                writer.WriteNullValue();
            }
            else
            {
                WriteBuffered(writer, children[0], expand.Query);
            }
        }

        writer.WriteEndObject();
    }

    // The lambdas live in these two methods, not in the writers': a lambda capturing a parameter allocates its closure
    // when the method is entered, so WriteFromReader allocated one for every row whether or not it was used.
    private void WriteEntityAnnotations(Utf8JsonWriter writer, EntityQuery query, DbDataReader reader)
        => WriteEntityAnnotations(writer, query, i => ValueWriter.ReadBoxed(reader, i, query.ReadColumns[i].Type));

    private void WriteEntityAnnotations(Utf8JsonWriter writer, EntityQuery query, BufferedRow row)
        => WriteEntityAnnotations(writer, query, i => row.Values[i]);

    private void WriteEntityAnnotations(Utf8JsonWriter writer, EntityQuery query, Func<int, object?> valueAt)
    {
        var set = query.Set;
        writer.WriteString("@odata.type", "#" + ModelBuilder.Namespace + "." + set.EdmType.Name);
        var key = new List<(PublishedColumn, object)>(set.Key.Count);
        foreach (var keyColumn in set.Key)
        {
            var index = query.ReadColumns.IndexOfColumn(keyColumn);
            if (valueAt(index) is not { } value)
            {
                return;
            }

            key.Add((keyColumn, value));
        }

        var id = serviceRoot + set.Name + ContextUrl.KeyPredicate(key);
        writer.WriteString("@odata.id", id);
        writer.WriteString("@odata.readLink", id);
        foreach (var navigation in set.Navigations)
        {
            writer.WriteString(navigation.Name + "@odata.navigationLink", id + "/" + navigation.Name);
        }
    }

    private void WriteTypeAnnotation(Utf8JsonWriter writer, PublishedColumn column)
    {
        // A computed property is dynamic: no $metadata declares its type, so minimal metadata carries it too (as $apply's
        // aliases do), unless JSON itself tells it (text, a boolean, a double).
        if (Format.Metadata != MetadataLevel.Full && !(column.IsComputed && Format.Metadata != MetadataLevel.None))
        {
            return;
        }

        var kind = column.Type.EdmKind;
        if (column.Type.IsCollection)
        {
            writer.WriteString(column.PropertyName + "@odata.type", "#Collection(" + kind + ")");
        }
        else if (kind is not (Microsoft.OData.Edm.EdmPrimitiveTypeKind.String or Microsoft.OData.Edm.EdmPrimitiveTypeKind.Boolean
                 or Microsoft.OData.Edm.EdmPrimitiveTypeKind.Double) && (column.IsComputed || kind != Microsoft.OData.Edm.EdmPrimitiveTypeKind.Int32))
        {
            writer.WriteString(column.PropertyName + "@odata.type", "#" + kind);
        }
    }

}

/// <summary>A row read into memory (values in <see cref="EntityQuery.ReadColumns"/> order) with its expanded rows.</summary>
internal sealed class BufferedRow(object?[] values)
{
    public object?[] Values { get; } = values;

    /// <summary>Related rows per entry of <see cref="EntityQuery.Expands"/>.</summary>
    public List<BufferedRow>[]? Expanded { get; set; }

    /// <summary>The row's values of the page's order terms, read beside it: what a next link after this row holds.</summary>
    public object?[]? Order { get; set; }
}
