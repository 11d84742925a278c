using System.Text;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Query;

/// <summary>
/// The rows of another statement as a subquery (<c>SELECT</c> of <paramref name="columns"/>), its parameters added to
/// <paramref name="sql"/>: the parents of an expanded level, read in the same statement as their related rows.
/// </summary>
internal delegate string ParentRows(SqlBuilder sql, IReadOnlyList<PublishedColumn> columns);

/// <summary>Statements for <c>$expand</c>: an expanded level's related rows, for given parents or for a subquery of them.</summary>
internal static partial class SqlCompiler
{
    private const string ParentAlias = "p";
    private const string WindowAlias = "w";

    /// <summary>
    /// One statement for an expanded level: the related rows of every parent in <paramref name="parentValues"/>
    /// (the parents' values of the navigation's local join columns), with the nested options applied per parent.
    /// The join columns are read after <see cref="EntityQuery.ReadColumns"/>.
    /// </summary>
    public static SqlStatement Expand(ExpandedQuery expand, IReadOnlyList<object?[]> parentValues, DateTimeOffset now)
    {
        var sql = new SqlBuilder(expand.Query.Set.Source.Dialect);
        if (Lateral(sql, expand, bound: true))
        {
            AppendLateral(sql, expand, now, () => BoundParents(sql, expand.Navigation.Join, parentValues), only: null);
        }
        else
        {
            AppendExpand(sql, expand, now, () => JoinPredicate(sql, expand.Navigation.Join, parentValues), only: null);
        }

        return sql.Build();
    }

    /// <summary>
    /// The same statement for the parents that <paramref name="parents"/> selects (a page, or an expanded level of
    /// one) inside it: <c>WHERE (fk) IN (SELECT p.local FROM (&lt;parents&gt;) AS p)</c>. One statement of a batch that
    /// also reads the parents, in one snapshot, so that the subquery selects the rows the parents' statement returned.
    /// <paramref name="parentsUnique"/>: the parents' join values are unique already (a page of a table whose key they
    /// cover), so a lateral join takes them as they are, without <c>DISTINCT</c>.
    /// </summary>
    public static SqlStatement Expand(ExpandedQuery expand, ParentRows parents, DateTimeOffset now, bool parentsUnique = false)
    {
        var sql = new SqlBuilder(expand.Query.Set.Source.Dialect);
        if (Lateral(sql, expand))
        {
            AppendLateral(sql, expand, now, () => DistinctParents(sql, expand.Navigation.Join, parents, parentsUnique), only: null);
        }
        else
        {
            AppendExpand(sql, expand, now, () => JoinSubquery(sql, expand.Navigation.Join, parents), only: null);
        }

        return sql.Build();
    }

    /// <summary>
    /// The rows of the page <see cref="Page"/> compiles for <paramref name="query"/> (its WHERE, keyset position, order
    /// and limit), as a subquery. The order ends with the key: where the key is unique, the page's rows are one set.
    /// </summary>
    public static ParentRows PageRows(EntityQuery query, DateTimeOffset now) => (outer, columns) =>
    {
        var sql = outer.Nested();
        // Paging compiles the order terms first, as the page statement does.
        var terms = query.Paging is not null && query.Key is null ? OrderTerms(sql, query, now) : null;
        sql.Text.Append("SELECT ");
        AppendJoinColumns(sql.Text, columns);
        AppendPageRows(sql, query, now, terms);
        return sql.Text.ToString();
    };

    /// <summary>The related rows of <paramref name="expand"/> for <paramref name="parents"/>, as a subquery (a nested level's parents).</summary>
    public static ParentRows ExpandRows(ExpandedQuery expand, ParentRows parents, DateTimeOffset now) => (outer, columns) =>
    {
        var sql = outer.Nested();
        if (Lateral(sql, expand))
        {
            AppendLateral(sql, expand, now, () => DistinctParents(sql, expand.Navigation.Join, parents), only: columns);
        }
        else
        {
            AppendExpand(sql, expand, now, () => JoinSubquery(sql, expand.Navigation.Join, parents), only: columns);
        }

        return sql.Text.ToString();
    };

