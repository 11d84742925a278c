using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>
/// The statements of a delta (change tracking, PostgreSQL only): which changed keys a caller may see and which of them
/// its query still selects, and the keys of removed rows. Keys and old rows arrive as one JSON parameter that PostgreSQL
/// reads into the table's own row type (<c>jsonb_populate_recordset</c>), so every value keeps its column's type and
/// the caller's row filter judges them as it judges rows of the table.
/// </summary>
internal static partial class SqlCompiler
{
    /// <summary>
    /// <c>SELECT store key, query matches FROM set JOIN changed keys WHERE row filter</c>: the changed rows the caller
    /// may see, each with its key exactly as the store wrote it and whether the query's <c>$filter</c> and
    /// <c>$search</c> still select it (a row that no longer does is removed, reason <c>changed</c>). The store's keys
    /// are the text pgoutput sent; they are read into the key columns' own types and joined by value, so a timestamp,
    /// a float or a <c>char(n)</c> key matches whatever text form the source's session would print it in.
    /// </summary>
    public static SqlStatement ChangedKeyStates(EntityQuery query, string keysJson, DateTimeOffset now)
    {
        const string Keys = "odv_k";
        var sql = new SqlBuilder(query.Set.Source.Dialect);
        var text = sql.Text;
        text.Append("SELECT ").Append(Keys).Append(".odv_store_key, ");
        var conditions = new List<string>();
        if (query.Filter is { } filter)
        {
            conditions.Add(QueryTranslator(sql, query, now).Predicate(filter));
        }

        if (query.Search is { } search)
        {
            conditions.Add(SearchTranslator.Predicate(sql, query.Set, Alias, search.Expression));
        }

        text.Append(conditions.Count == 0 ? "TRUE" : "CASE WHEN " + string.Join(" AND ", conditions) + " THEN TRUE ELSE FALSE END");
        AppendFrom(sql, query, now);
        var set = query.Set;
        text.Append(" JOIN (SELECT j.value::text AS odv_store_key, ")
            .Append(string.Join(", ", set.Key.Select(k => "r." + SqlDialect.Quote(k.ColumnName))))
            .Append(" FROM jsonb_array_elements(CAST(").Append(sql.AddParameter(keysJson, null))
            .Append(" AS jsonb)) AS j CROSS JOIN LATERAL jsonb_populate_record(NULL::").Append(SqlDialect.Table(set.Object))
            .Append(", j.value) AS r) AS ").Append(Keys).Append(" ON ")
            .Append(string.Join(" AND ", set.Key.Select(k => Alias + "." + SqlDialect.Quote(k.ColumnName) + " = " + Keys + "." + SqlDialect.Quote(k.ColumnName))));
        AppendWhere(sql, query with { Filter = null, Search = null }, now, extra: null);
        return sql.Build();
    }

    /// <summary>
    /// <c>SELECT key columns FROM rows</c>: the typed keys of removed rows (for their <c>@id</c>), read from their JSON;
    /// with <paramref name="judge"/>, only the rows (old images, REPLICA IDENTITY FULL) that the caller's row filter admits
    /// and the query's <c>$filter</c> and <c>$search</c> select. A <c>$filter</c> over a navigation path (a join) is not
    /// judged on old rows: those are reported as long as the row filter admits them.
    /// </summary>
    public static SqlStatement RemovedKeys(EntityQuery query, string rowsJson, bool judge, DateTimeOffset now)
    {
        var set = query.Set;
        var sql = new SqlBuilder(set.Source.Dialect);
        var text = sql.Text;
        text.Append("SELECT ");
        AppendColumns(text, sql.Dialect, set.Key.Select(k => k with { Mask = null }).ToList());
        text.Append(" FROM jsonb_populate_recordset(NULL::").Append(SqlDialect.Table(set.Object)).Append(", CAST(")
            .Append(sql.AddParameter(rowsJson, null)).Append(" AS jsonb)) AS ").Append(Alias);
        var conditions = new List<string>();
        if (judge && set.RowFilter is { } policy)
        {
            conditions.Add(new FilterTranslator(sql, set.PolicySet ?? set, Alias, now).Predicate(policy));
        }

        if (judge && NavigationPaths.Of(query, Alias).Count == 0)
        {
            if (query.Filter is { } filter)
            {
                conditions.Add(QueryTranslator(sql, query, now).Predicate(filter));
            }

            if (query.Search is { } search)
            {
                conditions.Add(SearchTranslator.Predicate(sql, set, Alias, search.Expression));
            }
        }

        if (conditions.Count > 0)
        {
            text.Append(" WHERE ").Append(string.Join(" AND ", conditions));
        }

        return sql.Build();
    }

    private static string ChangedKeysPredicate(SqlBuilder sql, PublishedSet set, string keysJson)
    {
        var columns = string.Join(", ", set.Key.Select(k => SqlDialect.Quote(k.ColumnName)));
        var local = string.Join(", ", set.Key.Select(k => Alias + "." + SqlDialect.Quote(k.ColumnName)));
        return $"({local}) IN (SELECT {columns} FROM jsonb_populate_recordset(NULL::{SqlDialect.Table(set.Object)}, CAST({sql.AddParameter(keysJson, null)} AS jsonb)))";
    }
}
