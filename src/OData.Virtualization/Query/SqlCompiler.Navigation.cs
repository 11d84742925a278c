using System.Text;
using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>Navigation paths: the rows related to one parent entity, and whether that parent is there.</summary>
internal static partial class SqlCompiler
{
    /// <summary>
    /// <c>(t0.fk, …) IN (SELECT n1.key, … FROM parent AS n1 WHERE &lt;parent's row filter&gt; AND n1.key = @p)</c>:
    /// the rows of <paramref name="alias"/> related to the parent <paramref name="via"/> addresses. The join columns
    /// are compared as stored, as the foreign key compares them; a NULL foreign key relates to nothing. A parent reached
    /// through another navigation nests one subquery per step (aliases <c>n1</c>, <c>n2</c>, …).
    /// </summary>
    internal static string RelatedTo(SqlBuilder sql, NavigationSource via, string alias, DateTimeOffset now, int depth)
    {
        var parent = "n" + depth.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var join = via.Navigation.Join;
        var left = string.Join(", ", join.Select(j => alias + "." + SqlDialect.Quote(j.Remote.ColumnName)));
        var right = string.Join(", ", join.Select(j => parent + "." + SqlDialect.Quote(j.Local.ColumnName)));
        var text = new StringBuilder();
        text.Append(join.Count == 1 ? "(" + left : "((" + left + ")")
            .Append(" IN (SELECT ").Append(right).Append(" FROM ").Append(SqlDialect.Table(via.Parent.Object)).Append(" AS ").Append(parent);
        AppendParentWhere(sql, text, via, parent, now, depth);
        return text.Append("))").ToString();
    }

    /// <summary><c>SELECT COUNT(*) FROM parent WHERE …</c>: 1 when the caller can see the parent <paramref name="via"/> addresses, else 0.</summary>
    public static SqlStatement ParentCount(NavigationSource via, DateTimeOffset now)
    {
        var sql = new SqlBuilder(via.Parent.Source.Dialect);
        sql.Text.Append("SELECT COUNT(*) FROM ").Append(SqlDialect.Table(via.Parent.Object)).Append(" AS n1");
        AppendParentWhere(sql, sql.Text, via, "n1", now, depth: 1);
        return sql.Build();
    }

    /// <summary>The parent's row filter (the caller's policy), its key, and how it is reached in turn.</summary>
    private static void AppendParentWhere(SqlBuilder sql, StringBuilder text, NavigationSource via, string alias, DateTimeOffset now, int depth)
    {
        var parent = via.Parent;
        var conditions = new List<string>();
        if (parent.RowFilter is { } policy)
        {
            conditions.Add(new FilterTranslator(sql, parent.PolicySet ?? parent, alias, now).Predicate(policy));
        }

        foreach (var (column, value) in via.ParentKey ?? [])
        {
            conditions.Add(sql.Dialect.KeyEquals(sql.Dialect.CompareColumn(alias + "." + SqlDialect.Quote(column.ColumnName), column.Type), sql.AddParameter(value, column.Type)));
        }

        if (via.ParentVia is { } grandparent)
        {
            conditions.Add(RelatedTo(sql, grandparent, alias, now, depth + 1));
        }

        if (conditions.Count > 0)
        {
            text.Append(" WHERE ").AppendJoin(" AND ", conditions);
        }
    }
}
