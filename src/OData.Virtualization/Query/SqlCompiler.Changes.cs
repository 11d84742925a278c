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
    /// <c>SELECT key, query matches FROM set WHERE row filter AND key IN changed keys</c>: the changed rows the caller may
    /// see, each with its key as text (the store's form) and whether the query's <c>$filter</c> and <c>$search</c>
    /// still select it (a row that no longer does is removed, reason <c>changed</c>).
    /// </summary>
    public static SqlStatement ChangedKeyStates(EntityQuery query, string keysJson, DateTimeOffset now)
    {
        var sql = new SqlBuilder(query.Set.Source.Dialect);
        var text = sql.Text;
        text.Append("SELECT ");
        AppendKeyText(sql, query.Set, Alias);
        text.Append(", ");
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
        AppendWhere(sql, query with { Filter = null, Search = null, ChangedKeys = keysJson }, now, extra: null);
        return sql.Build();
    }

    /// <summary>
    /// <c>SELECT key columns FROM rows</c>: the typed keys of removed rows (for their <c>@id</c>), read from their JSON;
    /// with <paramref name="rowFilter"/>, only the rows (old images, REPLICA IDENTITY FULL) the caller's row filter admits.
    /// </summary>
    public static SqlStatement RemovedKeys(PublishedSet set, string rowsJson, bool rowFilter, DateTimeOffset now)
    {
        var sql = new SqlBuilder(set.Source.Dialect);
        var text = sql.Text;
        text.Append("SELECT ");
        AppendColumns(text, sql.Dialect, set.Key.Select(k => k with { Mask = null }).ToList());
        text.Append(" FROM jsonb_populate_recordset(NULL::").Append(SqlDialect.Table(set.Object)).Append(", CAST(")
            .Append(sql.AddParameter(rowsJson, null)).Append(" AS jsonb)) AS ").Append(Alias);
        if (rowFilter && set.RowFilter is { } policy)
        {
            text.Append(" WHERE ").Append(new FilterTranslator(sql, set.PolicySet ?? set, Alias, now).Predicate(policy));
        }

        return sql.Build();
    }

    private static string ChangedKeysPredicate(SqlBuilder sql, PublishedSet set, string keysJson)
    {
        var columns = string.Join(", ", set.Key.Select(k => SqlDialect.Quote(k.ColumnName)));
        var local = string.Join(", ", set.Key.Select(k => Alias + "." + SqlDialect.Quote(k.ColumnName)));
        return $"({local}) IN (SELECT {columns} FROM jsonb_populate_recordset(NULL::{SqlDialect.Table(set.Object)}, CAST({sql.AddParameter(keysJson, null)} AS jsonb)))";
    }

    /// <summary>The row's key as the change store writes it: a JSON object of key column → the value's text.</summary>
    private static void AppendKeyText(SqlBuilder sql, PublishedSet set, string alias)
    {
        sql.Text.Append("jsonb_build_object(");
        for (var i = 0; i < set.Key.Count; i++)
        {
            var column = set.Key[i];
            sql.Text.Append(i > 0 ? ", " : string.Empty).Append("CAST(").Append(sql.AddParameter(column.ColumnName, null)).Append(" AS text), ")
                .Append(alias).Append('.').Append(SqlDialect.Quote(column.ColumnName)).Append("::text");
        }

        sql.Text.Append(")::text");
    }
}
