using System.Buffers.Text;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OData.Virtualization.Model;

namespace OData.Virtualization.Serialization;

/// <summary>
/// Reads one column value from a data reader and writes it as OData JSON, exact for the published type:
/// decimals keep their digits and scale, Int64 beyond 2^53 stays exact (as a string under
/// <c>IEEE754Compatible=true</c>), timestamps keep their instant and offset, binary is base64url (or, for clients that
/// read only that, standard base64 with padding: <see cref="ResponseFormat.StandardBase64"/>).
/// Typed getters on the hot path: no boxing per value.
/// </summary>
internal static partial class ValueWriter
{
    private static readonly decimal[] s_zeroWithScale = Enumerable.Range(0, 29).Select(s => new decimal(0, 0, 0, false, (byte)s)).ToArray();

    public static void Write(Utf8JsonWriter writer, DbDataReader reader, int ordinal, ColumnType type, bool ieee754Compatible, bool standardBase64 = false)
    {
        // PostgreSQL's scalar kinds (timestamps and dates among them) are written by WriteNpgsql; SQLite's and the
        // others by the general path below.
        if (reader is NpgsqlDataReader npgsql && !type.IsCollection && WriteNpgsql(writer, npgsql, ordinal, type, ieee754Compatible))
        {
            return;
        }

        if (reader.IsDBNull(ordinal))
        {
            // A collection-valued property is never null in OData (CSDL 7.2.1): a NULL array is the empty collection.
            if (type.IsCollection)
            {
                writer.WriteStartArray();
                writer.WriteEndArray();
                return;
            }

            writer.WriteNullValue();
            return;
        }

        if (type.IsCollection)
        {
            WriteBoxed(writer, reader.GetValue(ordinal), type, ieee754Compatible, standardBase64);
            return;
        }

        switch (type.Kind)
        {
            case ValueKind.String:
                writer.WriteStringValue(reader.GetString(ordinal));
                break;
            case ValueKind.Int32 or ValueKind.Int16 or ValueKind.Byte:
                writer.WriteNumberValue(reader.GetInt32(ordinal));
                break;
            case ValueKind.Int64:
                WriteInt64(writer, reader.GetInt64(ordinal), ieee754Compatible);
                break;
            case ValueKind.Decimal when type.ReadAsText:
                WriteDecimalText(writer, reader.GetString(ordinal), ieee754Compatible);
                break;
            case ValueKind.Decimal:
                WriteDecimal(writer, reader.GetDecimal(ordinal), type, ieee754Compatible);
                break;
            case ValueKind.Boolean:
                writer.WriteBooleanValue(reader.GetBoolean(ordinal));
                break;
            case ValueKind.Double:
                WriteDouble(writer, reader.GetDouble(ordinal));
                break;
            case ValueKind.Single:
                WriteSingle(writer, reader.GetFloat(ordinal));
                break;
            case ValueKind.Guid:
                writer.WriteStringValue(reader.GetGuid(ordinal));
                break;
            default:
                WriteBoxed(writer, ReadBoxed(reader, ordinal, type), type, ieee754Compatible, standardBase64);
                break;
        }
    }

    /// <summary>Reads a value as its canonical .NET type (for buffered rows and raw values).</summary>
    public static object? ReadBoxed(DbDataReader reader, int ordinal, ColumnType type)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        if (type.IsCollection)
        {
            return reader.GetValue(ordinal);
        }

