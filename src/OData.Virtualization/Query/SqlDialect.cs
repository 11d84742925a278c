using System.Data.Common;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Query;

/// <summary>What differs between the SQL of PostgreSQL, SQLite and MySQL/MariaDB.</summary>
internal abstract class SqlDialect
{
    public abstract SourceProvider Provider { get; }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Table(DbObject dbObject)
        => dbObject.Schema is null ? Quote(dbObject.Name) : Quote(dbObject.Schema) + "." + Quote(dbObject.Name);

    public abstract string Placeholder(int index);

    /// <summary>Converts a literal to the value the provider binds for a column of <paramref name="type"/>.</summary>
    public abstract object? ToProviderValue(object? value, ColumnType? type);

    public abstract DbParameter CreateParameter(DbCommand command, int index, SqlParameterValue value);

    /// <summary>The expression that reads a column for the response (a cast where the reader needs text).</summary>
    public abstract string SelectColumn(string qualifiedColumn, ColumnType type);

    /// <summary>A computed property's expression in the select list, read as <paramref name="type"/> says (a decimal as text).</summary>
    public virtual string Computed(string expression, ColumnType type) => type.Kind == ValueKind.Decimal ? $"CAST({expression} AS TEXT)" : expression;

    /// <summary>A text column with all but its last <paramref name="visible"/> characters replaced by <c>*</c> (NULL stays NULL).</summary>
    public abstract string Mask(string qualifiedColumn, int visible);

    /// <summary>The expression that compares and orders a column in the published type's semantics.</summary>
    public abstract string CompareColumn(string qualifiedColumn, ColumnType type);

    /// <summary>
    /// <c>left op right</c> for a comparison operator or <c>IN</c> (then <paramref name="right"/> is the parenthesized
    /// list). A dialect whose exact comparison hides the column from its index adds the comparison an index serves.
    /// </summary>
    public virtual string Comparison(string left, string op, string right) => $"({left} {op} {right})";

    /// <summary>A key column (or a navigation's join column) equal to a bound value, as a condition of a WHERE list.</summary>
    public virtual string KeyEquals(string column, string parameter) => $"{column} = {parameter}";

    /// <summary>Two-valued equality (or inequality) of two nullable values: NULL equals NULL.</summary>
    public virtual string NullSafeEquals(string left, string right, bool equal)
        => $"({left} IS {(equal ? string.Empty : "NOT ")}{right})";

    /// <summary>Whether an index serves a row-value comparison <c>(a, b) &gt; (x, y)</c>; if not, keyset pages use the expanded OR form.</summary>
    public virtual bool SeeksRowValues => true;

    /// <summary>
    /// How the key orders and seeks as the tie-breaker of every order. A key is unique under its own comparison, so its
    /// column's order is total whatever its collation, and the walk and the seek agree on it.
    /// </summary>
    public virtual string KeyOrderColumn(string qualifiedColumn, ColumnType type) => CompareColumn(qualifiedColumn, type);

    /// <summary>An <c>ORDER BY</c> term, as the dialect needs it written.</summary>
    public virtual string OrderTerm(string sql) => sql;

    /// <summary>A decimal from its text (a parameter), exactly, where the dialect can parse one; null where it cannot.</summary>
    public virtual string? DecimalFromText(string parameter) => null;

    /// <summary><c>ORDER BY</c> modifier so that NULLs sort first ascending and last descending, as OData requires.</summary>
    public abstract string NullOrdering(bool descending, bool nullable);

    public abstract string Limit(string? top, string? skip);

    public abstract string True { get; }

    public abstract string False { get; }

    /// <summary>
    /// A case-sensitive <c>contains</c>/<c>startswith</c>/<c>endswith</c>. <paramref name="literal"/> is the search text
    /// when the client gave a literal (bound as a parameter), else <paramref name="patternSql"/> is an expression.
    /// </summary>
    public abstract string StringMatch(SqlBuilder builder, StringMatch kind, string text, string? literal, string? patternSql);

    /// <summary>A case-insensitive containment of the literal <paramref name="term"/>, for <c>$search</c>.</summary>
    public abstract string SearchContains(SqlBuilder builder, string text, string term);

    /// <summary><c>div</c> with a result of <paramref name="kind"/>: integers truncate toward zero, other numbers divide exactly.</summary>
    public virtual string Divide(string left, string right, ValueKind? kind) => $"({left} / {right})";

    /// <summary><c>mod</c> with a result of <paramref name="kind"/>: the remainder with the sign of the dividend, fractions kept.</summary>
    public virtual string Modulo(string left, string right, ValueKind? kind) => $"({left} % {right})";

    /// <summary><c>SUM</c> of a column of <paramref name="type"/>, for <c>$apply</c>.</summary>
    public virtual string Sum(string value, ColumnType type) => $"SUM({value})";

    public abstract string IndexOf(string text, string search);

    public abstract string Substring(string text, string start, string? length);

    public abstract string Length(string text);

    public abstract string Trim(string text);

    public abstract string Concat(string left, string right);

    public abstract string DatePart(string part, string value, ValueKind kind);

    public abstract string DateOf(string value, ValueKind kind);

    public abstract string TimeOf(string value, ValueKind kind);

    public abstract string Now(SqlBuilder builder, DateTimeOffset now);

    /// <summary>The LIKE pattern of a literal <c>contains</c>/<c>startswith</c>/<c>endswith</c>, its text escaped (<see cref="EscapeLike"/>).</summary>
    protected static string LikePattern(StringMatch kind, string literal)
    {
        var escaped = EscapeLike(literal);
        return kind switch
        {
            Query.StringMatch.Contains => "%" + escaped + "%",
            Query.StringMatch.StartsWith => escaped + "%",
            _ => "%" + escaped,
        };
    }

    /// <summary>The wildcards and the escape character of LIKE, escaped for a literal search text.</summary>
    public static string EscapeLike(string text)
        => text.Replace("\\", "\\\\", StringComparison.Ordinal)
               .Replace("%", "\\%", StringComparison.Ordinal)
               .Replace("_", "\\_", StringComparison.Ordinal);
}

/// <summary>The three string-matching functions of OData.</summary>
internal enum StringMatch
{
    Contains,
    StartsWith,
    EndsWith,
}
