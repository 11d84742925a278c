using System.Globalization;
using Microsoft.OData.UriParser;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>
/// <c>$apply</c>: one statement. The grouped rows are a derived table (the set's rows under the caller's row filter and
/// the <c>filter</c> transformations, joined to the entities of single-valued navigation properties, grouped, totalled);
/// <c>$filter</c>, <c>$orderby</c>, <c>$top</c>/<c>$skip</c> and the count run over it:
/// <code>
/// SELECT g."g0", g."a0" FROM (SELECT j0."name" AS "g0", SUM(t0."weight") AS "a0" FROM "shipments" AS t0
///   LEFT JOIN "carriers" AS j0 ON t0."carrier_id" = j0."carrier_id" WHERE … GROUP BY j0."name") AS g
/// WHERE g."a0" &gt; $1 ORDER BY g."a0" DESC, g."g0" ASC LIMIT $2 OFFSET $3
/// </code>
/// Columns of the derived table have generated names (<c>g0</c>, <c>a0</c>): a client's alias never becomes SQL, and
/// SQLite's case-insensitive names cannot make two aliases one.
/// </summary>
internal static partial class SqlCompiler
{
    private const string GroupedAlias = "g";

    /// <summary>The aggregated rows: at most <paramref name="limit"/> of them after <paramref name="offset"/>, in a total order.</summary>
    public static SqlStatement Apply(ApplyQuery query, DateTimeOffset now, long? limit, long? offset)
    {
        var sql = new SqlBuilder(query.Set.Source.Dialect);
        var text = sql.Text;
        text.Append("SELECT ");
        var outputs = query.Outputs;
        for (var i = 0; i < outputs.Count; i++)
        {
            text.Append(i > 0 ? ", " : string.Empty).Append(sql.Dialect.SelectColumn(Grouped(outputs[i]), outputs[i].Type));
        }

        AppendGroupedRows(sql, query, now);
        var terms = ResultOrder(sql, query, now);
        if (terms.Count > 0)
        {
            text.Append(" ORDER BY ");
            AppendOrderTerms(text, sql.Dialect, terms);
        }

        AppendPaging(sql, limit, offset);
        return sql.Build();
    }

    /// <summary><c>SELECT COUNT(*)</c> of the aggregated rows that <c>$filter</c> keeps, for <c>$count=true</c>.</summary>
    public static SqlStatement ApplyCount(ApplyQuery query, DateTimeOffset now)
    {
        var sql = new SqlBuilder(query.Set.Source.Dialect);
        sql.Text.Append("SELECT COUNT(*)");
        AppendGroupedRows(sql, query, now);
        return sql.Build();
    }

    /// <summary><c>FROM (grouped) AS g WHERE …</c>: the aggregated rows the result filters keep.</summary>
    private static void AppendGroupedRows(SqlBuilder sql, ApplyQuery query, DateTimeOffset now)
    {
        var text = sql.Text;
        var dialect = sql.Dialect;
        text.Append(" FROM (SELECT ");
        var joins = query.Joins;
        var items = new List<string>();
        var groupBy = new List<string>();
        foreach (var group in query.Groups)
        {
            var expression = dialect.CompareColumn(Column(group.Column, group.Via, joins), group.Column.Type);
            groupBy.Add(expression);
            items.Add(expression + " AS " + SqlDialect.Quote(group.Output.SqlName));
        }

        foreach (var aggregate in query.Aggregates)
        {
            items.Add(Aggregate(dialect, aggregate, joins) + " AS " + SqlDialect.Quote(aggregate.Output.SqlName));
        }

        text.AppendJoin(", ", items);
        text.Append(" FROM ").Append(SqlDialect.Table(query.Set.Object)).Append(" AS ").Append(Alias);
        for (var j = 0; j < joins.Count; j++)
        {
            // A LEFT JOIN: a row without a related entity (a NULL foreign key, or one the caller may not see) is still
            // counted, under NULL. The related set's row filter is part of the join, as it is of every read of that set.
            var navigation = joins[j];
            var alias = JoinAlias(j);
            var on = navigation.Join.Select(p => $"{Alias}.{SqlDialect.Quote(p.Local.ColumnName)} = {alias}.{SqlDialect.Quote(p.Remote.ColumnName)}").ToList();
            if (navigation.Target.RowFilter is { } related)
            {
                on.Add(new FilterTranslator(sql, navigation.Target.PolicySet ?? navigation.Target, alias, now).Predicate(related));
            }

            text.Append(" LEFT JOIN ").Append(SqlDialect.Table(navigation.Target.Object)).Append(" AS ").Append(alias)
                .Append(" ON ").AppendJoin(" AND ", on);
        }

        var conditions = new List<string>();
        if (query.Set.RowFilter is { } policy)
        {
            // The caller's row filter before any grouping: a total never includes a row the caller may not read.
            conditions.Add(new FilterTranslator(sql, query.Set.PolicySet ?? query.Set, Alias, now).Predicate(policy));
        }

        foreach (var filter in query.RowFilters)
        {
            conditions.Add(new FilterTranslator(sql, query.Set, Alias, now) { Clause = "$apply" }.Predicate(filter));
        }

        if (conditions.Count > 0)
        {
            text.Append(" WHERE ").AppendJoin(" AND ", conditions);
        }

        if (query.Grouped && groupBy.Count > 0)
        {
            text.Append(" GROUP BY ").AppendJoin(", ", groupBy);
        }

        text.Append(") AS ").Append(GroupedAlias);
        var after = query.ResultFilters.Select(f => ResultTranslator(sql, query, now, "$filter").Predicate(f)).ToList();
        if (after.Count > 0)
        {
            text.Append(" WHERE ").AppendJoin(" AND ", after);
        }
    }

