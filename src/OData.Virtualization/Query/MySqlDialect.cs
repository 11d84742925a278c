using System.Data.Common;
using System.Globalization;
using System.Text.RegularExpressions;
using MySqlConnector;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Query;

/// <summary>
/// MySQL and MariaDB. Sessions run with <c>ANSI_QUOTES</c> (identifiers in double quotes, as every dialect writes them)
/// and in UTC. Text compares and orders exactly — case-, accent- and trailing-space-sensitive, by code point — through
/// a binary no-pad collation, whatever the column's collation; an equality also compares the bare column so that its
/// index still finds the row (decision 95). Row values do not seek an index here: keyset pages use the expanded form.
/// </summary>
internal sealed partial class MySqlDialect : SqlDialect
{
    /// <summary>MariaDB's (and the default): <c>utf8mb4_nopad_bin</c>.</summary>
    public static readonly MySqlDialect Instance = new("utf8mb4_nopad_bin");

    /// <summary>MySQL 8's name for the same rule: <c>utf8mb4_0900_bin</c>.</summary>
    public static readonly MySqlDialect MySql8 = new("utf8mb4_0900_bin");

    /// <summary>Code point order with no padding: <c>'a' &lt;&gt; 'a '</c> and <c>'a' &lt;&gt; 'A'</c>.</summary>
    private readonly string _exactSuffix;

    private MySqlDialect(string exactCollation) => _exactSuffix = " USING utf8mb4) COLLATE " + exactCollation;

    /// <summary>The collation exact comparisons use.</summary>
    public string ExactCollation => _exactSuffix[(_exactSuffix.LastIndexOf(' ') + 1)..];

    public override SourceProvider Provider => SourceProvider.MySql;

    public override string True => "TRUE";

    public override string False => "FALSE";

    // Named parameters: MySqlConnector substitutes them (a name may appear twice, as the exact equality needs).
    public override string Placeholder(int index) => "@p" + index.ToString(CultureInfo.InvariantCulture);

    public override object? ToProviderValue(object? value, ColumnType? type) => value switch
    {
        null => null,
        // DATETIME is published read as UTC: compare with the UTC wall-clock time. TIMESTAMP is read and compared in
        // the session's UTC too.
        DateTimeOffset dto when type?.Kind == ValueKind.Date => DateOnly.FromDateTime(dto.UtcDateTime),
        DateTimeOffset dto => DateTime.SpecifyKind(dto.UtcDateTime, DateTimeKind.Unspecified),
        DateTime dt => DateTime.SpecifyKind(dt, DateTimeKind.Unspecified),
        Guid guid => guid.ToString("D"),
        double d when double.IsNaN(d) || double.IsInfinity(d) => throw NoSuchNumber(),
        float f when float.IsNaN(f) || float.IsInfinity(f) => throw NoSuchNumber(),
        // A FLOAT column is compared as a double: bind the literal at the column's precision, or 0.35 never finds the
        // 0.35 a client read (the stored 0.3499999940…).
        // Beyond a float's range the literal stays a double (no FLOAT equals it; ordering against it stays right).
        float f when type?.Kind == ValueKind.Single => (double)f,
        double d when type?.Kind == ValueKind.Single && float.IsFinite((float)d) => (double)(float)d,
        decimal m when type?.Kind == ValueKind.Single && float.IsFinite((float)m) => (double)(float)m,
        _ => value,
    };

    private static ODataProblem NoSuchNumber()
        => ODataProblem.BadRequest("NaN and INF cannot be used with this data source: MySQL and MariaDB have no such values. Compare with a number, or test the property for null.");

    public override DbParameter CreateParameter(DbCommand command, int index, SqlParameterValue value)
        => new MySqlParameter(Placeholder(index), value.Value ?? DBNull.Value);

    public override string SelectColumn(string qualifiedColumn, ColumnType type)
        => type.ReadAsText ? $"CAST({qualifiedColumn} AS CHAR)" : qualifiedColumn;

    public override string Computed(string expression, ColumnType type) => type.Kind switch
    {
        ValueKind.Decimal => $"CAST({expression} AS CHAR)",
        ValueKind.Int16 or ValueKind.Int32 or ValueKind.Int64 or ValueKind.Byte => $"CAST({expression} AS SIGNED)",
        // A whole number (a literal 0.0 written into the statement as 0) would come back as an integer.
        ValueKind.Single => $"CAST({expression} AS FLOAT)",
        ValueKind.Double => $"CAST({expression} AS DOUBLE)",
        _ => expression,
    };

    public override string Mask(string qualifiedColumn, int visible)
    {
        var n = visible.ToString(CultureInfo.InvariantCulture);
        var text = $"CAST({qualifiedColumn} AS CHAR)";
        return $"(CASE WHEN CHAR_LENGTH({text}) <= {n} THEN REPEAT('*', CHAR_LENGTH({text})) ELSE CONCAT(REPEAT('*', CHAR_LENGTH({text}) - {n}), RIGHT({text}, {n})) END)";
    }

    public override string CompareColumn(string qualifiedColumn, ColumnType type)
        => type is { Kind: ValueKind.String, IsCollection: false } && !type.ReadAsText ? Exact(qualifiedColumn) : qualifiedColumn;

    private string Exact(string column) => "CONVERT(" + column + _exactSuffix;

