using System.Globalization;
using System.Text.Json;

namespace OData.Virtualization.Serialization;

/// <summary>
/// Writes a count annotation (<c>@odata.count</c>, <c>Nav@odata.count</c>): an Int64, so a string under
/// <c>IEEE754Compatible=true</c> like every other Int64 the response carries (OData JSON Format §4.5.1, §3.2).
/// </summary>
internal static class CountAnnotation
{
    public static void Write(Utf8JsonWriter writer, string name, long count, ResponseFormat format)
    {
        writer.WritePropertyName(name);
        if (format.Ieee754Compatible)
        {
            writer.WriteStringValue(count.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNumberValue(count);
        }
    }
}