    /// <summary>The client's order over the aggregated rows, then every grouped property: a total order for OFFSET paging.</summary>
    private static List<OrderTerm> ResultOrder(SqlBuilder sql, ApplyQuery query, DateTimeOffset now)
    {
        var translator = ResultTranslator(sql, query, now, "$orderby");
        var terms = new List<OrderTerm>();
        foreach (var (expression, descending) in query.OrderBy)
        {
            var term = translator.OrderExpression(expression, out var nullable, out var type);
            terms.Add(new OrderTerm(term, type, descending, nullable, null));
        }

        if (query.Grouped)
        {
            // Ties ascending by the grouped properties: OFFSET paging needs a total order, not an index-friendly one.
            foreach (var group in query.Groups)
            {
                var term = sql.Dialect.CompareColumn(Grouped(group.Output), group.Output.Type);
                if (terms.All(t => t.Sql != term))
                {
                    terms.Add(new OrderTerm(term, group.Output.Type, false, group.Output.IsNullable, null));
                }
            }
        }

        return terms;
    }

    /// <summary>A translator whose property references are the aggregated row's columns.</summary>
    private static FilterTranslator ResultTranslator(SqlBuilder sql, ApplyQuery query, DateTimeOffset now, string clause)
        => new(sql, query.Set, GroupedAlias, now)
        {
            Clause = clause,
            Properties = node =>
            {
                var path = node switch
                {
                    SingleValueOpenPropertyAccessNode open => open.Name,
                    SingleValuePropertyAccessNode { Source: SingleNavigationNode navigation } property => navigation.NavigationProperty.Name + "/" + property.Property.Name,
                    SingleValuePropertyAccessNode property => property.Property.Name,
                    _ => node.Kind.ToString(),
                };
                var output = query.Outputs.FirstOrDefault(o => o.Path == path)
                    ?? throw ODataProblem.BadRequest($"'{path}' is not a property of the result of $apply. Its properties are: {string.Join(", ", query.Outputs.Select(o => o.Path))}.", clause);
                return new SqlValue(sql.Dialect.CompareColumn(Grouped(output), output.Type), output.Type, output.IsNullable);
            },
        };

    /// <summary>The SQL of one aggregate expression over the grouped rows.</summary>
    private static string Aggregate(SqlDialect dialect, ApplyAggregate aggregate, IReadOnlyList<PublishedNavigation> joins)
    {
        if (aggregate.Method == AggregateMethod.Count)
        {
            return "COUNT(*)";
        }

        var column = aggregate.Column!;
        var value = dialect.CompareColumn(Column(column, aggregate.Via, joins), column.Type);
        return aggregate.Method switch
        {
            AggregateMethod.Sum => dialect.Sum(value, column.Type),
            AggregateMethod.Average => $"AVG({value})",
            AggregateMethod.Min => $"MIN({value})",
            AggregateMethod.Max => $"MAX({value})",
            _ => $"COUNT(DISTINCT {value})",
        };
    }

    private static string Column(PublishedColumn column, PublishedNavigation? via, IReadOnlyList<PublishedNavigation> joins)
        => (via is null ? Alias : JoinAlias(IndexOf(joins, via))) + "." + SqlDialect.Quote(column.ColumnName);

    private static int IndexOf(IReadOnlyList<PublishedNavigation> joins, PublishedNavigation navigation)
    {
        for (var i = 0; i < joins.Count; i++)
        {
            if (ReferenceEquals(joins[i], navigation))
            {
                return i;
            }
        }

        throw new InvalidOperationException("The navigation property is not joined.");
    }

    private static string JoinAlias(int index) => "j" + index.ToString(CultureInfo.InvariantCulture);

    private static string Grouped(ApplyOutput output) => GroupedAlias + "." + SqlDialect.Quote(output.SqlName);
}