    /// <summary>The bare column inside an exact comparison, or null when <paramref name="sql"/> is anything else.</summary>
    private string? Bare(string sql)
    {
        if (!sql.StartsWith("CONVERT(", StringComparison.Ordinal) || !sql.EndsWith(_exactSuffix, StringComparison.Ordinal))
        {
            return null;
        }

        var inner = sql["CONVERT(".Length..^_exactSuffix.Length];
        return inner.Contains(_exactSuffix, StringComparison.Ordinal) || inner.Contains("CONVERT(", StringComparison.Ordinal) ? null : inner;
    }

    // The key orders and seeks by its own collation: unique under it, so the order is total, and an index serves it.
    public override string KeyOrderColumn(string qualifiedColumn, ColumnType type) => qualifiedColumn;

    /// <summary>
    /// <c>col = @p</c> under a case-insensitive collation finds 'AbC' for 'abc'; the exact comparison alone finds the
    /// right rows but hides the column from its index (EXPLAIN on MariaDB 10.11: a full index scan of 900 rows against
    /// a const lookup). Both together: the index finds the candidates, the exact comparison keeps the right one.
    /// </summary>
    public override string Comparison(string left, string op, string right)
    {
        if (op is "=" or "IN")
        {
            if (Bare(left) is { } column && IsParameters(right))
            {
                return $"({column} {op} {right} AND {left} {op} {right})";
            }

            if (op == "=" && Bare(right) is { } other && IsParameters(left))
            {
                return $"({other} = {left} AND {left} = {right})";
            }
        }

        return $"({left} {op} {right})";
    }

    // MySqlConnector writes a parameter's value into the statement, and MySQL reads a bare integer in ORDER BY as a
    // column's position ($orderby=0 would be "unknown column '0'"): a constant is ordered as a sub-select's value.
    public override string OrderTerm(string sql) => IsParameters(sql) ? $"(SELECT {sql})" : sql;

    public override string KeyEquals(string column, string parameter) => Comparison(column, "=", parameter);

    private static bool IsParameters(string sql) => Parameters().IsMatch(sql);

    [GeneratedRegex(@"^\(?@p\d+(, @p\d+)*\)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Parameters();

    public override string NullSafeEquals(string left, string right, bool equal)
        => equal ? $"({left} <=> {right})" : $"(NOT ({left} <=> {right}))";

    // EXPLAIN on MariaDB 10.11: (a, b) > (x, y) reads the index from its start; a >= x AND (a > x OR …) is a range.
    public override bool SeeksRowValues => false;

    public override string? DecimalFromText(string parameter) => $"CAST({parameter} AS DECIMAL(65,30))";

    // MySQL and MariaDB sort NULLs first ascending and last descending, as OData requires.
    public override string NullOrdering(bool descending, bool nullable) => string.Empty;

    public override string Limit(string? top, string? skip)
        => top is null && skip is null ? string.Empty : " LIMIT " + (top ?? "18446744073709551615") + (skip is null ? string.Empty : " OFFSET " + skip);

    public override string StringMatch(SqlBuilder builder, StringMatch kind, string text, string? literal, string? patternSql)
    {
        if (literal is not null)
        {
            var pattern = LikePattern(kind, literal);

            // The session keeps backslash escapes in literals: '\\' is one backslash.
            return $"({text} LIKE {builder.AddParameter(pattern, null)} ESCAPE '\\\\')";
        }

        return kind switch
        {
            Query.StringMatch.Contains => $"(LOCATE({patternSql}, {text}) > 0)",
            Query.StringMatch.StartsWith => $"(LEFT({text}, CHAR_LENGTH({patternSql})) = {patternSql})",
            _ => $"(RIGHT({text}, CHAR_LENGTH({patternSql})) = {patternSql})",
        };
    }

    public override string SearchContains(SqlBuilder builder, string text, string term)
        => $"(LOWER({text}) LIKE {builder.AddParameter("%" + EscapeLike(term.ToLowerInvariant()) + "%", null)} ESCAPE '\\\\')";

    // MariaDB 10.11 answers -340.00 % 10 with a negative zero that is less than 0 and not equal to it; adding 0
    // gives the plain zero (integers and doubles have no such value).
    public override string Modulo(string left, string right, ValueKind? kind)
        => kind == ValueKind.Decimal ? $"(({left} % {right}) + 0)" : $"({left} % {right})";

    // DIV truncates toward zero, as OData's integer div does; / divides exactly (decimals) or in floating point.
    public override string Divide(string left, string right, ValueKind? kind)
        => kind is ValueKind.Byte or ValueKind.Int16 or ValueKind.Int32 or ValueKind.Int64 ? $"({left} DIV {right})" : $"({left} / {right})";

    public override string IndexOf(string text, string search) => $"(LOCATE({search}, {text}) - 1)";

    public override string Substring(string text, string start, string? length)
        => length is null
            ? $"SUBSTRING({text}, GREATEST(({start}) + 1, 1))"
            : $"SUBSTRING({text}, GREATEST(({start}) + 1, 1), GREATEST({length}, 0))";

    public override string Length(string text) => $"CHAR_LENGTH({text})";

    public override string Trim(string text) => $"REGEXP_REPLACE({text}, '^[[:space:]]+|[[:space:]]+$', '')";

    public override string Concat(string left, string right) => $"CONCAT({left}, {right})";

    public override string DatePart(string part, string value, ValueKind kind)
        => $"CAST(EXTRACT({part.ToUpperInvariant()} FROM {value}) AS SIGNED)";

    public override string DateOf(string value, ValueKind kind) => $"CAST({value} AS DATE)";

    public override string TimeOf(string value, ValueKind kind) => $"CAST({value} AS TIME)";

    public override string Now(SqlBuilder builder, DateTimeOffset now) => builder.AddParameter(now, ColumnType.Of(ValueKind.DateTimeOffset));
}
