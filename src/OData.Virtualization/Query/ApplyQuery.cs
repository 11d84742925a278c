using Microsoft.OData.UriParser;
using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>
/// The plan of a <c>$apply</c> request (OData Data Aggregation 4.0): the set's rows narrowed by the caller's row filter
/// and the <c>filter</c> transformations, grouped by <see cref="Groups"/> and totalled by <see cref="Aggregates"/>, then
/// narrowed, ordered and paged over the aggregated rows. Built by <see cref="ApplyPlanner"/>, compiled by
/// <see cref="SqlCompiler.Apply"/> into one <c>GROUP BY</c> statement.
/// </summary>
internal sealed record ApplyQuery
{
    public required PublishedSet Set { get; init; }

    /// <summary><c>filter(...)</c> transformations before the grouping: over the set's rows.</summary>
    public IReadOnlyList<SingleValueNode> RowFilters { get; init; } = [];

    /// <summary>The <c>groupby</c> properties, in the order the client named them (none: one row of totals).</summary>
    public IReadOnlyList<ApplyGroup> Groups { get; init; } = [];

    /// <summary>The aggregate expressions, by alias, in the order the client named them.</summary>
    public IReadOnlyList<ApplyAggregate> Aggregates { get; init; } = [];

    /// <summary>Whether the result is grouped (<c>groupby</c>), rather than one row of totals (<c>aggregate</c> alone).</summary>
    public bool Grouped { get; init; }

    /// <summary><c>filter(...)</c> transformations after the grouping and <c>$filter</c>: over the aggregated rows.</summary>
    public IReadOnlyList<SingleValueNode> ResultFilters { get; init; } = [];

    /// <summary><c>$orderby</c> over the aggregated rows: grouped properties and aliases.</summary>
    public IReadOnlyList<(SingleValueNode Expression, bool Descending)> OrderBy { get; init; } = [];

    public long? Top { get; init; }

    public long? Skip { get; init; }

    public bool Count { get; init; }

    /// <summary>The properties of a result row, grouped properties first: what the statement reads, in order.</summary>
    public IReadOnlyList<ApplyOutput> Outputs => [.. Groups.Select(g => g.Output), .. Aggregates.Select(a => a.Output)];

    /// <summary>The single-valued navigation properties the grouping or the aggregates read through (joined once each).</summary>
    public IReadOnlyList<PublishedNavigation> Joins
        => Groups.Select(g => g.Via).Concat(Aggregates.Select(a => a.Via)).OfType<PublishedNavigation>().Distinct().ToList();
}

/// <summary>
/// One property of an aggregated row. <paramref name="SqlName"/> is the column of the grouped statement (generated, so a
/// client's alias never becomes SQL); <paramref name="Name"/> the property a client reads (<c>total</c>), written inside
/// <paramref name="Navigation"/>'s object when the value was grouped through one (<c>carrier/name</c>).
/// </summary>
internal sealed record ApplyOutput(string Name, string SqlName, ColumnType Type, bool IsNullable, string? Navigation = null, bool IsAlias = false)
{
    /// <summary>The path a client names it by: <c>total</c>, <c>carrier/name</c>.</summary>
    public string Path => Navigation is null ? Name : Navigation + "/" + Name;
}

/// <summary>A <c>groupby</c> property: a column of the set, or of the entity a single-valued navigation property names.</summary>
internal sealed record ApplyGroup(PublishedColumn Column, PublishedNavigation? Via, ApplyOutput Output);

/// <summary>How an aggregate expression totals its values.</summary>
internal enum AggregateMethod
{
    Sum,
    Average,
    Min,
    Max,
    CountDistinct,

    /// <summary><c>$count as alias</c>: the rows of the group.</summary>
    Count,
}

/// <summary>
/// One <c>aggregate(expression with method as alias)</c>. <see cref="Column"/> is the aggregated column (with
/// <see cref="Via"/> when it is read through a navigation property); <see cref="Expression"/> an expression over the
/// set's row instead (<c>amount mul quantity</c>); neither for <c>$count</c>.
/// </summary>
internal sealed record ApplyAggregate(AggregateMethod Method, ApplyOutput Output)
{
    public PublishedColumn? Column { get; init; }

    public PublishedNavigation? Via { get; init; }

    public SingleValueNode? Expression { get; init; }

    /// <summary>The type of the aggregated values (the column's, or the expression's).</summary>
    public ColumnType? InputType { get; init; }
}
