using OData.Virtualization.Model;
using OData.Virtualization.Query;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Writes;

/// <summary>
/// The SQL of a write: one parameterized <c>INSERT</c>, <c>UPDATE</c> or <c>DELETE</c> of one row of the set's table.
/// An update or delete finds its row by key <b>and the caller's row filter</b>, so a row the caller cannot read is a row
/// it cannot change; whether the written row is still the caller's is the read-back's question
/// (<see cref="Execution.WriteExecutor"/>), in the same transaction.
/// </summary>
internal static class WriteStatements
{
    private const string Alias = "t0";

    /// <summary><c>INSERT … RETURNING</c> the key columns (the database may have given them).</summary>
    public static SqlStatement Insert(PublishedSet set, IReadOnlyList<(PublishedColumn Column, object? Value)> values)
    {
        var sql = new SqlBuilder(set.Source.Dialect);
        var text = sql.Text.Append("INSERT INTO ").Append(SqlDialect.Table(set.Object));
        if (values.Count == 0)
        {
            text.Append(" DEFAULT VALUES");
        }
        else
        {
            text.Append(" (").AppendJoin(", ", values.Select(v => SqlDialect.Quote(v.Column.ColumnName))).Append(") VALUES (");
            for (var i = 0; i < values.Count; i++)
            {
                text.Append(i > 0 ? ", " : string.Empty).Append(Value(sql, set, values[i].Column, values[i].Value));
            }

            text.Append(')');
        }

        text.Append(" RETURNING ").AppendJoin(", ", set.Key.Select(k => SqlDialect.Quote(k.ColumnName)));
        return sql.Build();
    }

    /// <summary>
    /// <c>UPDATE</c> of the row with <paramref name="key"/> that the caller's row filter lets it see. A <paramref name="replace"/>
    /// (PUT) also sets every column the body left out: NULL, or the column's default where the database has one.
    /// Null when there is nothing to set (a PATCH of no property): the row is only read back.
    /// </summary>
    public static SqlStatement? Update(PublishedSet set, IReadOnlyList<(PublishedColumn Column, object Key)> key, IReadOnlyList<(PublishedColumn Column, object? Value)> values, bool replace, DateTimeOffset now)
    {
        var sql = new SqlBuilder(set.Source.Dialect);
        var assignments = new List<string>();
        foreach (var (column, value) in values)
        {
            assignments.Add(SqlDialect.Quote(column.ColumnName) + " = " + Value(sql, set, column, value));
        }

        if (replace)
        {
            foreach (var column in set.Columns)
            {
                if (set.Key.Contains(column) || column.Generation == ColumnGeneration.Always || column.Mask is not null || values.Any(v => ReferenceEquals(v.Column, column)))
                {
                    continue;
                }

                if (column.Generation == ColumnGeneration.Defaulted)
                {
                    // SQLite has no DEFAULT in UPDATE: there the catalog's default expression is spelled out (the
                    // rowid alias is the key, never here); a default the catalog did not give keeps the value.
                    if (set.Source.Provider == SourceProvider.PostgreSql)
                    {
                        assignments.Add(SqlDialect.Quote(column.ColumnName) + " = DEFAULT");
                    }
                    else if (set.Object.Columns.FirstOrDefault(c => c.Name == column.ColumnName)?.DefaultSql is { Length: > 0 } defaultSql)
                    {
                        assignments.Add(SqlDialect.Quote(column.ColumnName) + " = (" + defaultSql + ")");
                    }
                }
                else
                {
                    assignments.Add(SqlDialect.Quote(column.ColumnName) + " = NULL");
                }
            }
        }

        if (assignments.Count == 0)
        {
            return null;
        }

        sql.Text.Append("UPDATE ").Append(SqlDialect.Table(set.Object)).Append(" AS ").Append(Alias)
            .Append(" SET ").AppendJoin(", ", assignments);
        AppendWhere(sql, set, key, now);
        return sql.Build();
    }

    /// <summary><c>DELETE</c> of the row with <paramref name="key"/> that the caller's row filter lets it see.</summary>
    public static SqlStatement Delete(PublishedSet set, IReadOnlyList<(PublishedColumn Column, object Key)> key, DateTimeOffset now)
    {
        var sql = new SqlBuilder(set.Source.Dialect);
        sql.Text.Append("DELETE FROM ").Append(SqlDialect.Table(set.Object)).Append(" AS ").Append(Alias);
        AppendWhere(sql, set, key, now);
        return sql.Build();
    }

    private static void AppendWhere(SqlBuilder sql, PublishedSet set, IReadOnlyList<(PublishedColumn Column, object Key)> key, DateTimeOffset now)
    {
        var conditions = new List<string>();
        foreach (var (column, value) in key)
        {
            conditions.Add($"{sql.Dialect.CompareColumn(Alias + "." + SqlDialect.Quote(column.ColumnName), column.Type)} = {sql.AddParameter(value, column.Type)}");
        }

        // The caller's row filter: a row it cannot read is not found, whatever its key.
        if (set.RowFilter is { } policy)
        {
            conditions.Add("(" + new FilterTranslator(sql, set.PolicySet ?? set, Alias, now).Predicate(policy) + ")");
        }

        sql.Text.Append(" WHERE ").AppendJoin(" AND ", conditions);
    }

    /// <summary>A value as the column takes it: a parameter, cast to the column's enum type on PostgreSQL.</summary>
    private static string Value(SqlBuilder sql, PublishedSet set, PublishedColumn column, object? value)
    {
        var parameter = sql.AddParameter(value, column.Type);
        if (set.Source.Provider == SourceProvider.PostgreSql
            && set.Object.Columns.FirstOrDefault(c => c.Name == column.ColumnName) is { IsEnum: true } enumColumn)
        {
            return $"CAST(CAST({parameter} AS text) AS {enumColumn.StoreType})";
        }

        return parameter;
    }
}
