using System.Text;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>One parameterized statement: text with placeholders, and the values bound to them in order.</summary>
internal sealed record SqlStatement(string Text, IReadOnlyList<SqlParameterValue> Parameters)
{
    /// <summary>Whether a value of the statement is the instant it was compiled at (<c>now()</c>): then it is compiled for every request.</summary>
    public bool UsesNow { get; init; }
}

/// <summary>A value bound as a parameter, with the published type it is compared against (when known).</summary>
internal readonly record struct SqlParameterValue(object? Value, ColumnType? Type);

/// <summary>Accumulates SQL text and parameters; client values only ever enter through <see cref="AddParameter"/>.</summary>
internal sealed class SqlBuilder(SqlDialect dialect)
{
    private readonly List<SqlParameterValue> _parameters = [];

    /// <summary>Shared with nested builders: a subquery that binds <c>now()</c> makes the whole statement use it.</summary>
    private readonly System.Runtime.CompilerServices.StrongBox<bool> _usesNow = new();

    private SqlBuilder(SqlDialect dialect, List<SqlParameterValue> parameters, System.Runtime.CompilerServices.StrongBox<bool> usesNow)
        : this(dialect)
    {
        _parameters = parameters;
        _usesNow = usesNow;
    }

    public StringBuilder Text { get; } = new();

    public SqlDialect Dialect { get; } = dialect;

    public IReadOnlyList<SqlParameterValue> Parameters => _parameters;

    /// <summary>Adds a parameter and returns its placeholder.</summary>
    public string AddParameter(object? value, ColumnType? type)
    {
        // An 'in' list is bound as one array (PostgreSQL): its texts too.
        if (value is string text && text.Contains('\0', StringComparison.Ordinal)
            || value is string?[] texts && texts.Any(t => t?.Contains('\0', StringComparison.Ordinal) == true))
        {
            // PostgreSQL text cannot hold NUL (it would answer with its own encoding error); SQLite would compare it.
            throw ODataProblem.BadRequest("A text value in the query contains the NUL character (%00), which no text column holds. Remove it.");
        }

        _parameters.Add(new SqlParameterValue(Dialect.ToProviderValue(Literals.Normalize(value), type), type));
        return Dialect.Placeholder(_parameters.Count - 1);
    }

    /// <summary>Notes that a value bound to the statement is the instant it is compiled at.</summary>
    public void BindsNow() => _usesNow.Value = true;

    public SqlStatement Build() => new(Text.ToString(), _parameters.ToArray()) { UsesNow = _usesNow.Value };

    /// <summary>
    /// A builder for a subquery: text of its own, parameters numbered in this statement's sequence (never renumbered
    /// in SQL text afterwards, where a quoted identifier could hold anything).
    /// </summary>
    public SqlBuilder Nested() => new(Dialect, _parameters, _usesNow);
}
