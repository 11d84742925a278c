using System.Text;
using Microsoft.OData.UriParser;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Query;

/// <summary>
/// Compiles an <see cref="EntityQuery"/> into one parameterized statement in the source's dialect.
/// Every client value becomes a parameter; identifiers come only from the discovered schema and are quoted.
/// </summary>
internal static partial class SqlCompiler
{
    internal const string Alias = "t0";

    /// <summary><c>SELECT … FROM … WHERE … ORDER BY … LIMIT … OFFSET …</c> for a collection or an entity by key.</summary>
    public static SqlStatement Select(EntityQuery query, DateTimeOffset now) => Page(query, now).Statement;

    /// <summary>
    /// The statement for one page. With <see cref="EntityQuery.Paging"/> set, it continues after the paging
    /// position by key (a keyset predicate on the order terms, never OFFSET), fetches one row more than the page to
    /// learn whether another page follows, and reads the order terms' values so that the next link can be minted.
    /// </summary>
    /// <remarks>
    /// With <paramref name="windowCount"/>, the total of rows the predicate matches comes beside every row
    /// (<c>COUNT(*) OVER ()</c>, at <see cref="PageStatement.CountOrdinal"/>): the count and the page in one scan, for a
    /// first page (no keyset position, no OFFSET) whose count was asked for.
    /// </remarks>
    public static PageStatement Page(EntityQuery query, DateTimeOffset now, bool windowCount = false)
    {
        var sql = new SqlBuilder(query.Set.Source.Dialect);
        var text = sql.Text;
        var paging = query.Paging;
        // Without paging the order terms are compiled after WHERE, so parameters are numbered in text order.
        var terms = paging is not null && query.Key is null ? OrderTerms(sql, query, now) : null;
        text.Append("SELECT ");
        if (query.Computed.Items.Count == 0)
        {
            AppendColumns(text, sql.Dialect, query.ReadColumns);
        }
        else
        {
            AppendComputedColumns(sql, query, now);
        }

        // Where the next link needs an order term's value that the row does not already carry, read it as well.
        var orderOrdinals = new List<int>();
        if (terms is not null)
        {
            var extra = query.ReadColumns.Count;
            foreach (var term in terms)
            {
                var index = term.Column is null ? -1 : query.ReadColumns.IndexOfColumn(term.Column);
                if (index < 0)
                {
                    text.Append(", ").Append(term.Sql).Append(" AS ").Append(SqlDialect.Quote("__o" + extra.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    index = extra++;
                }

                orderOrdinals.Add(index);
            }
        }

        var countOrdinal = -1;
        if (windowCount)
        {
            countOrdinal = query.ReadColumns.Count + orderOrdinals.Count(i => i >= query.ReadColumns.Count);
            text.Append(", COUNT(*) OVER () AS ").Append(SqlDialect.Quote("__count"));
        }

        terms = AppendPageRows(sql, query, now, terms);
        return new PageStatement(sql.Build(), terms ?? [], orderOrdinals, countOrdinal);
    }

    /// <summary>
    /// <c>FROM … WHERE … ORDER BY … LIMIT … OFFSET …</c> of a page: which rows it holds, the same in <see cref="Page"/>
    /// and in <see cref="PageRows"/>. Returns the order terms (null for an entity by key).
    /// </summary>
    private static IReadOnlyList<OrderTerm>? AppendPageRows(SqlBuilder sql, EntityQuery query, DateTimeOffset now, IReadOnlyList<OrderTerm>? terms)
    {
        var text = sql.Text;
        var paging = query.Paging;
        AppendFrom(sql, query, now);
        var after = paging?.After;
        AppendWhere(sql, query, now, extra: after is null ? null : () => Keyset.After(sql, OrderTerms(sql, query, now), after));
        if (query.Key is null)
        {
            terms ??= OrderTerms(sql, query, now);
            text.Append(" ORDER BY ");
            AppendOrderTerms(text, sql.Dialect, terms);
        }

        if (paging is not null)
        {
            // The keyset predicate replaces OFFSET on every page but the first.
            AppendPaging(sql, paging.Limit, after is null ? query.Skip : null);
        }
        else
        {
            AppendPaging(sql, query.Top, query.Skip);
        }

        return terms;
    }

    /// <summary><c>SELECT COUNT(*)</c> over the same predicate (paging does not apply to counts).</summary>
    public static SqlStatement Count(EntityQuery query, DateTimeOffset now)
    {
        var sql = new SqlBuilder(query.Set.Source.Dialect);
        sql.Text.Append("SELECT COUNT(*)");
        AppendFrom(sql, query, now);
        AppendWhere(sql, query, now, extra: null);
        return sql.Build();
    }

    private static void AppendColumns(StringBuilder text, SqlDialect dialect, IReadOnlyList<PublishedColumn> columns)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            var column = Alias + "." + SqlDialect.Quote(columns[i].ColumnName);
            text.Append(columns[i].Mask is { } visible ? dialect.Mask(column, visible) : dialect.SelectColumn(column, columns[i].Type));
        }
    }

    /// <summary>The select list of a query with <c>$compute</c>: each computed column is its expression, named by its column.</summary>
    private static void AppendComputedColumns(SqlBuilder sql, EntityQuery query, DateTimeOffset now)
    {
        var text = sql.Text;
        var columns = query.ReadColumns;
        var translator = QueryTranslator(sql, query, now, "$compute");
        for (var i = 0; i < columns.Count; i++)
        {
            if (query.Computed.Of(columns[i]) is not { } computed)
            {
                AppendColumns(text.Append(i > 0 ? ", " : string.Empty), sql.Dialect, [columns[i]]);
                continue;
            }

            var value = translator.OrderExpression(computed.Expression, out _, out _);
            text.Append(i > 0 ? ", " : string.Empty).Append(sql.Dialect.Computed(value, computed.Column.Type)).Append(" AS ").Append(SqlDialect.Quote(computed.Column.ColumnName));
        }
    }

