using System.Text;
using Microsoft.OData.UriParser;
using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>
/// Compiles an <see cref="EntityQuery"/> into one parameterized statement in the source's dialect.
/// Every client value becomes a parameter; identifiers come only from the discovered schema and are quoted.
/// </summary>
internal static class SqlCompiler
{
    private const string Alias = "t0";

    /// <summary><c>SELECT … FROM … WHERE … ORDER BY … LIMIT … OFFSET …</c> for a collection or an entity by key.</summary>
    public static SqlStatement Select(EntityQuery query, DateTimeOffset now)
    {
        var sql = new SqlBuilder(query.Set.Source.Dialect);
        var text = sql.Text;
        text.Append("SELECT ");
        AppendColumns(text, sql.Dialect, query.ReadColumns);
        text.Append(" FROM ").Append(SqlDialect.Table(query.Set.Object)).Append(" AS ").Append(Alias);
        AppendWhere(sql, query, now, extra: null);
        AppendOrderBy(sql, query, now);
        AppendPaging(sql, query.Top, query.Skip);
        return sql.Build();
    }

    /// <summary><c>SELECT COUNT(*)</c> over the same predicate (paging does not apply to counts).</summary>
    public static SqlStatement Count(EntityQuery query, DateTimeOffset now)
    {
        var sql = new SqlBuilder(query.Set.Source.Dialect);
        sql.Text.Append("SELECT COUNT(*) FROM ").Append(SqlDialect.Table(query.Set.Object)).Append(" AS ").Append(Alias);
        AppendWhere(sql, query, now, extra: null);
        return sql.Build();
    }

    /// <summary>
    /// One statement for an expanded level: the related rows of every parent in <paramref name="parentValues"/>
    /// (the parents' values of the navigation's local join columns), with the nested options applied per parent.
    /// The join columns are read after <see cref="EntityQuery.ReadColumns"/>.
    /// </summary>
    public static SqlStatement Expand(ExpandedQuery expand, IReadOnlyList<object?[]> parentValues, DateTimeOffset now)
    {
        var query = expand.Query;
        var join = expand.Navigation.Join;
        var sql = new SqlBuilder(query.Set.Source.Dialect);
        var dialect = sql.Dialect;
        var text = sql.Text;
        var windowed = query.Top is not null || query.Skip is not null;

        text.Append("SELECT ");
        AppendColumns(text, dialect, query.ReadColumns);
        foreach (var (_, remote) in join)
        {
            text.Append(", ").Append(Alias).Append('.').Append(SqlDialect.Quote(remote.ColumnName));
        }

        var orderBy = new StringBuilder();
        AppendOrderTerms(orderBy, sql, query, now);
        if (windowed)
        {
            text.Append(", ROW_NUMBER() OVER (PARTITION BY ");
            text.AppendJoin(", ", join.Select(j => Alias + "." + SqlDialect.Quote(j.Remote.ColumnName)));
            text.Append(" ORDER BY ").Append(orderBy).Append(") AS ").Append(SqlDialect.Quote("__rn"));
        }

        text.Append(" FROM ").Append(SqlDialect.Table(query.Set.Object)).Append(" AS ").Append(Alias);
        AppendWhere(sql, query, now, extra: () => JoinPredicate(sql, join, parentValues));

        if (windowed)
        {
            var inner = text.ToString();
            text.Clear();
            text.Append("SELECT * FROM (").Append(inner).Append(") AS w WHERE ");
            var skip = query.Skip ?? 0;
            text.Append("w.").Append(SqlDialect.Quote("__rn")).Append(" > ").Append(sql.AddParameter(skip, ColumnType.Of(ValueKind.Int64)));
            if (query.Top is { } top)
            {
                text.Append(" AND w.").Append(SqlDialect.Quote("__rn")).Append(" <= ")
                    .Append(sql.AddParameter(skip + top, ColumnType.Of(ValueKind.Int64)));
            }

            text.Append(" ORDER BY w.").Append(SqlDialect.Quote("__rn"));
        }
        else
        {
            text.Append(" ORDER BY ").Append(orderBy);
        }

        return sql.Build();
    }

