using Npgsql;

namespace OData.Virtualization.Sources;

/// <summary>
/// Reads a PostgreSQL database's tables, views, columns, keys and foreign keys from <c>pg_catalog</c>.
/// </summary>
/// <remarks>
/// EF Core's reverse-engineering factory is used for SQLite, but on PostgreSQL it silently drops
/// columns whose type is an enum in the search path (warning 35011), and a column that vanishes
/// without a word is the worst outcome for an operator: see docs/decisions.md.
/// </remarks>
internal static class PostgresCatalog
{
    private const string ObjectsSql = """
        SELECT c.oid, n.nspname, c.relname, c.relkind IN ('v', 'm') AS is_view
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND NOT c.relispartition
          AND n.nspname <> 'information_schema'
          AND n.nspname NOT LIKE 'pg\_%'
          AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
        ORDER BY n.nspname, c.relname
        """;

    private const string ColumnsSql = """
        SELECT a.attrelid, a.attname,
               CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod)
                    ELSE pg_catalog.format_type(a.atttypid, a.atttypmod) END AS store_type,
               a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS not_null,
               t.typtype = 'e' OR COALESCE(e.typtype = 'e', false) AS is_enum,
               CASE WHEN a.attidentity = 'a' OR a.attgenerated <> '' THEN 2
                    WHEN a.attidentity = 'd' OR a.atthasdef THEN 1 ELSE 0 END AS generation
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
        WHERE a.attrelid = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum
        """;

    private const string ConstraintsSql = """
        SELECT con.conrelid, con.contype, con.conname, rn.nspname, rc.relname,
               ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord) AS cols,
               ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord) AS ref_cols
        FROM pg_catalog.pg_constraint con
        LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
        LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
        WHERE con.conrelid = ANY($1) AND con.contype IN ('p', 'f')
        ORDER BY con.conrelid, con.conname
        """;

    // Each index's key columns up to its first expression (attnum 0), for the tables found; partial indexes serve only
    // some rows, and only B-tree and hash indexes find rows equal to a value.
    private const string IndexesSql = """
        SELECT i.indrelid,
               ARRAY(SELECT a.attname FROM unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY k(num, ord)
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num
                     WHERE k.ord < COALESCE((SELECT min(z.ord) FROM unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY z(num, ord) WHERE z.num = 0), 2147483647)
                     ORDER BY k.ord) AS cols
        FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_catalog.pg_am am ON am.oid = ic.relam
        WHERE i.indrelid = ANY($1) AND i.indisvalid AND i.indpred IS NULL AND am.amname IN ('btree', 'hash')
        """;

    public static async Task<SourceSchema> DiscoverAsync(string sourceName, NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var objects = new List<(uint Oid, string Schema, string Name, bool IsView)>();
        await using (var command = new NpgsqlCommand(ObjectsSql, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                objects.Add((reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)));
            }
        }

        var oids = objects.Select(o => o.Oid).ToArray();
        var columns = new Dictionary<uint, List<DbColumn>>();
        await using (var command = new NpgsqlCommand(ColumnsSql, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = oids, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Oid });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var oid = reader.GetFieldValue<uint>(0);
                if (!columns.TryGetValue(oid, out var list))
                {
                    columns[oid] = list = [];
                }

                list.Add(new DbColumn(reader.GetString(1), reader.GetString(2), IsNullable: !reader.GetBoolean(3), IsEnum: reader.GetBoolean(4))
                {
                    Generation = (ColumnGeneration)reader.GetInt32(5),
                });
            }
        }

        var primaryKeys = new Dictionary<uint, IReadOnlyList<string>>();
        var foreignKeys = new Dictionary<uint, List<DbForeignKey>>();
        await using (var command = new NpgsqlCommand(ConstraintsSql, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = oids, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Oid });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var oid = reader.GetFieldValue<uint>(0);
                var kind = reader.GetChar(1);
                var cols = reader.GetFieldValue<string[]>(5);
                if (kind == 'p')
                {
                    primaryKeys[oid] = cols;
                    continue;
                }

                if (!foreignKeys.TryGetValue(oid, out var list))
                {
                    foreignKeys[oid] = list = [];
                }

                list.Add(new DbForeignKey(reader.GetString(2), cols, reader.GetString(3), reader.GetString(4), reader.GetFieldValue<string[]>(6)));
            }
        }

        var indexes = new Dictionary<uint, List<IReadOnlyList<string>>>();
        await using (var command = new NpgsqlCommand(IndexesSql, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = oids, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Oid });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var oid = reader.GetFieldValue<uint>(0);
                var cols = reader.GetFieldValue<string[]>(1);
                if (cols.Length == 0)
                {
                    continue;
                }

                if (!indexes.TryGetValue(oid, out var list))
                {
                    indexes[oid] = list = [];
                }

                list.Add(cols);
            }
        }

        var result = objects
            .Select(o => new DbObject(
                o.Schema,
                o.Name,
                o.IsView,
                columns.GetValueOrDefault(o.Oid) ?? [],
                primaryKeys.GetValueOrDefault(o.Oid) ?? [],
                foreignKeys.GetValueOrDefault(o.Oid) ?? [])
            {
                Indexes = indexes.GetValueOrDefault(o.Oid) ?? [],
            })
            .ToList();
        return new SourceSchema(sourceName, SourceProvider.PostgreSql, result);
    }
}
