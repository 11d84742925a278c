namespace OData.Virtualization.Query;

/// <summary>
/// Single-valued navigation paths in <c>$filter</c> and <c>$orderby</c> as LEFT JOINs (decision 80): <c>FROM shipments
/// AS t0 LEFT JOIN carriers AS j1 ON j1.id = t0.carrier_id AND &lt;carriers' row filter for the caller&gt;</c>. A missing
/// related row, or one the caller may not see, leaves the joined columns NULL, which is what OData says a property of
/// an absent entity is. Every statement that reads the query's rows (page, count, keyset continuation, the parents of
/// an expanded level) starts with the same FROM, so a path means the same everywhere.
/// </summary>
internal static partial class SqlCompiler
{
    /// <summary><c> FROM table AS t0</c> and one LEFT JOIN per navigation path the query's filter and order use.</summary>
    private static void AppendFrom(SqlBuilder sql, EntityQuery query, DateTimeOffset now)
    {
        var text = sql.Text;
        text.Append(" FROM ").Append(SqlDialect.Table(query.Set.Object)).Append(" AS ").Append(Alias);
        foreach (var join in NavigationPaths.Of(query, Alias))
        {
            var target = join.Navigation.Target;
            text.Append(" LEFT JOIN ").Append(SqlDialect.Table(target.Object)).Append(" AS ").Append(join.Alias).Append(" ON ");
            var conditions = join.Navigation.Join
                // Compared as stored, as the foreign key compares them: a NULL foreign key relates to nothing.
                .Select(j => join.Alias + "." + SqlDialect.Quote(j.Remote.ColumnName) + " = " + join.ParentAlias + "." + SqlDialect.Quote(j.Local.ColumnName))
                .ToList();
            if (target.RowFilter is { } policy)
            {
                // In the ON clause: a hidden related row is as absent as a missing one, and the query's row stays.
                conditions.Add(new FilterTranslator(sql, target.PolicySet ?? target, join.Alias, now).Predicate(policy));
            }

            text.AppendJoin(" AND ", conditions);
        }
    }

    /// <summary>The translator of the query's own <c>$filter</c> and <c>$orderby</c>, which knows the statement's joins.</summary>
    private static FilterTranslator QueryTranslator(SqlBuilder sql, EntityQuery query, DateTimeOffset now, string clause = "$filter")
        => new(sql, query.Set, Alias, now) { Clause = clause, Joins = NavigationPaths.Aliases(NavigationPaths.Of(query, Alias)), Computed = query.Computed };
}
