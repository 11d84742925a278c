using MySqlConnector;

namespace OData.Virtualization.Sources;

/// <summary>
/// Reads a MySQL or MariaDB database's tables, views, columns, keys, foreign keys and indexes from
/// <c>information_schema</c>: the connection's database when the connection string names one, else every database
/// but the system ones; only objects the account may <c>SELECT</c> (decision 92).
/// </summary>
internal static class MySqlCatalog
{
    // Where the objects live: the connection's database, or every non-system one. {0} is replaced by the column.
    private const string InScope = "({0} = DATABASE() OR (DATABASE() IS NULL AND {0} NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')))";

    // information_schema lists an object the account holds any privilege on; published are only those it may read:
    // SELECT granted globally, on the database, or on the table (to the user or to its current role).
    private static readonly string ObjectsSql = $"""
        SELECT t.TABLE_SCHEMA, t.TABLE_NAME, t.TABLE_TYPE <> 'BASE TABLE' AS is_view
        FROM information_schema.TABLES t
        WHERE {string.Format(System.Globalization.CultureInfo.InvariantCulture, InScope, "t.TABLE_SCHEMA")}
          AND t.TABLE_TYPE IN ('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED')
          AND (EXISTS (SELECT 1 FROM information_schema.USER_PRIVILEGES p WHERE p.PRIVILEGE_TYPE = 'SELECT' AND p.GRANTEE IN (@user, @role))
            OR EXISTS (SELECT 1 FROM information_schema.SCHEMA_PRIVILEGES p WHERE p.PRIVILEGE_TYPE = 'SELECT' AND p.GRANTEE IN (@user, @role)
                       AND t.TABLE_SCHEMA LIKE p.TABLE_SCHEMA)
            OR EXISTS (SELECT 1 FROM information_schema.TABLE_PRIVILEGES p WHERE p.PRIVILEGE_TYPE = 'SELECT' AND p.GRANTEE IN (@user, @role)
                       AND p.TABLE_SCHEMA = t.TABLE_SCHEMA AND p.TABLE_NAME = t.TABLE_NAME))
        ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME
        """;

    private static readonly string ColumnsSql = $"""
        SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE = 'YES' AS nullable
        FROM information_schema.COLUMNS c
        WHERE {string.Format(System.Globalization.CultureInfo.InvariantCulture, InScope, "c.TABLE_SCHEMA")}
        ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION
        """;

    // Primary keys are named PRIMARY; foreign keys name the table they reference (unique keys do neither).
    private static readonly string KeysSql = $"""
        SELECT k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME,
               k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME
        FROM information_schema.KEY_COLUMN_USAGE k
        WHERE {string.Format(System.Globalization.CultureInfo.InvariantCulture, InScope, "k.TABLE_SCHEMA")}
          AND (k.CONSTRAINT_NAME = 'PRIMARY' OR k.REFERENCED_TABLE_NAME IS NOT NULL)
        ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION
        """;

    // B-tree and hash indexes find rows by equality on their leading columns, up to the first expression.
    private static readonly string IndexesSql = $"""
        SELECT s.TABLE_SCHEMA, s.TABLE_NAME, s.INDEX_NAME, s.COLUMN_NAME
        FROM information_schema.STATISTICS s
        WHERE {string.Format(System.Globalization.CultureInfo.InvariantCulture, InScope, "s.TABLE_SCHEMA")}
          AND s.INDEX_TYPE IN ('BTREE', 'HASH')
        ORDER BY s.TABLE_SCHEMA, s.TABLE_NAME, s.INDEX_NAME, s.SEQ_IN_INDEX
        """;

    public static async Task<SourceSchema> DiscoverAsync(string sourceName, MySqlConnection connection, CancellationToken cancellationToken)
    {
        var (user, role) = await GranteesAsync(connection, cancellationToken);
        var objects = new List<(string Schema, string Name, bool IsView)>();
        await using (var command = new MySqlCommand(ObjectsSql, connection))
        {
            command.Parameters.AddWithValue("@user", user);
            command.Parameters.AddWithValue("@role", role);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                objects.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2) != 0));
            }
        }

        var columns = new Dictionary<(string, string), List<DbColumn>>();
        await ReadAsync(connection, ColumnsSql, reader =>
        {
            var list = ListOf(columns, (reader.GetString(0), reader.GetString(1)));
            list.Add(new DbColumn(reader.GetString(2), reader.GetString(3), IsNullable: reader.GetInt64(4) != 0));
        }, cancellationToken);

        var primaryKeys = new Dictionary<(string, string), List<string>>();
        var foreignKeys = new Dictionary<(string, string), List<(string Name, string Column, string Schema, string Table, string Principal)>>();
        await ReadAsync(connection, KeysSql, reader =>
        {
            var table = (reader.GetString(0), reader.GetString(1));
            if (reader.IsDBNull(5))
            {
                ListOf(primaryKeys, table).Add(reader.GetString(3));
                return;
            }

            ListOf(foreignKeys, table).Add((reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6)));
        }, cancellationToken);

        var indexColumns = new Dictionary<(string, string, string), List<string?>>();
        await ReadAsync(connection, IndexesSql, reader =>
        {
            ListOf(indexColumns, (reader.GetString(0), reader.GetString(1), reader.GetString(2))).Add(reader.IsDBNull(3) ? null : reader.GetString(3));
        }, cancellationToken);

        var result = objects
            .Select(o =>
            {
                var key = (o.Schema, o.Name);
                var fks = (foreignKeys.GetValueOrDefault(key) ?? [])
                    .GroupBy(f => f.Name, StringComparer.Ordinal)
                    .Select(g => new DbForeignKey(g.Key, g.Select(f => f.Column).ToList(), g.First().Schema, g.First().Table, g.Select(f => f.Principal).ToList()))
                    .ToList();
                var indexes = indexColumns
                    .Where(i => i.Key.Item1 == o.Schema && i.Key.Item2 == o.Name)
                    .Select(i => (IReadOnlyList<string>)i.Value.TakeWhile(c => c is not null).Select(c => c!).ToList())
                    .Where(i => i.Count > 0)
                    .ToList();
                return new DbObject(o.Schema, o.Name, o.IsView, columns.GetValueOrDefault(key) ?? [], primaryKeys.GetValueOrDefault(key) ?? [], fks)
                {
                    Indexes = indexes,
                };
            })
            .ToList();
        return new SourceSchema(sourceName, SourceProvider.MySql, result);
    }

    /// <summary>The account as information_schema's GRANTEE spells it (<c>'user'@'host'</c>), and its current role.</summary>
    private static async Task<(string User, string Role)> GranteesAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        var mariaDb = connection.ServerVersion.Contains("MariaDB", StringComparison.OrdinalIgnoreCase);
        await using var command = new MySqlCommand(
            mariaDb ? "SELECT CURRENT_USER(), COALESCE(CURRENT_ROLE(), '')" : "SELECT CURRENT_USER(), ''", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var current = reader.GetString(0);
        var at = current.LastIndexOf('@');
        var user = at < 0 ? $"'{current}'" : $"'{current[..at]}'@'{current[(at + 1)..]}'";
        var role = reader.GetString(1);
        return (user, role.Length == 0 ? user : $"'{role}'");
    }

    private static async Task ReadAsync(MySqlConnection connection, string sql, Action<MySqlDataReader> row, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            row(reader);
        }
    }

    private static List<TValue> ListOf<TKey, TValue>(Dictionary<TKey, List<TValue>> map, TKey key)
        where TKey : notnull
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        return list;
    }
}
