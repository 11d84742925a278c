using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace OData.Virtualization.Benchmarks.Baseline;

/// <summary>
/// The baseline's hand-written row writer: every column of the result, by its PostgreSQL type, straight from the
/// reader with typed getters into a <see cref="Utf8JsonWriter"/>. Helper columns (join columns repeated by the
/// statement, <c>__rn</c>) are not entity properties and are not written.
/// </summary>
internal sealed class RowWriter
{
    private readonly Column[] _columns;

    private RowWriter(Column[] columns, int fieldCount)
    {
        _columns = columns;
        FieldCount = fieldCount;
    }

    public int FieldCount { get; }

    public static RowWriter For(NpgsqlDataReader reader)
    {
        var columns = new List<Column>(reader.FieldCount);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            var name = reader.GetName(i);
            if (name.StartsWith("__", StringComparison.Ordinal) || !seen.Add(name))
            {
                continue;
            }

            var kind = reader.GetPostgresType(i).InternalName switch
            {
                "int8" => Kind.Int64,
                "int4" => Kind.Int32,
                "int2" => Kind.Int16,
                "numeric" => Kind.Decimal,
                "text" or "varchar" or "bpchar" => Kind.String,
                "timestamptz" => Kind.TimestampTz,
                "timestamp" => Kind.Timestamp,
                "date" => Kind.Date,
                "bool" => Kind.Boolean,
                "float8" => Kind.Double,
                _ => Kind.Other,
            };
            columns.Add(new Column(i, name, JsonEncodedText.Encode(name), kind));
        }

        return new RowWriter([.. columns], reader.FieldCount);
    }

    /// <summary>The ordinal of a written column, by name.</summary>
    public int Ordinal(string name) => Array.Find(_columns, c => c.Name == name)?.Ordinal
        ?? throw new InvalidOperationException($"The result has no column '{name}'.");

    /// <summary>Writes the current row's columns as properties of the object the caller has started.</summary>
    public void WriteProperties(Utf8JsonWriter writer, NpgsqlDataReader reader)
    {
        foreach (var column in _columns)
        {
            writer.WritePropertyName(column.EncodedName);
            var i = column.Ordinal;
            if (reader.IsDBNull(i))
            {
                writer.WriteNullValue();
                continue;
            }

            switch (column.Kind)
            {
                case Kind.Int64:
                    writer.WriteNumberValue(reader.GetInt64(i));
                    break;
                case Kind.Int32:
                    writer.WriteNumberValue(reader.GetInt32(i));
                    break;
                case Kind.Int16:
                    writer.WriteNumberValue(reader.GetInt16(i));
                    break;
                case Kind.Decimal:
                    writer.WriteNumberValue(reader.GetDecimal(i));
                    break;
                case Kind.String:
                    writer.WriteStringValue(reader.GetString(i));
                    break;
                case Kind.TimestampTz:
                    writer.WriteStringValue(reader.GetDateTime(i));
                    break;
                case Kind.Timestamp:
                    writer.WriteStringValue(DateTime.SpecifyKind(reader.GetDateTime(i), DateTimeKind.Utc));
                    break;
                case Kind.Date:
                    WriteDate(writer, reader.GetFieldValue<DateOnly>(i));
                    break;
                case Kind.Boolean:
                    writer.WriteBooleanValue(reader.GetBoolean(i));
                    break;
                case Kind.Double:
                    writer.WriteNumberValue(reader.GetDouble(i));
                    break;
                default:
                    writer.WriteStringValue(Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture));
                    break;
            }
        }
    }

    /// <summary>Reads every field of the current row (for rows that must be buffered, as parents and children of an expand).</summary>
    public object?[] ReadRow(NpgsqlDataReader reader)
    {
        var values = new object?[FieldCount];
        foreach (var column in _columns)
        {
            var i = column.Ordinal;
            values[i] = reader.IsDBNull(i) ? null : column.Kind switch
            {
                Kind.Date => reader.GetFieldValue<DateOnly>(i),
                Kind.Timestamp => DateTime.SpecifyKind(reader.GetDateTime(i), DateTimeKind.Utc),
                _ => reader.GetValue(i),
            };
        }

        return values;
    }

    /// <summary>Writes a buffered row's columns as properties of the object the caller has started.</summary>
    public void WriteProperties(Utf8JsonWriter writer, object?[] values)
    {
        foreach (var column in _columns)
        {
            writer.WritePropertyName(column.EncodedName);
            switch (values[column.Ordinal])
            {
                case null:
                    writer.WriteNullValue();
                    break;
                case long l:
                    writer.WriteNumberValue(l);
                    break;
                case int n:
                    writer.WriteNumberValue(n);
                    break;
                case short s:
                    writer.WriteNumberValue(s);
                    break;
                case decimal d:
                    writer.WriteNumberValue(d);
                    break;
                case string s:
                    writer.WriteStringValue(s);
                    break;
                case DateTime dt:
                    writer.WriteStringValue(dt);
                    break;
                case DateOnly date:
                    WriteDate(writer, date);
                    break;
                case bool b:
                    writer.WriteBooleanValue(b);
                    break;
                case double d:
                    writer.WriteNumberValue(d);
                    break;
                case var other:
                    writer.WriteStringValue(Convert.ToString(other, CultureInfo.InvariantCulture));
                    break;
            }
        }
    }

    private static void WriteDate(Utf8JsonWriter writer, DateOnly date)
    {
        Span<char> buffer = stackalloc char[10];
        date.TryFormat(buffer, out var written, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        writer.WriteStringValue(buffer[..written]);
    }

    private enum Kind
    {
        Other,
        Int64,
        Int32,
        Int16,
        Decimal,
        String,
        TimestampTz,
        Timestamp,
        Date,
        Boolean,
        Double,
    }

    private sealed record Column(int Ordinal, string Name, JsonEncodedText EncodedName, Kind Kind);
}
