using System.Text.Json;
using Npgsql;
using OData.Virtualization.Model;

namespace OData.Virtualization.Serialization;

/// <summary>
/// The types PostgreSQL's rows are made of, read through the sealed <see cref="NpgsqlDataReader"/>: its getters are
/// called directly (and inlined) instead of through <see cref="System.Data.Common.DbDataReader"/>'s virtual methods,
/// on the path every value of every streamed row takes (issue 17: <see cref="Write"/> was 5 % of a keyset page's CPU).
/// </summary>
internal static partial class ValueWriter
{
    /// <summary>Writes a scalar value of the common kinds; false (nothing written) for the others, which the general path writes.</summary>
    private static bool WriteNpgsql(Utf8JsonWriter writer, NpgsqlDataReader reader, int ordinal, ColumnType type, bool ieee754Compatible)
    {
        switch (type.Kind)
        {
            case ValueKind.String or ValueKind.Int32 or ValueKind.Int16 or ValueKind.Byte or ValueKind.Int64 or ValueKind.Decimal
                or ValueKind.Boolean or ValueKind.DateTime or ValueKind.DateTimeOffset or ValueKind.Date:
                break;
            default:
                return false;
        }

        if (reader.IsDBNull(ordinal))
        {
            writer.WriteNullValue();
            return true;
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
            case ValueKind.DateTime or ValueKind.DateTimeOffset:
                // timestamptz arrives as UTC, timestamp as unspecified: both are written as UTC instants. The JSON
                // writer's own ISO 8601 form ("…T10:00:00Z", fractions only when there are any) is the fastest.
                writer.WriteStringValue(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));
                break;
            default:
                WriteDate(writer, reader.GetFieldValue<DateOnly>(ordinal));
                break;
        }

        return true;
    }
}
