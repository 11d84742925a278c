using OData.Virtualization.Sources;

namespace OData.Virtualization.Model;

/// <summary>MySQL and MariaDB column types (<c>information_schema.COLUMNS.COLUMN_TYPE</c>), exact for every value they hold (decision 93).</summary>
internal static partial class TypeMapper
{
    private static (ColumnType?, string?) MapMySql(DbColumn column)
    {
        var storeType = column.StoreType.Trim().ToLowerInvariant();
        var unsigned = storeType.Contains(" unsigned", StringComparison.Ordinal);
        var bare = storeType.Replace(" unsigned", string.Empty, StringComparison.Ordinal).Replace(" zerofill", string.Empty, StringComparison.Ordinal).Trim();
        if (bare.StartsWith("enum(", StringComparison.Ordinal) || bare.StartsWith("set(", StringComparison.Ordinal))
        {
            // The labels are text; compared and ordered as text (not by the enum's index, as MySQL orders them).
            return (ColumnType.Of(ValueKind.String), null);
        }

        var (name, args) = SplitArguments(bare);
        ColumnType? type = name switch
        {
            // TINYINT(1) is MySQL's BOOLEAN; the driver reads it as one.
            "tinyint" when args.Count == 1 && args[0] == 1 && !unsigned => ColumnType.Of(ValueKind.Boolean),
            "tinyint" => unsigned ? ColumnType.Of(ValueKind.Byte) : ColumnType.Of(ValueKind.Int16),
            "smallint" => unsigned ? ColumnType.Of(ValueKind.Int32) : ColumnType.Of(ValueKind.Int16),
            "mediumint" => ColumnType.Of(ValueKind.Int32),
            "int" or "integer" => unsigned ? ColumnType.Of(ValueKind.Int64) : ColumnType.Of(ValueKind.Int32),
            // Up to 2^64-1: no Edm integer holds it, Edm.Decimal with 20 digits and no fraction does; read as text.
            "bigint" => unsigned ? ColumnType.Of(ValueKind.Decimal) with { Precision = 20, Scale = 0, ReadAsText = true } : ColumnType.Of(ValueKind.Int64),
            "bit" when args.Count == 0 || args[0] == 1 => ColumnType.Of(ValueKind.Boolean),
            "bit" when args[0] < 64 => ColumnType.Of(ValueKind.Int64),
            "float" => ColumnType.Of(ValueKind.Single),
            "double" or "real" or "double precision" => ColumnType.Of(ValueKind.Double),
            "decimal" or "numeric" or "fixed" => Decimal(args.Count == 0 ? [10, 0] : args),
            "char" => ColumnType.Of(ValueKind.String) with { MaxLength = FirstArgument(args) ?? 1 },
            "varchar" => ColumnType.Of(ValueKind.String) with { MaxLength = FirstArgument(args) },
            "tinytext" or "text" or "mediumtext" or "longtext" or "json" => ColumnType.Of(ValueKind.String),
            "binary" or "varbinary" or "tinyblob" or "blob" or "mediumblob" or "longblob" => ColumnType.Of(ValueKind.Binary) with { MaxLength = FirstArgument(args) },
            "date" => ColumnType.Of(ValueKind.Date),
            // DATETIME is a wall-clock time, published read as UTC like PostgreSQL's timestamp (decision 4); TIMESTAMP
            // is an instant, read in the session's UTC.
            "datetime" => ColumnType.Of(ValueKind.DateTime),
            "timestamp" => ColumnType.Of(ValueKind.DateTimeOffset),
            // TIME holds -838:59:59 to 838:59:59: an elapsed time, not always a time of day.
            "time" => ColumnType.Of(ValueKind.Duration),
            "year" => ColumnType.Of(ValueKind.Int16),
            "uuid" => ColumnType.Of(ValueKind.String) with { MaxLength = 36 },
            "inet4" or "inet6" => ColumnType.Of(ValueKind.String) with { ReadAsText = true },
            _ => null,
        };

        return type is null
            ? (null, $"type '{column.StoreType}' has no OData mapping; hide the column, or publish a view that casts it (for example to CHAR)")
            : (type, null);
    }
}
