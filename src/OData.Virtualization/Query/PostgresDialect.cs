using System.Data.Common;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Query;

internal sealed class PostgresDialect : SqlDialect
{
    public static readonly PostgresDialect Instance = new();

    public override SourceProvider Provider => SourceProvider.PostgreSql;

    public override string True => "TRUE";

    public override string False => "FALSE";

    // Positional parameters: Npgsql sends them without rewriting the SQL text.
    public override string Placeholder(int index) => "$" + (index + 1).ToString(CultureInfo.InvariantCulture);

    public override object? ToProviderValue(object? value, ColumnType? type) => NotInfinity(value switch
    {
        null => null,
        // A timestamp without time zone is published read as UTC: compare with the UTC wall-clock time,
        // bound as "timestamp" so that an index on the column serves the comparison.
        DateTimeOffset dto when type?.Kind == ValueKind.DateTime => DateTime.SpecifyKind(dto.UtcDateTime, DateTimeKind.Unspecified),
        DateTimeOffset dto when type?.Kind == ValueKind.Date => DateOnly.FromDateTime(dto.UtcDateTime),
        DateTimeOffset dto => dto.UtcDateTime,
        _ => ConvertNumber(value, type),
    });

    /// <summary>
    /// Npgsql writes the largest date and timestamp as PostgreSQL's <c>infinity</c>, which no date part, function or
    /// stored value equals: bind 9999-12-31 as that midnight, and the last tick of 9999 at PostgreSQL's precision.
    /// </summary>
    private static object? NotInfinity(object? value) => value switch
    {
        DateOnly date when date == DateOnly.MaxValue => date.ToDateTime(TimeOnly.MinValue),
        DateTime time when time.Ticks == DateTime.MaxValue.Ticks => time.AddTicks(-9),
        _ => value,
    };

    public override DbParameter CreateParameter(DbCommand command, int index, SqlParameterValue value)
    {
        var parameter = new NpgsqlParameter { Value = value.Value ?? DBNull.Value };
        if (value.Value is null && value.Type is not null)
        {
            parameter.NpgsqlDbType = value.Type.Kind switch
            {
                ValueKind.Boolean => NpgsqlDbType.Boolean,
                ValueKind.Int16 or ValueKind.Byte => NpgsqlDbType.Smallint,
                ValueKind.Int32 => NpgsqlDbType.Integer,
                ValueKind.Int64 => NpgsqlDbType.Bigint,
                ValueKind.Decimal => NpgsqlDbType.Numeric,
                ValueKind.Double => NpgsqlDbType.Double,
                ValueKind.Single => NpgsqlDbType.Real,
                ValueKind.Date => NpgsqlDbType.Date,
                ValueKind.DateTime => NpgsqlDbType.Timestamp,
                ValueKind.DateTimeOffset => NpgsqlDbType.TimestampTz,
                ValueKind.TimeOfDay => NpgsqlDbType.Time,
                ValueKind.Guid => NpgsqlDbType.Uuid,
                ValueKind.Binary => NpgsqlDbType.Bytea,
                ValueKind.Duration => NpgsqlDbType.Interval,
                _ => NpgsqlDbType.Text,
            };
        }
        else if (value.Value is string)
        {
            // char(n) compares as bpchar (trailing spaces insignificant, and its index usable); text otherwise.
            parameter.NpgsqlDbType = value.Type is { IsFixedLength: true, CompareAs: null } ? NpgsqlDbType.Char : NpgsqlDbType.Text;
        }

        return parameter;
    }

    // The reader reads a computed value as its published type: the expression is cast to it (integer arithmetic on a
    // smallint column is a smallint in PostgreSQL, an Edm.Int32 in OData).
    public override string Computed(string expression, ColumnType type) => type.Kind switch
    {
        ValueKind.Int16 => $"CAST({expression} AS smallint)",
        ValueKind.Int32 => $"CAST({expression} AS integer)",
        ValueKind.Int64 => $"CAST({expression} AS bigint)",
        ValueKind.Decimal => $"CAST(CAST({expression} AS numeric) AS text)",
        ValueKind.Double => $"CAST({expression} AS double precision)",
        ValueKind.Single => $"CAST({expression} AS real)",
        ValueKind.String => $"CAST({expression} AS text)",
        ValueKind.Boolean => $"CAST({expression} AS boolean)",
        ValueKind.Date => $"CAST({expression} AS date)",
        ValueKind.TimeOfDay => $"CAST({expression} AS time)",
        ValueKind.DateTimeOffset => $"CAST({expression} AS timestamp with time zone)",
        ValueKind.DateTime => $"CAST({expression} AS timestamp)",
        ValueKind.Guid => $"CAST({expression} AS uuid)",
        ValueKind.Duration => $"CAST({expression} AS interval)",
        ValueKind.Binary => $"CAST({expression} AS bytea)",
        _ => expression,
    };

    public override string SelectColumn(string qualifiedColumn, ColumnType type)
        => type.ReadAsText ? qualifiedColumn + "::text" : qualifiedColumn;

