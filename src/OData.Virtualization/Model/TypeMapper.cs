using System.Globalization;
using System.Text.RegularExpressions;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Model;

/// <summary>
/// Maps a column's declared store type to its published type, or says why it cannot be published.
/// The full table is in the README ("Type mapping").
/// </summary>
internal static partial class TypeMapper
{
    /// <summary>Decimals with more digits than <see cref="decimal"/> holds are read as text to keep every digit.</summary>
    private const int MaxDecimalPrecision = 28;

    public static (ColumnType? Type, string? Reason) Map(SourceProvider provider, DbColumn column)
        => provider switch
        {
            SourceProvider.PostgreSql => MapPostgres(column),
            SourceProvider.MySql => MapMySql(column),
            _ => MapSqlite(column.StoreType),
        };

    private static (ColumnType?, string?) MapPostgres(DbColumn column)
    {
        var storeType = column.StoreType.Trim();
        var isArray = storeType.EndsWith("[]", StringComparison.Ordinal);
        var elementType = isArray ? storeType[..storeType.IndexOf('[', StringComparison.Ordinal)] : storeType;
        if (column.IsEnum)
        {
            var enumType = ColumnType.Of(ValueKind.String) with { ReadAsText = true, CompareAs = "text" };
            return isArray ? (null, $"arrays of enums ({storeType}) are not supported") : (enumType, null);
        }

        var (name, args) = SplitArguments(elementType);
        ColumnType? type = name switch
        {
            "smallint" => ColumnType.Of(ValueKind.Int16),
            "integer" => ColumnType.Of(ValueKind.Int32),
            "bigint" => ColumnType.Of(ValueKind.Int64),
            "real" => ColumnType.Of(ValueKind.Single),
            "double precision" => ColumnType.Of(ValueKind.Double),
            "numeric" => Decimal(args),
            "money" => ColumnType.Of(ValueKind.Decimal) with { Precision = 19, Scale = 2, CompareAs = "numeric" },
            "boolean" => ColumnType.Of(ValueKind.Boolean),
            "text" or "citext" or "name" => ColumnType.Of(ValueKind.String),
            "character varying" => ColumnType.Of(ValueKind.String) with { MaxLength = FirstArgument(args) },
            "character" => ColumnType.Of(ValueKind.String) with { MaxLength = FirstArgument(args) ?? 1, IsFixedLength = true },
            "\"char\"" => ColumnType.Of(ValueKind.String) with { MaxLength = 1, ReadAsText = true },
            "json" or "jsonb" or "xml" => ColumnType.Of(ValueKind.String) with { ReadAsText = true, CompareAs = "text" },
            "date" => ColumnType.Of(ValueKind.Date),
            "time without time zone" => ColumnType.Of(ValueKind.TimeOfDay),
            "timestamp without time zone" => ColumnType.Of(ValueKind.DateTime),
            "timestamp with time zone" => ColumnType.Of(ValueKind.DateTimeOffset),
            "interval" => ColumnType.Of(ValueKind.Duration),
            "uuid" => ColumnType.Of(ValueKind.Guid),
            "bytea" => ColumnType.Of(ValueKind.Binary),
            _ => null,
        };

        if (type is null)
        {
            return (null, $"type '{storeType}' has no OData mapping; hide the column, or publish a view that casts it (for example to text)");
        }

        if (isArray)
        {
            if (type.ReadAsText || type.Kind is ValueKind.Duration)
            {
                return (null, $"arrays of '{elementType}' are not supported");
            }

            return (type with { IsCollection = true }, null);
        }

        return (type, null);
    }

    private static ColumnType Decimal(IReadOnlyList<int> args)
    {
        if (args.Count == 0)
        {
            // Unconstrained numeric: any number of digits; read as text so nothing is rounded.
            return ColumnType.Of(ValueKind.Decimal) with { ReadAsText = true };
        }

        var precision = args[0];
        var scale = args.Count > 1 ? args[1] : 0;
        return ColumnType.Of(ValueKind.Decimal) with { Precision = precision, Scale = scale, ReadAsText = precision > MaxDecimalPrecision };
    }