        var sqlite = reader is Microsoft.Data.Sqlite.SqliteDataReader;
        return type.Kind switch
        {
            ValueKind.String => reader.GetString(ordinal),
            ValueKind.Int16 or ValueKind.Byte or ValueKind.Int32 => reader.GetInt32(ordinal),
            ValueKind.Int64 => reader.GetInt64(ordinal),
            ValueKind.Decimal when type.ReadAsText => reader.GetString(ordinal),
            ValueKind.Decimal => WithScale(reader.GetDecimal(ordinal), type),
            ValueKind.Boolean => reader.GetBoolean(ordinal),
            ValueKind.Double => reader.GetDouble(ordinal),
            ValueKind.Single => reader.GetFloat(ordinal),
            ValueKind.Guid => reader.GetGuid(ordinal),
            ValueKind.Binary => reader.GetFieldValue<byte[]>(ordinal),
            ValueKind.Date when sqlite => DateOnly.Parse(reader.GetString(ordinal).AsSpan(0, Math.Min(10, reader.GetString(ordinal).Length)), CultureInfo.InvariantCulture),
            ValueKind.Date => reader.GetFieldValue<DateOnly>(ordinal),
            ValueKind.TimeOfDay when sqlite => TimeOnly.Parse(reader.GetString(ordinal), CultureInfo.InvariantCulture),
            ValueKind.TimeOfDay => reader.GetFieldValue<TimeOnly>(ordinal),
            ValueKind.DateTime when sqlite => ParseSqliteTimestamp(reader.GetString(ordinal)),
            ValueKind.DateTime => new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc)),
            ValueKind.DateTimeOffset when sqlite => ParseSqliteTimestamp(reader.GetString(ordinal)),
            ValueKind.DateTimeOffset => new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc)),
            ValueKind.Duration when reader is NpgsqlDataReader npgsql => ToTimeSpan(npgsql.GetFieldValue<NpgsqlInterval>(ordinal)),
            // MySQL's TIME reads as a TimeSpan (-838:59:59 to 838:59:59); SQLite stores seconds.
            ValueKind.Duration when reader.GetFieldType(ordinal) == typeof(TimeSpan) => reader.GetFieldValue<TimeSpan>(ordinal),
            ValueKind.Duration => TimeSpan.FromSeconds(reader.GetDouble(ordinal)),
            _ => reader.GetValue(ordinal),
        };
    }

    public static void WriteBoxed(Utf8JsonWriter writer, object? value, ColumnType type, bool ieee754Compatible, bool standardBase64 = false)
    {
        switch (value)
        {
            case null when type.IsCollection:
                writer.WriteStartArray();
                writer.WriteEndArray();
                break;
            case null:
                writer.WriteNullValue();
                break;
            case string s when type.Kind == ValueKind.Decimal:
                WriteDecimalText(writer, s, ieee754Compatible);
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case short i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                WriteInt64(writer, l, ieee754Compatible);
                break;
            case decimal d:
                WriteDecimal(writer, d, type, ieee754Compatible);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case double d:
                WriteDouble(writer, d);
                break;
            case float f:
                WriteSingle(writer, f);
                break;
            case Guid g:
                writer.WriteStringValue(g);
                break;
            case byte[] bytes when standardBase64:
                writer.WriteBase64StringValue(bytes);
                break;
            case byte[] bytes:
                WriteBase64Url(writer, bytes);
                break;
            case DateOnly date:
                WriteDate(writer, date);
                break;
            case TimeOnly time:
                writer.WriteStringValue(FormatTime(time));
                break;
            case DateTimeOffset dto when dto.Offset == TimeSpan.Zero:
                writer.WriteStringValue(dto.UtcDateTime);
                break;
            case DateTimeOffset dto:
                writer.WriteStringValue(dto);
                break;
            case DateTime dt:
                writer.WriteStringValue(DateTime.SpecifyKind(dt, DateTimeKind.Utc));
                break;
            case TimeSpan span:
                writer.WriteStringValue(System.Xml.XmlConvert.ToString(span));
                break;
            case Array array:
                var elementType = type with { IsCollection = false };
                writer.WriteStartArray();
                foreach (var element in array)
                {
                    WriteBoxed(writer, Canonical(element, elementType), elementType, ieee754Compatible, standardBase64);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>The raw text of a value, for <c>/$value</c>.</summary>
    public static string FormatRaw(object value, ColumnType type) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => FormatTime(t),
        DateTimeOffset dto => FormatTimestampString(dto),
        TimeSpan span => System.Xml.XmlConvert.ToString(span),
        decimal d => WithScale(d, type).ToString(CultureInfo.InvariantCulture),
        double d => FormatDouble(d),
        float f => float.IsFinite(f) ? f.ToString("R", CultureInfo.InvariantCulture) : FormatDouble(f),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static object? Canonical(object? element, ColumnType type) => element switch
    {
        DateTime dt when type.Kind == ValueKind.Date => DateOnly.FromDateTime(dt),
        DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
        _ => element,
    };

    private static void WriteDate(Utf8JsonWriter writer, DateOnly date)
    {
        Span<byte> buffer = stackalloc byte[10];
        date.TryFormat(buffer, out var written, "O", CultureInfo.InvariantCulture);
        writer.WriteStringValue(buffer[..written]);
    }

    private static void WriteInt64(Utf8JsonWriter writer, long value, bool ieee754Compatible)
    {
        if (ieee754Compatible)
        {
            Span<byte> buffer = stackalloc byte[20];
            Utf8Formatter.TryFormat(value, buffer, out var written);
            writer.WriteStringValue(buffer[..written]);
        }
        else
        {
            writer.WriteNumberValue(value);
        }
    }

    private static void WriteDecimal(Utf8JsonWriter writer, decimal value, ColumnType type, bool ieee754Compatible)
    {
        value = WithScale(value, type);
        if (ieee754Compatible)
        {
            Span<byte> buffer = stackalloc byte[64];
            Utf8Formatter.TryFormat(value, buffer, out var written);
            writer.WriteStringValue(buffer[..written]);
        }
        else
        {
            writer.WriteNumberValue(value);
        }
    }

    /// <summary>SQLite returns 1234.5 for a NUMERIC(10,2) holding 1234.50: restore the declared scale.</summary>
    private static decimal WithScale(decimal value, ColumnType type)
    {
        if (type.Scale is not { } scale || scale > 28)
        {
            return value;
        }

        var current = value.Scale;
        if (current == scale)
        {
            return value;
        }

        return current > scale ? decimal.Round(value, scale, MidpointRounding.ToEven) : value + s_zeroWithScale[scale];
    }

    private static void WriteDecimalText(Utf8JsonWriter writer, string text, bool ieee754Compatible)
    {
        // PostgreSQL numeric text: digits, an optional point and sign, or NaN / Infinity / -Infinity (a number only when
        // its last character is a digit: "-Infinity" starts like a negative number).
        if (ieee754Compatible || text.Length == 0 || !char.IsAsciiDigit(text[^1]) || !(char.IsAsciiDigit(text[0]) || text[0] == '-'))
        {
            writer.WriteStringValue(text is "Infinity" ? "INF" : text is "-Infinity" ? "-INF" : text);
            return;
        }

        writer.WriteRawValue(text, skipInputValidation: true);
    }

    private static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "INF" : "-INF");
        }
    }

    /// <summary>
    /// A real (float4) as its shortest round-trip text, 1.16 rather than 1.159999966621399: widening to double
    /// first would print digits the column never held.
    /// </summary>
    private static void WriteSingle(Utf8JsonWriter writer, float value)
    {
        if (float.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            WriteDouble(writer, value);
        }
    }

    private static string FormatDouble(double value)
        => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : double.IsNaN(value) ? "NaN" : value > 0 ? "INF" : "-INF";

    private static void WriteBase64Url(Utf8JsonWriter writer, byte[] bytes)
    {
        var length = Base64Url.GetEncodedLength(bytes.Length);
        if (length <= 1024)
        {
            Span<byte> buffer = stackalloc byte[length];
            Base64Url.EncodeToUtf8(bytes, buffer);
            writer.WriteStringValue(buffer);
        }
        else
        {
            writer.WriteStringValue(Base64Url.EncodeToString(bytes));
        }
    }

    private static string FormatTime(TimeOnly time)
        => time.ToString(time.Ticks % TimeSpan.TicksPerSecond == 0 ? "HH:mm:ss" : "HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

    private static int FormatTimestamp(DateTimeOffset value, Span<char> buffer)
    {
        var fraction = value.Ticks % TimeSpan.TicksPerSecond != 0;
        if (value.Offset == TimeSpan.Zero)
        {
            value.UtcDateTime.TryFormat(buffer, out var written, fraction ? "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'" : "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            return written;
        }

        value.TryFormat(buffer, out var length, fraction ? "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz" : "yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        return length;
    }

    private static string FormatTimestampString(DateTimeOffset value)
    {
        Span<char> buffer = stackalloc char[40];
        return new string(buffer[..FormatTimestamp(value, buffer)]);
    }

    private static DateTimeOffset ParseSqliteTimestamp(string text)
        => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces);

    private static TimeSpan ToTimeSpan(NpgsqlInterval interval)
        // Edm.Duration has no months: a month counts as 30 days (documented in the README's type table).
        => TimeSpan.FromDays((interval.Months * 30L) + interval.Days) + TimeSpan.FromTicks(interval.Time * 10);
}