    public override string Mask(string qualifiedColumn, int visible)
    {
        var n = visible.ToString(CultureInfo.InvariantCulture);
        var text = qualifiedColumn + "::text";
        return $"(CASE WHEN length({text}) <= {n} THEN repeat('*', length({text})) ELSE repeat('*', length({text}) - {n}) || right({text}, {n}) END)";
    }

    public override string CompareColumn(string qualifiedColumn, ColumnType type)
        => type.CompareAs is { } cast ? qualifiedColumn + "::" + cast : qualifiedColumn;

    public override string NullSafeEquals(string left, string right, bool equal)
        => $"({left} IS {(equal ? "NOT " : string.Empty)}DISTINCT FROM {right})";

    public override string? DecimalFromText(string parameter) => $"CAST({parameter} AS numeric)";

    // PostgreSQL sorts NULLs as larger than any value; OData wants them first ascending, last descending.
    // Only nullable columns get the modifier, so that an index on a NOT NULL column still serves the order.
    public override string NullOrdering(bool descending, bool nullable)
        => !nullable ? string.Empty : descending ? " NULLS LAST" : " NULLS FIRST";

    public override string Limit(string? top, string? skip)
        => (top is null ? string.Empty : " LIMIT " + top) + (skip is null ? string.Empty : " OFFSET " + skip);

    public override string StringMatch(SqlBuilder builder, StringMatch kind, string text, string? literal, string? patternSql)
    {
        if (literal is not null)
        {
            var pattern = LikePattern(kind, literal);
            return $"({text} LIKE {builder.AddParameter(pattern, null)} ESCAPE '\\')";
        }

        return kind switch
        {
            Query.StringMatch.Contains => $"(strpos({text}, {patternSql}) > 0)",
            Query.StringMatch.StartsWith => $"(left({text}, length({patternSql})) = {patternSql})",
            _ => $"(right({text}, length({patternSql})) = {patternSql})",
        };
    }

    public override string SearchContains(SqlBuilder builder, string text, string term)
        => $"({text} ILIKE {builder.AddParameter("%" + EscapeLike(term) + "%", null)} ESCAPE '\\')";

    // numeric and the integers have %, real and double precision do not.
    public override string Modulo(string left, string right, ValueKind? kind)
        => kind is ValueKind.Single or ValueKind.Double ? $"({left} - {right} * trunc({left} / {right}))" : $"({left} % {right})";

    public override string IndexOf(string text, string search) => $"(strpos({text}, {search}) - 1)";

    public override string Substring(string text, string start, string? length)
        => length is null ? $"substr({text}, ({start}) + 1)" : $"substr({text}, ({start}) + 1, {length})";

    public override string Length(string text) => $"length({text})";

    // OData's trim removes Unicode white space (not only spaces). A regular expression with an explicit class, because
    // btrim's character list would have to name non-ASCII characters in SQL text, which fails in non-UTF8 databases.
    public override string Trim(string text) => $"regexp_replace({text}, '^{WhiteSpace}+|{WhiteSpace}+$', '', 'g')";

    private const string WhiteSpace = @"[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

    public override string Concat(string left, string right) => $"({left} || {right})";

    public override string DatePart(string part, string value, ValueKind kind)
    {
        // The URI parser lets hour(), minute() and second() take a date (as midnight); PostgreSQL has no such units of a date.
        value = kind == ValueKind.Date && part is "hour" or "minute" or "second" ? $"CAST({value} AS timestamp)" : value;
        return part == "second"
            ? $"CAST(floor(EXTRACT(SECOND FROM {value})) AS integer)"
            : $"CAST(EXTRACT({part.ToUpperInvariant()} FROM {value}) AS integer)";
    }

    public override string DateOf(string value, ValueKind kind) => $"CAST({value} AS date)";

    // A date has no time to cast to: its time is midnight.
    public override string TimeOf(string value, ValueKind kind) => kind == ValueKind.Date ? $"CAST(CAST({value} AS timestamp) AS time)" : $"CAST({value} AS time)";

    public override string Now(SqlBuilder builder, DateTimeOffset now) => builder.AddParameter(now, ColumnType.Of(ValueKind.DateTimeOffset));

    private static object? ConvertNumber(object value, ColumnType? type)
    {
        // Bind numbers as the column's type where the value fits, so comparisons use the column's index
        // (int4 = numeric would cast the column). Values that do not fit keep their own type.
        if (type is null || value is not (int or long or short or byte or sbyte or decimal or double or float))
        {
            return value;
        }

        try
        {
            return type.Kind switch
            {
                ValueKind.Int16 or ValueKind.Byte when value is not (double or float or decimal) => Convert.ToInt16(value, CultureInfo.InvariantCulture),
                ValueKind.Int32 when value is not (double or float or decimal) => Convert.ToInt32(value, CultureInfo.InvariantCulture),
                ValueKind.Int64 when value is not (double or float or decimal) => Convert.ToInt64(value, CultureInfo.InvariantCulture),
                ValueKind.Decimal => Convert.ToDecimal(value, CultureInfo.InvariantCulture),
                ValueKind.Double => Convert.ToDouble(value, CultureInfo.InvariantCulture),
                ValueKind.Single => Convert.ToSingle(value, CultureInfo.InvariantCulture),
                _ => value,
            };
        }
        catch (OverflowException)
        {
            return value;
        }
    }
}
