using System.Globalization;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Query;

/// <summary>
/// An expanded level with <c>$top</c> or <c>$skip</c> on PostgreSQL: each parent's related rows by a lateral join that
/// stops at the parent's limit, <c>FROM (parents) AS p CROSS JOIN LATERAL (SELECT … WHERE fk = p.local ORDER BY …
/// LIMIT n) AS c</c>, as a careful engineer writes it. The alternative, <c>ROW_NUMBER() OVER (PARTITION BY fk …)</c>
/// over every related row of every parent, numbered each child however many a parent has (issue 17's benchmark:
/// PostgreSQL 1,629 µs a 20-parent expand against 1,085 µs for the lateral join).
/// </summary>
internal static partial class SqlCompiler
{
    private const string LateralAlias = "c";

    /// <summary>The parents of a lateral join (<c>… AS p</c>), and the predicate that joins a related row to one of them.</summary>
    private readonly record struct LateralParents(string From, string Predicate);

    /// <summary>
    /// Whether an expanded level is read by a lateral join: on PostgreSQL, with a window per parent, where an index
    /// finds a parent's related rows (without one, each parent would scan the related table: the seed's
    /// <c>sales_orders.customer_id</c> has no index, and a 60-parent expand by lateral join took seconds where one
    /// numbered scan takes milliseconds).
    /// </summary>
    private static bool Lateral(SqlBuilder sql, ExpandedQuery expand, bool bound = false)
        => sql.Dialect.Provider == SourceProvider.PostgreSql
           && (expand.Query.Top is not null || expand.Query.Skip is not null)
           && (!bound || expand.Navigation.Join.Count == 1)
           && expand.Query.Set.Object.HasIndexOn(expand.Navigation.Join.Select(j => j.Remote.ColumnName).ToHashSet(StringComparer.Ordinal));

    /// <summary>
    /// The level's rows (the statement's columns, the join columns, then the order terms' values, ordered by them), or
    /// with <paramref name="only"/> those columns alone, unordered (the parents of a nested level).
    /// </summary>
    private static void AppendLateral(SqlBuilder sql, ExpandedQuery expand, DateTimeOffset now, Func<LateralParents> parents, IReadOnlyList<PublishedColumn>? only)
    {
        var query = expand.Query;
        var dialect = sql.Dialect;
        var from = parents();
        var inner = sql.Nested();
        var terms = OrderTerms(inner, query, now);
        var text = inner.Text;
        // How the outer statement orders by each term: by the read column's name, or by its value selected as __oN.
        var outerTerms = new List<OrderTerm>(terms.Count);
        text.Append("SELECT ");
        if (only is null)
        {
            AppendColumns(text, dialect, query.ReadColumns);
            for (var j = 0; j < expand.Navigation.Join.Count; j++)
            {
                if (expand.JoinReadAt(j) < 0)
                {
                    text.Append(", ").Append(Alias).Append('.').Append(SqlDialect.Quote(expand.Navigation.Join[j].Remote.ColumnName));
                }
            }

            for (var i = 0; i < terms.Count; i++)
            {
                if (ReadAsIs(query.ReadColumns, dialect, terms[i]) is { } read)
                {
                    outerTerms.Add(terms[i] with { Sql = LateralAlias + "." + SqlDialect.Quote(read.ColumnName) });
                    continue;
                }

                text.Append(", ").Append(terms[i].Sql).Append(" AS ").Append(OrderColumn(i));
                outerTerms.Add(terms[i] with { Sql = LateralAlias + "." + OrderColumn(i) });
            }
        }
        else
        {
            AppendJoinColumns(text, only);
        }

        AppendFrom(inner, query, now);
        AppendWhere(inner, query, now, extra: () => from.Predicate);
        text.Append(" ORDER BY ");
        AppendOrderTerms(text, dialect, terms);
        AppendPaging(inner, query.Top, query.Skip);

        var outer = sql.Text;
        outer.Append("SELECT ");
        if (only is null)
        {
            outer.Append(LateralAlias).Append(".*");
        }
        else
        {
            outer.AppendJoin(", ", Distinct(only).Select(c => LateralAlias + "." + SqlDialect.Quote(c.ColumnName)));
        }

        outer.Append(" FROM ").Append(from.From).Append(" CROSS JOIN LATERAL (").Append(text).Append(") AS ").Append(LateralAlias);
        if (only is null)
        {
            // Each parent's rows in the level's order (the reader groups them by parent, keeping their order).
            outer.Append(" ORDER BY ");
            AppendOrderTerms(outer, dialect, outerTerms);
        }
    }

    /// <summary>
    /// The read column an order term is, when the level's select list has it as it is (not masked, not cast), under its
    /// own name: the outer statement orders by that name instead of selecting the value a second time.
    /// </summary>
    private static PublishedColumn? ReadAsIs(IReadOnlyList<PublishedColumn> read, SqlDialect dialect, OrderTerm term)
    {
        if (term.Column is not { Mask: null } column || read.IndexOfColumn(column) < 0)
        {
            return null;
        }

        var plain = Alias + "." + SqlDialect.Quote(column.ColumnName);
        return term.Sql == plain && dialect.SelectColumn(plain, column.Type) == plain ? column : null;
    }

    private static string OrderColumn(int i) => SqlDialect.Quote("__o" + i.ToString(CultureInfo.InvariantCulture));

    /// <summary>The distinct join values of the parents a subquery selects (as they are, when <paramref name="unique"/>).</summary>
    private static LateralParents DistinctParents(SqlBuilder sql, IReadOnlyList<(PublishedColumn Local, PublishedColumn Remote)> join, ParentRows parents, bool unique = false)
    {
        var rows = parents(sql, join.Select(j => j.Local).ToList());
        var locals = Distinct(join.Select(j => j.Local).ToList()).Select(c => ParentAlias + "." + SqlDialect.Quote(c.ColumnName));
        var from = unique ? $"({rows}) AS {ParentAlias}" : $"(SELECT DISTINCT {string.Join(", ", locals)} FROM ({rows}) AS {ParentAlias}) AS {ParentAlias}";
        var predicate = string.Join(" AND ", join.Select(j => $"{Alias}.{SqlDialect.Quote(j.Remote.ColumnName)} = {ParentAlias}.{SqlDialect.Quote(j.Local.ColumnName)}"));
        return new LateralParents(from, predicate);
    }

    /// <summary>Bound parents' values (one join column) as one array parameter, unnested.</summary>
    private static LateralParents BoundParents(SqlBuilder sql, IReadOnlyList<(PublishedColumn Local, PublishedColumn Remote)> join, IReadOnlyList<object?[]> parentValues)
    {
        var column = join[0].Remote;
        var (left, values) = ArrayParameter(sql, column, parentValues);
        return values is null
            ? new LateralParents($"(SELECT 1) AS {ParentAlias}", "(1 = 0)")
            : new LateralParents($"unnest({values}) AS {ParentAlias}(v)", $"{left} = {ParentAlias}.v");
    }
}
