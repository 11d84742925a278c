using Microsoft.OData.UriParser;
using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>
/// The plan for reading one entity set (or one expanded level): what to select, filter, order and page.
/// Built from the URI parser's clauses by <see cref="QueryPlanner"/>, compiled by <see cref="SqlCompiler"/>.
/// </summary>
internal sealed record EntityQuery
{
    public required PublishedSet Set { get; init; }

    /// <summary>The columns written to the response, in order.</summary>
    public required IReadOnlyList<PublishedColumn> Selected { get; init; }

    /// <summary>Whether <c>$select</c> narrowed the columns (the context URL says so).</summary>
    public bool IsProjected { get; init; }

    public SingleValueNode? Filter { get; init; }

    /// <summary>The request's <c>$compute</c>; those selected are in <see cref="Selected"/> as columns of their own.</summary>
    public ComputedProperties Computed { get; init; } = ComputedProperties.None;

    public SearchClause? Search { get; init; }

    public IReadOnlyList<(SingleValueNode Expression, bool Descending)> OrderBy { get; init; } = [];

    /// <summary>Key values for a read by key, in key column order.</summary>
    public IReadOnlyList<(PublishedColumn Column, object Value)>? Key { get; init; }

    /// <summary>For a navigation path (<c>Set(key)/Nav</c>): the parent whose related rows this query reads.</summary>
    public NavigationSource? Via { get; init; }

    public long? Top { get; init; }

    public long? Skip { get; init; }

    public bool Count { get; init; }

    public IReadOnlyList<ExpandedQuery> Expands { get; init; } = [];

    /// <summary>
    /// For a delta (change tracking): only the rows whose key is one of these, a JSON array of objects of key column
    /// → text, as the change store keeps them (PostgreSQL reads them into the table's own types).
    /// </summary>
    public string? ChangedKeys { get; init; }

    /// <summary>Server-driven paging of this request: how many rows to fetch, and after which position.</summary>
    public PageWindow? Paging { get; init; }

    /// <summary>The columns the statement reads: selected, then keys and join columns that expansion needs.</summary>
    public IReadOnlyList<PublishedColumn> ReadColumns
    {
        get
        {
            if (_readColumns is not null)
            {
                return _readColumns;
            }

            var columns = new List<PublishedColumn>(Selected);
            foreach (var extra in Set.Key.Concat(Expands.SelectMany(e => e.Navigation.Join.Select(j => j.Local))))
            {
                if (!columns.Contains(extra))
                {
                    columns.Add(extra);
                }
            }

            return _readColumns = columns;
        }
    }

    private IReadOnlyList<PublishedColumn>? _readColumns;
}

/// <summary>
/// An expanded navigation property and the query for its level; or, with <paramref name="CountsOnly"/>, the level that
/// counts each parent's related rows for <c>$count=true</c> inside <c>$expand</c> (<see cref="ExpandCount"/>).
/// </summary>
internal sealed record ExpandedQuery(PublishedNavigation Navigation, EntityQuery Query, bool CountsOnly = false)
{
    /// <summary>
    /// Where a related row's value of join column <paramref name="j"/> is read: its index among the level's read columns
    /// when the row reads the column as it is (not masked), else -1, and then the statement selects the column after the
    /// read columns, in join order (<see cref="JoinOrdinals"/>). Selecting a column twice made PostgreSQL project every
    /// row of a lateral expand (decision 130).
    /// </summary>
    public int JoinReadAt(int j)
        => !CountsOnly && Query.ReadColumns.IndexOfColumn(Navigation.Join[j].Remote) is var i && i >= 0 && Query.ReadColumns[i].Mask is null ? i : -1;

    /// <summary>For each join column, its ordinal in the level's statement: in the read columns, or after them.</summary>
    public int[] JoinOrdinals()
    {
        var ordinals = new int[Navigation.Join.Count];
        var after = Query.ReadColumns.Count;
        for (var j = 0; j < ordinals.Length; j++)
        {
            ordinals[j] = JoinReadAt(j) is var read && read >= 0 ? read : after++;
        }

        return ordinals;
    }
}
