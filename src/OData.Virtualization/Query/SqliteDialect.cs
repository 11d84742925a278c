using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Query;

/// <summary>
/// SQLite: dates and times are ISO-8601 text (compared as text, so a parameter is formatted exactly as
/// the canonical stored form: see docs/decisions.md), booleans are 0/1, LIKE is case-insensitive so
/// the string functions use <c>instr</c>/<c>substr</c> instead.
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    public static readonly SqliteDialect Instance = new();

    public const string DateFormat = "yyyy-MM-dd";
    public const string DateTimeFormat = "yyyy-MM-dd HH:mm:ss.FFFFFFF";
    public const string DateTimeOffsetFormat = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'+00:00'";
    public const string TimeFormat = "HH:mm:ss.FFFFFFF";

    public override SourceProvider Provider => SourceProvider.Sqlite;

    public override string True => "1";

    public override string False => "0";

    public override string Placeholder(int index) => "@p" + index.ToString(CultureInfo.InvariantCulture);

    public override object? ToProviderValue(object? value, ColumnType? type) => value switch
    {
        null => null,
        bool b => b ? 1L : 0L,
        DateTimeOffset dto when type?.Kind == ValueKind.DateTime => TrimFraction(dto.UtcDateTime.ToString(DateTimeFormat, CultureInfo.InvariantCulture)),
        DateTimeOffset dto when type?.Kind == ValueKind.Date => dto.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture),
        DateTimeOffset dto => TrimFraction(dto.UtcDateTime.ToString(DateTimeOffsetFormat, CultureInfo.InvariantCulture)),
        DateOnly date => date.ToString(DateFormat, CultureInfo.InvariantCulture),
        TimeOnly time => time.ToString(TimeFormat, CultureInfo.InvariantCulture).TrimEnd('.'),
        DateTime dt when type?.Kind == ValueKind.DateTimeOffset => TrimFraction(dt.ToString(DateTimeOffsetFormat, CultureInfo.InvariantCulture)),
        DateTime dt => TrimFraction(dt.ToString(DateTimeFormat, CultureInfo.InvariantCulture)),
        Guid guid => guid.ToString("D"),
        // SQLite binds decimal as text, and an expression (which has no affinity) never equals text:
        // bind as a number. SQLite stores decimals as REAL anyway.
        decimal d => type?.Kind is ValueKind.String ? d.ToString(CultureInfo.InvariantCulture) : (double)d,
        // SQLite has no NaN (it would store NULL, and Microsoft.Data.Sqlite refuses to bind one).
        double.NaN or float.NaN => throw ODataProblem.BadRequest("NaN (not a number) cannot be used with this data source: SQLite has no such value. Compare with a number, or test the property for null."),
        float f => (double)f,
        TimeSpan span => span.TotalSeconds,
        _ => value,
    };

    public override DbParameter CreateParameter(DbCommand command, int index, SqlParameterValue value)
        => new SqliteParameter(Placeholder(index), value.Value ?? DBNull.Value);

    public override string SelectColumn(string qualifiedColumn, ColumnType type) => qualifiedColumn;

    public override string Mask(string qualifiedColumn, int visible)
    {
        var n = visible.ToString(CultureInfo.InvariantCulture);
        var stars = $"replace(hex(zeroblob(length({qualifiedColumn}))), '00', '*')";
        return $"(CASE WHEN length({qualifiedColumn}) <= {n} THEN {stars} ELSE substr({stars}, 1, length({qualifiedColumn}) - {n}) || substr({qualifiedColumn}, -{n}) END)";
    }

    public override string CompareColumn(string qualifiedColumn, ColumnType type) => qualifiedColumn;

    // SQLite already sorts NULLs first ascending and last descending, as OData requires.
    public override string NullOrdering(bool descending, bool nullable) => string.Empty;

    public override string Limit(string? top, string? skip)
        => top is null && skip is null ? string.Empty : " LIMIT " + (top ?? "-1") + (skip is null ? string.Empty : " OFFSET " + skip);

    public override string StringMatch(SqlBuilder builder, StringMatch kind, string text, string? literal, string? patternSql)
    {
        var pattern = literal is not null ? builder.AddParameter(literal, null) : patternSql!;
        return kind switch
        {
            Query.StringMatch.Contains => $"(instr({text}, {pattern}) > 0)",
            Query.StringMatch.StartsWith => $"(substr({text}, 1, length({pattern})) = {pattern})",
            _ => $"(CASE WHEN length({pattern}) = 0 THEN {text} IS NOT NULL ELSE substr({text}, -length({pattern})) = {pattern} END)",
        };
    }

    public override string SearchContains(SqlBuilder builder, string text, string term)
        => $"({text} LIKE {builder.AddParameter("%" + EscapeLike(term) + "%", null)} ESCAPE '\\')";

    // Decimals are stored as INTEGER when whole, and INTEGER / INTEGER truncates: divide as REAL unless the result is an integer.
    public override string Divide(string left, string right, ValueKind? kind)
        => IsIntegral(kind) ? $"({left} / {right})" : $"(CAST({left} AS REAL) / {right})";

    // SQLite's % casts both operands to INTEGER: keep the fraction of decimals and doubles.
    public override string Modulo(string left, string right, ValueKind? kind)
        => IsIntegral(kind) ? $"({left} % {right})" : $"({left} - {right} * CAST({left} / {right} AS INTEGER))";

    private static bool IsIntegral(ValueKind? kind) => kind is ValueKind.Byte or ValueKind.Int16 or ValueKind.Int32 or ValueKind.Int64;

    // Decimals are REAL here: a sum of them carries binary fractions (0.1 + 0.2). Rounded to the column's scale it is the
    // double nearest the exact sum, which compares equal with a literal of that sum and is written exactly.
    public override string Sum(string value, ColumnType type)
        => type.Kind == ValueKind.Decimal && type.Scale is { } scale
            ? $"ROUND(SUM({value}), {scale.ToString(CultureInfo.InvariantCulture)})"
            : $"SUM({value})";

    public override string IndexOf(string text, string search) => $"(instr({text}, {search}) - 1)";

    public override string Substring(string text, string start, string? length)
        => length is null ? $"substr({text}, ({start}) + 1)" : $"substr({text}, ({start}) + 1, {length})";

    public override string Length(string text) => $"length({text})";

    // OData's trim removes Unicode white space (the White_Space property), not only spaces.
    public override string Trim(string text)
        => $"trim({text}, char(9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288))";

    public override string Concat(string left, string right) => $"({left} || {right})";

    public override string DatePart(string part, string value, ValueKind kind)
    {
        var format = part switch
        {
            "year" => "%Y",
            "month" => "%m",
            "day" => "%d",
            "hour" => "%H",
            "minute" => "%M",
            _ => "%S",
        };
        return $"CAST(strftime('{format}', {value}) AS INTEGER)";
    }

    public override string DateOf(string value, ValueKind kind) => $"date({value})";

    public override string TimeOf(string value, ValueKind kind) => $"time({value})";

    public override string Now(SqlBuilder builder, DateTimeOffset now) => builder.AddParameter(now, ColumnType.Of(ValueKind.DateTimeOffset));

    private static string TrimFraction(string value) => value.Replace(".+", "+", StringComparison.Ordinal).TrimEnd('.');
}
