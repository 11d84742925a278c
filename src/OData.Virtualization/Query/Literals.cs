using Microsoft.OData;

namespace OData.Virtualization.Query;

/// <summary>Turns the URI parser's literal values into plain .NET values.</summary>
internal static class Literals
{
    public static object? Normalize(object? value) => value switch
    {
#pragma warning disable CS0618 // ODL 8 still yields its own Date and TimeOfDay for literals.
        Microsoft.OData.Edm.Date date => new DateOnly(date.Year, date.Month, date.Day),
        Microsoft.OData.Edm.TimeOfDay time => new TimeOnly(time.Ticks),
#pragma warning restore CS0618
        ODataEnumValue enumValue => enumValue.Value,
        _ => value,
    };
}