    /// <summary>
    /// SQLite stores any value in any column; the declared type is the only promise. Names follow
    /// SQLite's affinity rules where the type is not one of the well-known names below.
    /// </summary>
    internal static (ColumnType?, string?) MapSqlite(string declared)
    {
        var (rawName, args) = SplitArguments(declared.Trim());
        var name = rawName.ToUpperInvariant();
        ColumnType? type = name switch
        {
            "" => null,
            "BOOLEAN" or "BOOL" or "BIT" => ColumnType.Of(ValueKind.Boolean),
            "TINYINT" => ColumnType.Of(ValueKind.Byte),
            "SMALLINT" or "INT2" => ColumnType.Of(ValueKind.Int16),
            "MEDIUMINT" or "INT4" => ColumnType.Of(ValueKind.Int32),
            "INTEGER" or "INT" or "BIGINT" or "INT8" or "UNSIGNED BIG INT" => ColumnType.Of(ValueKind.Int64),
            "REAL" or "DOUBLE" or "DOUBLE PRECISION" or "FLOAT" or "FLOAT8" => ColumnType.Of(ValueKind.Double),
            "FLOAT4" => ColumnType.Of(ValueKind.Single),
            "NUMERIC" or "DECIMAL" or "MONEY" => args.Count == 0
                ? ColumnType.Of(ValueKind.Decimal)
                : ColumnType.Of(ValueKind.Decimal) with { Precision = Math.Min(args[0], MaxDecimalPrecision), Scale = args.Count > 1 ? args[1] : 0 },
            "DATE" => ColumnType.Of(ValueKind.Date),
            "TIME" => ColumnType.Of(ValueKind.TimeOfDay),
            "DATETIME" or "TIMESTAMP" => ColumnType.Of(ValueKind.DateTime),
            "DATETIMEOFFSET" or "TIMESTAMPTZ" or "TIMESTAMP WITH TIME ZONE" => ColumnType.Of(ValueKind.DateTimeOffset),
            "UUID" or "GUID" or "UNIQUEIDENTIFIER" => ColumnType.Of(ValueKind.Guid),
            "BLOB" or "BINARY" or "VARBINARY" => ColumnType.Of(ValueKind.Binary),
            "JSON" or "JSONB" => ColumnType.Of(ValueKind.String),
            _ => Affinity(name, args),
        };

        return type is null
            ? (null, declared.Length == 0
                ? "the column has no declared type; declare one, or set ColumnTypes for it in the entity set's configuration"
                : $"declared type '{declared}' has no OData mapping; set ColumnTypes for it in the entity set's configuration")
            : (type, null);
    }

    private static ColumnType? Affinity(string name, IReadOnlyList<int> args)
    {
        // https://www.sqlite.org/datatype3.html#determination_of_column_affinity
        if (name.Contains("INT", StringComparison.Ordinal))
        {
            return ColumnType.Of(ValueKind.Int64);
        }

        if (name.Contains("CHAR", StringComparison.Ordinal) || name.Contains("CLOB", StringComparison.Ordinal) || name.Contains("TEXT", StringComparison.Ordinal))
        {
            return ColumnType.Of(ValueKind.String) with
            {
                MaxLength = args.Count > 0 ? args[0] : null,
                IsFixedLength = name is "CHAR" or "CHARACTER" or "NCHAR" or "NATIVE CHARACTER",
            };
        }

        if (name.Contains("REAL", StringComparison.Ordinal) || name.Contains("FLOA", StringComparison.Ordinal) || name.Contains("DOUB", StringComparison.Ordinal))
        {
            return ColumnType.Of(ValueKind.Double);
        }

        return null;
    }

    private static (string Name, IReadOnlyList<int> Args) SplitArguments(string storeType)
    {
        var match = TypeWithArguments().Match(storeType);
        if (!match.Success)
        {
            return (storeType, []);
        }

        // "timestamp(3) without time zone" -> "timestamp without time zone"
        var name = (match.Groups[1].Value + match.Groups[3].Value).Trim();
        var args = match.Groups[2].Value
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(a => int.TryParse(a, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0)
            .ToList();
        if (name.StartsWith("timestamp", StringComparison.Ordinal) || name.StartsWith("time ", StringComparison.Ordinal) || name == "time" || name.StartsWith("interval", StringComparison.Ordinal))
        {
            // Fractional-second precision: not a length.
            return (name, []);
        }

        return (name, args);
    }

    private static int? FirstArgument(IReadOnlyList<int> args) => args.Count > 0 ? args[0] : null;

    [GeneratedRegex(@"^([^(]*)\(([^)]*)\)(.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex TypeWithArguments();
}
