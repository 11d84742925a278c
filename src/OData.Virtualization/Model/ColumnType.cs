using Microsoft.OData.Edm;

namespace OData.Virtualization.Model;

/// <summary>How a column's values are read from the data reader, bound as parameters and written as JSON.</summary>
internal enum ValueKind
{
    Boolean,
    Byte,
    Int16,
    Int32,
    Int64,
    Single,
    Double,
    Decimal,
    String,
    Date,
    TimeOfDay,

    /// <summary>A timestamp with time zone: an instant.</summary>
    DateTimeOffset,

    /// <summary>A timestamp without time zone, published as <c>Edm.DateTimeOffset</c> read as UTC.</summary>
    DateTime,
    Guid,
    Binary,
    Duration,
}

/// <summary>The published type of one column: the EDM type and what the SQL side needs to know.</summary>
internal sealed record ColumnType(ValueKind Kind, EdmPrimitiveTypeKind EdmKind)
{
    public int? MaxLength { get; init; }

    public int? Precision { get; init; }

    public int? Scale { get; init; }

    /// <summary>A PostgreSQL array, published as a collection of <see cref="Kind"/>.</summary>
    public bool IsCollection { get; init; }

    /// <summary>
    /// The column is read and compared through a cast to text: enums, json/jsonb, and numerics too
    /// large for <see cref="decimal"/> (read as text to keep every digit).
    /// </summary>
    public bool ReadAsText { get; init; }

    /// <summary>
    /// Compare and order through a cast to this SQL type: <c>text</c> for enums and json (which have no text
    /// operators of their own), <c>numeric</c> for money.
    /// </summary>
    public string? CompareAs { get; init; }

    /// <summary>A fixed-width <c>char(n)</c> column.</summary>
    public bool IsFixedLength { get; init; }

    /// <summary>The type can be a key in EDM (not floating point, binary or a collection).</summary>
    public bool CanBeKey => !IsCollection && Kind is not (ValueKind.Single or ValueKind.Double or ValueKind.Binary);

    /// <summary>The type is text that <c>$search</c>, <c>contains</c> and friends apply to.</summary>
    public bool IsText => !IsCollection && Kind == ValueKind.String;

    public static ColumnType Of(ValueKind kind) => new(kind, ToEdm(kind));

    public static EdmPrimitiveTypeKind ToEdm(ValueKind kind) => kind switch
    {
        ValueKind.Boolean => EdmPrimitiveTypeKind.Boolean,
        ValueKind.Byte => EdmPrimitiveTypeKind.Byte,
        ValueKind.Int16 => EdmPrimitiveTypeKind.Int16,
        ValueKind.Int32 => EdmPrimitiveTypeKind.Int32,
        ValueKind.Int64 => EdmPrimitiveTypeKind.Int64,
        ValueKind.Single => EdmPrimitiveTypeKind.Single,
        ValueKind.Double => EdmPrimitiveTypeKind.Double,
        ValueKind.Decimal => EdmPrimitiveTypeKind.Decimal,
        ValueKind.String => EdmPrimitiveTypeKind.String,
        ValueKind.Date => EdmPrimitiveTypeKind.Date,
        ValueKind.TimeOfDay => EdmPrimitiveTypeKind.TimeOfDay,
        ValueKind.DateTimeOffset or ValueKind.DateTime => EdmPrimitiveTypeKind.DateTimeOffset,
        ValueKind.Guid => EdmPrimitiveTypeKind.Guid,
        ValueKind.Binary => EdmPrimitiveTypeKind.Binary,
        ValueKind.Duration => EdmPrimitiveTypeKind.Duration,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
