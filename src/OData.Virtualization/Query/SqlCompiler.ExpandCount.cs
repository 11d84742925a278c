namespace OData.Virtualization.Query;

/// <summary><c>$count=true</c> inside <c>$expand</c>: the count level's statement (<see cref="ExpandCount"/>).</summary>
internal static partial class SqlCompiler
{
    /// <summary>
    /// <c>SELECT COUNT(*), NULL, …, t0.fk FROM child AS t0 WHERE &lt;row filter&gt; AND &lt;parents&gt; AND &lt;$filter&gt;
    /// AND &lt;$search&gt; GROUP BY t0.fk</c>: the shape of a level's rows (its read columns, then the join columns), so
    /// that it is read, batched and matched to its parents like one.
    /// </summary>
    private static void AppendExpandCount(SqlBuilder sql, ExpandedQuery expand, DateTimeOffset now, Func<string> joinPredicate)
    {
        var query = expand.Query;
        var text = sql.Text;
        var remote = string.Join(", ", expand.Navigation.Join.Select(j => Alias + "." + SqlDialect.Quote(j.Remote.ColumnName)));
        text.Append("SELECT COUNT(*) AS ").Append(SqlDialect.Quote(ExpandCount.Column.ColumnName));
        for (var i = 1; i < query.ReadColumns.Count; i++)
        {
            text.Append(", NULL");
        }

        text.Append(", ").Append(remote);
        AppendFrom(sql, query, now);
        AppendWhere(sql, query, now, extra: joinPredicate);
        text.Append(" GROUP BY ").Append(remote);
    }
}
