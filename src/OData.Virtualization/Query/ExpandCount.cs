using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>
/// <c>$count=true</c> inside <c>$expand</c> (<c>Nav@odata.count</c>): one more expanded level beside the level it
/// counts, whose statement answers one row per parent that has related rows — the number of them that the level's
/// <c>$filter</c> and <c>$search</c> (and the caller's row filter) select, before <c>$top</c> and <c>$skip</c>
/// (<see cref="SqlCompiler"/>: <c>GROUP BY</c> the foreign key). A parent without such a row counts 0. Loaded and
/// batched like any level, so the count costs no round trip of its own on PostgreSQL.
/// </summary>
internal static class ExpandCount
{
    /// <summary>The count, read where a level's first column is (its other columns are NULL in a count level).</summary>
    public static readonly PublishedColumn Column = new("@odata.count", "__count", ColumnType.Of(ValueKind.Int64), IsNullable: false);

    /// <summary>The level that counts <paramref name="level"/>'s related rows per parent.</summary>
    public static ExpandedQuery Level(ExpandedQuery level)
    {
        var query = level.Query;
        var counted = new EntityQuery { Set = query.Set, Selected = [Column], Filter = query.Filter, Search = query.Search };
        return new ExpandedQuery(level.Navigation, counted, CountsOnly: true);
    }
}