    /// <summary>
    /// An expanded level's rows into <paramref name="sql"/>: with <paramref name="only"/> null, the statement's columns,
    /// the join columns and its order; otherwise only those columns, unordered (a subquery).
    /// </summary>
    private static void AppendExpand(SqlBuilder sql, ExpandedQuery expand, DateTimeOffset now, Func<string> joinPredicate, IReadOnlyList<PublishedColumn>? only)
    {
        if (expand.CountsOnly)
        {
            AppendExpandCount(sql, expand, now, joinPredicate);
            return;
        }

        var query = expand.Query;
        var join = expand.Navigation.Join;
        var dialect = sql.Dialect;
        var text = sql.Text;
        var windowed = query.Top is not null || query.Skip is not null;

        text.Append("SELECT ");
        if (only is null)
        {
            AppendColumns(text, dialect, query.ReadColumns);
            for (var j = 0; j < join.Count; j++)
            {
                if (expand.JoinReadAt(j) >= 0)
                {
                    continue; // the row reads it
                }

                text.Append(", ").Append(Alias).Append('.').Append(SqlDialect.Quote(join[j].Remote.ColumnName));
                if (windowed)
                {
                    // A derived table's columns need distinct names on MySQL, and a masked join column is read too.
                    text.Append(" AS ").Append(SqlDialect.Quote("__j" + j.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }
            }
        }
        else
        {
            AppendJoinColumns(text, only);
        }

        var orderBy = new StringBuilder();
        if (only is null || windowed)
        {
            AppendOrderTerms(orderBy, dialect, OrderTerms(sql, query, now));
        }

        if (windowed)
        {
            text.Append(", ROW_NUMBER() OVER (PARTITION BY ");
            text.AppendJoin(", ", join.Select(j => Alias + "." + SqlDialect.Quote(j.Remote.ColumnName)));
            text.Append(" ORDER BY ").Append(orderBy).Append(") AS ").Append(SqlDialect.Quote("__rn"));
        }

        AppendFrom(sql, query, now);
        AppendWhere(sql, query, now, extra: joinPredicate);

        if (windowed)
        {
            var inner = text.ToString();
            text.Clear();
            text.Append("SELECT ");
            if (only is null)
            {
                text.Append('*');
            }
            else
            {
                text.AppendJoin(", ", Distinct(only).Select(c => WindowAlias + "." + SqlDialect.Quote(c.ColumnName)));
            }

            text.Append(" FROM (").Append(inner).Append(") AS ").Append(WindowAlias).Append(" WHERE ");
            var skip = query.Skip ?? 0;
            text.Append("w.").Append(SqlDialect.Quote("__rn")).Append(" > ").Append(sql.AddParameter(skip, ColumnType.Of(ValueKind.Int64)));
            if (query.Top is { } top)
            {
                text.Append(" AND w.").Append(SqlDialect.Quote("__rn")).Append(" <= ")
                    .Append(sql.AddParameter(skip + top, ColumnType.Of(ValueKind.Int64)));
            }

            if (only is null)
            {
                text.Append(" ORDER BY w.").Append(SqlDialect.Quote("__rn"));
            }
        }
        else if (only is null)
        {
            text.Append(" ORDER BY ").Append(orderBy);
        }
    }

    /// <summary>
    /// <c>(fk, …) IN (SELECT p.local, … FROM (&lt;parents&gt;) AS p)</c>: the columns compared as they are stored, as a
    /// foreign key compares them. A parent whose join value is NULL matches nothing, as with <see cref="JoinPredicate"/>.
    /// </summary>
    private static string JoinSubquery(SqlBuilder sql, IReadOnlyList<(PublishedColumn Local, PublishedColumn Remote)> join, ParentRows parents)
    {
        var rows = parents(sql, join.Select(j => j.Local).ToList());
        var left = string.Join(", ", join.Select(j => Alias + "." + SqlDialect.Quote(j.Remote.ColumnName)));
        var right = string.Join(", ", join.Select(j => ParentAlias + "." + SqlDialect.Quote(j.Local.ColumnName)));
        // One column on PostgreSQL: = ANY(ARRAY(…)) makes the parents an InitPlan, run once, and the children an index
        // scan on the array as when the parents' values are bound; IN (SELECT …) let the planner choose a semi-join
        // that cost PostgreSQL half as much again per 20-parent expand (the issue-17 benchmark).
        return join.Count == 1
            ? sql.Dialect.Provider == SourceProvider.PostgreSql
                ? $"({left} = ANY(ARRAY(SELECT {right} FROM ({rows}) AS {ParentAlias})))"
                : $"({left} IN (SELECT {right} FROM ({rows}) AS {ParentAlias}))"
            : $"(({left}) IN (SELECT {right} FROM ({rows}) AS {ParentAlias}))";
    }

    /// <summary>Columns as stored (no mask, no cast), each once: what a subquery's parents are joined on.</summary>
    private static void AppendJoinColumns(StringBuilder text, IReadOnlyList<PublishedColumn> columns)
        => text.AppendJoin(", ", Distinct(columns).Select(c => Alias + "." + SqlDialect.Quote(c.ColumnName)));

    private static IEnumerable<PublishedColumn> Distinct(IReadOnlyList<PublishedColumn> columns)
        => columns.DistinctBy(c => c.ColumnName, StringComparer.Ordinal);

    private static string JoinPredicate(SqlBuilder sql, IReadOnlyList<(PublishedColumn Local, PublishedColumn Remote)> join, IReadOnlyList<object?[]> parentValues)
    {
        var dialect = sql.Dialect;
        var distinct = parentValues.Where(v => v.All(x => x is not null)).Distinct(JoinKeyComparer.Instance).ToList();
        if (distinct.Count == 0)
        {
            return "(1 = 0)";
        }

        if (join.Count == 1 && dialect.Provider == SourceProvider.PostgreSql)
        {
            var (left, values) = ArrayParameter(sql, join[0].Remote, distinct);
            return $"({left} = ANY({values}))";
        }

        var text = new StringBuilder("((");
        text.AppendJoin(", ", join.Select(j => Alias + "." + SqlDialect.Quote(j.Remote.ColumnName)));
        text.Append(") IN (");
        for (var i = 0; i < distinct.Count; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            text.Append('(');
            for (var c = 0; c < join.Count; c++)
            {
                if (c > 0)
                {
                    text.Append(", ");
                }

                text.Append(sql.AddParameter(distinct[i][c], join[c].Remote.Type));
            }

            text.Append(')');
        }

        return text.Append("))").ToString();
    }

    /// <summary>
    /// The distinct non-null values of one join column as one array parameter (null when there are none), and the
    /// column as it is compared with them. Types that are read as text (enums, unconstrained numerics) are matched as
    /// text; others are bound as the column's own type, so its index serves the join.
    /// </summary>
    private static (string Left, string? Values) ArrayParameter(SqlBuilder sql, PublishedColumn column, IReadOnlyList<object?[]> parentValues)
    {
        var dialect = sql.Dialect;
        var asText = column.Type.ReadAsText || column.Type.CompareAs is not null;
        var left = Alias + "." + SqlDialect.Quote(column.ColumnName) + (asText ? "::text" : string.Empty);
        var converted = parentValues.Where(v => v[0] is not null).Distinct(JoinKeyComparer.Instance).Select(d => asText
            ? Convert.ToString(d[0], System.Globalization.CultureInfo.InvariantCulture)
            : dialect.ToProviderValue(d[0], column.Type)).ToList();
        if (converted.Count == 0)
        {
            return (left, null);
        }

        var values = Array.CreateInstance(converted[0]!.GetType(), converted.Count);
        for (var i = 0; i < converted.Count; i++)
        {
            values.SetValue(converted[i], i);
        }

        return (left, sql.AddParameter(values, null));
    }
}
