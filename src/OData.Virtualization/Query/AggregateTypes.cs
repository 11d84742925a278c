using OData.Virtualization.Errors;
using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>
/// What each aggregation method accepts and the published type of its result (decision 78): sums stay exact (integers
/// sum to Edm.Int64, or Edm.Decimal for Int64 columns, which may overflow it; decimals to Edm.Decimal with the column's
/// scale), averages of integers and decimals are Edm.Decimal, of floating point Edm.Double; min and max keep the
/// column's type; counts are Edm.Int64.
/// </summary>
internal static class AggregateTypes
{
    public static ColumnType ResultOf(AggregateMethod method, PublishedColumn column, string alias, bool postgres)
    {
        var type = column.Type;
        switch (method)
        {
            case AggregateMethod.Sum or AggregateMethod.Average when !IsNumeric(type.Kind):
                throw ODataProblem.BadRequest(
                    $"'{column.PropertyName}' is Edm.{type.EdmKind}: {(method == AggregateMethod.Sum ? "sum" : "average")} applies to numbers only. Use countdistinct, min or max for it, or $count as {alias}.",
                    "$apply");
            case AggregateMethod.Sum:
                return type.Kind switch
                {
                    ValueKind.Byte or ValueKind.Int16 or ValueKind.Int32 => ColumnType.Of(ValueKind.Int64),
                    ValueKind.Int64 => ColumnType.Of(ValueKind.Decimal) with { Scale = 0 },
                    ValueKind.Decimal => ColumnType.Of(ValueKind.Decimal) with { Scale = type.Scale, ReadAsText = type.ReadAsText && postgres },
                    _ => ColumnType.Of(ValueKind.Double),
                };
            case AggregateMethod.Average:
                // PostgreSQL's avg of integers and numerics is numeric with as many digits as it needs: read it as text,
                // so that no digit is lost and no value overflows decimal's 28 digits.
                return type.Kind is ValueKind.Single or ValueKind.Double
                    ? ColumnType.Of(ValueKind.Double)
                    : ColumnType.Of(ValueKind.Decimal) with { ReadAsText = postgres };
            case AggregateMethod.Min or AggregateMethod.Max:
                if (type.Kind is ValueKind.Boolean or ValueKind.Guid or ValueKind.Binary or ValueKind.Duration)
                {
                    throw ODataProblem.BadRequest($"'{column.PropertyName}' is Edm.{type.EdmKind}: min and max apply to numbers, text, dates and times. Use countdistinct for it, or $count as {alias}.", "$apply");
                }

                return type;
            default:
                return ColumnType.Of(ValueKind.Int64);
        }
    }

    private static bool IsNumeric(ValueKind kind)
        => kind is ValueKind.Byte or ValueKind.Int16 or ValueKind.Int32 or ValueKind.Int64 or ValueKind.Single or ValueKind.Double or ValueKind.Decimal;
}