    private static void AppendWhere(SqlBuilder sql, EntityQuery query, DateTimeOffset now, Func<string>? extra)
    {
        var conditions = new List<string>();

        // The caller's row filter first: every statement that reads the set carries it, whatever else it does.
        if (query.Set.RowFilter is { } policy)
        {
            conditions.Add(new FilterTranslator(sql, query.Set.PolicySet ?? query.Set, Alias, now).Predicate(policy));
        }

        if (extra is not null)
        {
            conditions.Add(extra());
        }

        if (query.Via is { } via)
        {
            conditions.Add(RelatedTo(sql, via, Alias, now, depth: 1));
        }

        if (query.ChangedKeys is { } changed)
        {
            conditions.Add(ChangedKeysPredicate(sql, query.Set, changed));
        }

        if (query.Key is { } key)
        {
            foreach (var (column, value) in key)
            {
                conditions.Add(sql.Dialect.KeyEquals(sql.Dialect.CompareColumn(Alias + "." + SqlDialect.Quote(column.ColumnName), column.Type), sql.AddParameter(value, column.Type)));
            }
        }

        if (query.Filter is { } filter)
        {
            conditions.Add(QueryTranslator(sql, query, now).Predicate(filter));
        }

        if (query.Search is { } search)
        {
            conditions.Add(SearchTranslator.Predicate(sql, query.Set, Alias, search.Expression));
        }

        if (conditions.Count > 0)
        {
            sql.Text.Append(" WHERE ").AppendJoin(" AND ", conditions);
        }
    }

    /// <summary>The client's order, then the key: a stable total order, so paging never skips or repeats a row.</summary>
    internal static IReadOnlyList<OrderTerm> OrderTerms(SqlBuilder sql, EntityQuery query, DateTimeOffset now)
    {
        var translator = QueryTranslator(sql, query, now, "$orderby");
        var terms = new List<OrderTerm>();
        var orderedColumns = new HashSet<PublishedColumn>();
        foreach (var (expression, descending) in query.OrderBy)
        {
            var term = translator.OrderExpression(expression, out var nullable, out var type);
            PublishedColumn? column = null;
            // A navigation path's value (carrier/name) is no column of this set: it is read as an order value.
            if (FilterTranslator.Unwrap(expression) is SingleValuePropertyAccessNode { Source: ResourceRangeVariableReferenceNode } property)
            {
                column = query.Set.GetColumn(property.Property);
                if (!orderedColumns.Add(column))
                {
                    continue; // ordering twice by one column changes nothing
                }
            }

            terms.Add(new OrderTerm(term, type, descending, nullable, column));
        }

        // The key runs in the direction of the last client term: "booked_at desc" becomes "booked_at DESC, id DESC",
        // one direction throughout, so the keyset predicate is a row comparison an index seeks. With the key
        // ascending after a descending term the continuation is an OR that PostgreSQL answered by sorting every row
        // before the position (44 ms at depth against 6 ms; decisions.md).
        var keyDescending = terms.Count > 0 && terms[^1].Descending;
        foreach (var key in query.Set.Key)
        {
            if (!orderedColumns.Contains(key))
            {
                terms.Add(new OrderTerm(sql.Dialect.KeyOrderColumn(Alias + "." + SqlDialect.Quote(key.ColumnName), key.Type), key.Type, keyDescending, Nullable: false, key));
            }
        }

        return terms;
    }

    private static void AppendOrderTerms(StringBuilder text, SqlDialect dialect, IReadOnlyList<OrderTerm> terms)
    {
        for (var i = 0; i < terms.Count; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            var term = terms[i];
            text.Append(term.Sql).Append(term.Descending ? " DESC" : " ASC").Append(dialect.NullOrdering(term.Descending, term.Nullable));
        }
    }

    /// <summary>
    /// <c>LIMIT n [OFFSET $p]</c>. The limit is written as a number, not bound: PostgreSQL plans a prepared statement
    /// again on every execution while its <c>LIMIT</c> is a parameter (the generic plan, costed for an unknown limit,
    /// never beats the custom ones), which cost more than running a 101-row keyset page (decision 56). It is a
    /// <see cref="long"/> the planner computed, never text a client sent.
    /// </summary>
    private static void AppendPaging(SqlBuilder sql, long? top, long? skip)
    {
        var topSql = top is { } t ? t.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        var skipSql = skip is { } s && s > 0 ? sql.AddParameter(s, ColumnType.Of(ValueKind.Int64)) : null;
        sql.Text.Append(sql.Dialect.Limit(topSql, skipSql));
    }

    /// <summary>A page's statement, its order terms, where the row carries their values, and (−1: none) its window count.</summary>
    internal sealed record PageStatement(SqlStatement Statement, IReadOnlyList<OrderTerm> Terms, IReadOnlyList<int> OrderOrdinals, int CountOrdinal = -1);

    /// <summary>One term of the total order: its SQL, type, direction and whether it can be NULL.</summary>
    internal sealed record OrderTerm(string Sql, ColumnType? Type, bool Descending, bool Nullable, PublishedColumn? Column);
}
