using OData.Virtualization.Model;
using OData.Virtualization.Query;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Execution;

/// <summary>
/// The expanded levels of a bounded page that are read in the page's own batch, one statement each, their parents a
/// subquery of the page (or of the level above): <c>BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; [count;] page;
/// level; …; COMMIT</c> in one round trip. Levels not listed here load as before, between batches
/// (<see cref="OpenQuery.LoadExpandsAsync"/>).
/// </summary>
/// <remarks>
/// The batch runs in one snapshot, so a subquery selects the rows its parents' statement returned, provided the
/// parents come in one order: sets whose key is a table's primary key (the order always ends with the key). A view's
/// configured key may repeat; its rows could tie at the page's limit and a second evaluation pick others, so a view's
/// rows are never the parents of a subquery. A masked join column also keeps the old path (its values are the masked
/// text the response shows).
/// </remarks>
internal sealed class ExpandBatch
{
    /// <summary>Opens the batch's one snapshot; read-only, so it never waits for or fails on a writer.</summary>
    internal const string Begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

    internal const string Commit = "COMMIT";

    private ExpandBatch(IReadOnlyList<(ExpandedQuery Expand, SqlStatement Statement)> levels) => Levels = levels;

    /// <summary>The levels in the batch's order (each before those nested in it), with their statements.</summary>
    public IReadOnlyList<(ExpandedQuery Expand, SqlStatement Statement)> Levels { get; }

    /// <summary>The levels of <paramref name="query"/>'s page that can come in its batch (PostgreSQL only); null when none can.</summary>
    public static ExpandBatch? Plan(EntityQuery query, DateTimeOffset now)
    {
        if (query.Set.Source.Provider != SourceProvider.PostgreSql || query.Key is not null || !InOneOrder(query.Set))
        {
            return null;
        }

        var levels = new List<(ExpandedQuery, SqlStatement)>();
        Add(levels, query, SqlCompiler.PageRows(query, now), now, page: true);
        return levels.Count == 0 ? null : new ExpandBatch(levels);
    }

    /// <summary>
    /// Adds the levels expanded from <paramref name="parents"/>. The rows of a <paramref name="page"/> are unique by the
    /// set's key (a primary key, <see cref="InOneOrder"/>), so a level joined on columns that cover it needs no
    /// <c>DISTINCT</c> over them; the rows of an expanded level may repeat a value and keep it.
    /// </summary>
    private static void Add(List<(ExpandedQuery, SqlStatement)> levels, EntityQuery parents, ParentRows rows, DateTimeOffset now, bool page = false)
    {
        foreach (var expand in parents.Expands)
        {
            if (expand.Navigation.Join.Any(j => parents.ReadColumns.IndexOfColumn(j.Local) is var i && (i < 0 || parents.ReadColumns[i].Mask is not null)))
            {
                continue;
            }

            var unique = page && parents.Set.Key.All(k => expand.Navigation.Join.Any(j => string.Equals(j.Local.ColumnName, k.ColumnName, StringComparison.Ordinal)));
            levels.Add((expand, SqlCompiler.Expand(expand, rows, now, unique)));
            if (expand.Query.Expands.Count > 0 && InOneOrder(expand.Query.Set))
            {
                Add(levels, expand.Query, SqlCompiler.ExpandRows(expand, rows, now), now);
            }
        }
    }

    /// <summary>Whether the set's order (which ends with its key) is total: a table's primary key.</summary>
    private static bool InOneOrder(PublishedSet set)
        => !set.Object.IsView && set.Object.PrimaryKey.Count > 0 && set.Key.Count == set.Object.PrimaryKey.Count
           && set.Key.All(k => set.Object.PrimaryKey.Contains(k.ColumnName, StringComparer.Ordinal));
}