    private static string JoinPredicate(SqlBuilder sql, IReadOnlyList<(PublishedColumn Local, PublishedColumn Remote)> join, IReadOnlyList<object?[]> parentValues)
    {
        var dialect = sql.Dialect;
        var distinct = parentValues.Where(v => v.All(x => x is not null)).Distinct(RowComparer.Instance).ToList();
        if (distinct.Count == 0)
        {
            return "(1 = 0)";
        }

        if (join.Count == 1 && dialect.Provider == Sources.SourceProvider.PostgreSql)
        {
            // One array parameter for the whole batch of parents. Types that are read as text (enums, unconstrained
            // numerics) are matched as text; others are bound as the column's own type, so its index serves the join.
            var column = join[0].Remote;
            var asText = column.Type.ReadAsText || column.Type.CompareAs is not null;
            var converted = distinct.Select(d => asText
                ? Convert.ToString(d[0], System.Globalization.CultureInfo.InvariantCulture)
                : dialect.ToProviderValue(d[0], column.Type)).ToList();
            var values = Array.CreateInstance(converted[0]!.GetType(), converted.Count);
            for (var i = 0; i < converted.Count; i++)
            {
                values.SetValue(converted[i], i);
            }

            var left = Alias + "." + SqlDialect.Quote(column.ColumnName) + (asText ? "::text" : string.Empty);
            return $"({left} = ANY({sql.AddParameter(values, null)}))";
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

    private static void AppendColumns(StringBuilder text, SqlDialect dialect, IReadOnlyList<PublishedColumn> columns)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            text.Append(dialect.SelectColumn(Alias + "." + SqlDialect.Quote(columns[i].ColumnName), columns[i].Type));
        }
    }

    private static void AppendWhere(SqlBuilder sql, EntityQuery query, DateTimeOffset now, Func<string>? extra)
    {
        var conditions = new List<string>();
        if (extra is not null)
        {
            conditions.Add(extra());
        }

        if (query.Key is { } key)
        {
            foreach (var (column, value) in key)
            {
                conditions.Add($"{sql.Dialect.CompareColumn(Alias + "." + SqlDialect.Quote(column.ColumnName), column.Type)} = {sql.AddParameter(value, column.Type)}");
            }
        }

        if (query.Filter is { } filter)
        {
            conditions.Add(new FilterTranslator(sql, query.Set, Alias, now).Predicate(filter));
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

    private static void AppendOrderBy(SqlBuilder sql, EntityQuery query, DateTimeOffset now)
    {
        if (query.Key is not null)
        {
            return;
        }

        sql.Text.Append(" ORDER BY ");
        AppendOrderTerms(sql.Text, sql, query, now);
    }

    /// <summary>The client's order, then the key: a stable total order, so paging never skips or repeats a row.</summary>
    private static void AppendOrderTerms(StringBuilder text, SqlBuilder sql, EntityQuery query, DateTimeOffset now)
    {
        var translator = new FilterTranslator(sql, query.Set, Alias, now);
        var first = true;
        var orderedColumns = new HashSet<PublishedColumn>();
        foreach (var (expression, descending) in query.OrderBy)
        {
            var term = translator.OrderExpression(expression, out var nullable);
            if (FilterTranslator.Unwrap(expression) is SingleValuePropertyAccessNode property)
            {
                orderedColumns.Add(query.Set.GetColumn(property.Property));
            }

            Append(term, descending, nullable);
        }

        foreach (var key in query.Set.Key)
        {
            if (!orderedColumns.Contains(key))
            {
                Append(sql.Dialect.CompareColumn(Alias + "." + SqlDialect.Quote(key.ColumnName), key.Type), descending: false, nullable: false);
            }
        }

        void Append(string term, bool descending, bool nullable)
        {
            if (!first)
            {
                text.Append(", ");
            }

            first = false;
            text.Append(term).Append(descending ? " DESC" : " ASC").Append(sql.Dialect.NullOrdering(descending, nullable));
        }
    }

    private static void AppendPaging(SqlBuilder sql, long? top, long? skip)
    {
        var topSql = top is { } t ? sql.AddParameter(t, ColumnType.Of(ValueKind.Int64)) : null;
        var skipSql = skip is { } s && s > 0 ? sql.AddParameter(s, ColumnType.Of(ValueKind.Int64)) : null;
        sql.Text.Append(sql.Dialect.Limit(topSql, skipSql));
    }

    private sealed class RowComparer : IEqualityComparer<object?[]>
    {
        public static readonly RowComparer Instance = new();

        public bool Equals(object?[]? x, object?[]? y) => x!.AsSpan().SequenceEqual(y!, EqualityComparer<object?>.Default);

        public int GetHashCode(object?[] obj)
        {
            var hash = new HashCode();
            foreach (var value in obj)
            {
                hash.Add(value);
            }

            return hash.ToHashCode();
        }
    }
}
