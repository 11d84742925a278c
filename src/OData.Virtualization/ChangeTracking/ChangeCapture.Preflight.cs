using Npgsql;
using OData.Virtualization.Diagnostics;

namespace OData.Virtualization.ChangeTracking;

/// <summary>The start-up checks of the source: logical decoding allowed, the publication, each table's REPLICA IDENTITY.</summary>
internal sealed partial class ChangeCapture
{
    /// <summary>Returns every problem found, each with the statement that fixes it; creates the publication when it can.</summary>
    private async Task<List<string>> PreflightAsync(NpgsqlConnection source, IReadOnlyList<TrackedTable> tables, CancellationToken ct)
    {
        var problems = new List<string>();
        var walLevel = (string?)await ScalarAsync(source, "SHOW wal_level", ct);
        if (walLevel != "logical")
        {
            problems.Add($"the source's wal_level is '{walLevel}'; logical decoding needs 'logical'. Run ALTER SYSTEM SET wal_level = logical; and restart PostgreSQL (docs/operations.md).");
        }

        var (role, replication) = await RoleAsync(source, ct);
        if (!replication)
        {
            problems.Add($"the role '{role}' may not open a replication connection. Run ALTER ROLE \"{role}\" REPLICATION; or set OData:ChangeTracking:ReplicationConnectionString to a role that has the REPLICATION attribute.");
        }

        foreach (var table in tables)
        {
            if (await ReplicaIdentityProblemAsync(source, table, ct) is { } problem)
            {
                problems.Add(problem);
            }
        }

        if (problems.Count == 0)
        {
            await EnsurePublicationAsync(source, tables, problems, ct);
        }

        Warn(RowFilterWarnings(tables));
        return problems;
    }

    /// <summary>
    /// A tracked set that some policy filters by rows needs REPLICA IDENTITY FULL: without the old row of an update or a
    /// delete, a filtered caller could be told neither that a row left its filter nor that one of its rows was deleted
    /// without hearing of other callers' rows too, so its reads are answered without a delta link (decision 106).
    /// Capture runs for every other caller; readiness says what to run.
    /// </summary>
    private List<string> RowFilterWarnings(IReadOnlyList<TrackedTable> tables)
    {
        var policies = settings.Value.Security.Policies;
        var warnings = new List<string>();
        foreach (var table in tables.Where(t => !feed.HasFullIdentity(t.Store)))
        {
            var filtering = policies
                .Where(p => p.EntitySets.Any(e => (e.Key == table.Set || e.Key == "*") && !string.IsNullOrWhiteSpace(e.Value.RowFilter)))
                .Select(p => "'" + (p.Name ?? "(unnamed)") + "'")
                .ToList();
            if (filtering.Count > 0)
            {
                warnings.Add($"'{table.Set}' is filtered by rows for the callers of polic{(filtering.Count == 1 ? "y" : "ies")} {string.Join(", ", filtering)}, and {table.Qualified} does not log whole old rows: those callers' reads of '{table.Set}' get no delta link. Run ALTER TABLE {table.Qualified} REPLICA IDENTITY FULL; (each update and delete then logs the row as it was).");
            }
        }

        return warnings;
    }

    private void Warn(List<string> warnings)
    {
        var text = warnings.Count == 0 ? null : string.Join(" ", warnings);
        if (text is not null && text != feed.Warning)
        {
            ChangeLog.StartupWarning(logger, text);
        }

        feed.Warning = text;
    }

    private static async Task<(string Role, bool Replication)> RoleAsync(NpgsqlConnection source, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT rolname, rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user", source);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetString(0), reader.GetBoolean(1));
    }

    /// <summary>
    /// A delete reaches us with the columns of the table's replica identity only: they must include the published key
    /// (the primary key by default; FULL gives every column, and lets row filters judge a deleted row).
    /// </summary>
    private async Task<string?> ReplicaIdentityProblemAsync(NpgsqlConnection source, TrackedTable table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            SELECT c.relreplident::text,
                   ARRAY(SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                         WHERE i.indrelid = c.oid AND ((c.relreplident = 'd' AND i.indisprimary) OR (c.relreplident = 'i' AND i.indisreplident)))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema AND c.relname = @table
            """, source);
        command.Parameters.AddWithValue("schema", table.Schema);
        command.Parameters.AddWithValue("table", table.Table);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return $"the table {table.Qualified} of '{table.Set}' was not found.";
        }

        var identity = reader.GetString(0);
        var columns = reader.GetFieldValue<string[]>(1);
        feed.FullIdentity(table.Store, identity == "f");

        if (identity == "f" || (identity is "d" or "i" && columns.Length > 0 && table.KeyColumns.All(columns.Contains)))
        {
            return null;
        }

        return $"the table {table.Qualified} of '{table.Set}' has REPLICA IDENTITY {Identity(identity)}, which does not include its published key ({string.Join(", ", table.KeyColumns)}): a deleted row would arrive without its key. Run ALTER TABLE {table.Qualified} REPLICA IDENTITY FULL; (or REPLICA IDENTITY USING INDEX on a unique index of the key columns).";
    }

    private static string Identity(string code) => code switch
    {
        "d" => "DEFAULT (the primary key)",
        "n" => "NOTHING",
        "i" => "USING INDEX",
        _ => code,
    };

    private async Task EnsurePublicationAsync(NpgsqlConnection source, IReadOnlyList<TrackedTable> tables, List<string> problems, CancellationToken ct)
    {
        var publication = _options.PublicationName;
        await using var command = new NpgsqlCommand("SELECT schemaname::text || '.' || tablename::text FROM pg_publication_tables WHERE pubname = @name", source);
        command.Parameters.AddWithValue("name", publication);
        var published = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                published.Add(reader.GetString(0));
            }
        }

        await using var lookup = new NpgsqlCommand("SELECT 1 FROM pg_publication WHERE pubname = @name", source);
        lookup.Parameters.AddWithValue("name", publication);
        var exists = published.Count > 0 || await lookup.ExecuteScalarAsync(ct) is not null;
        var missing = tables.Where(t => !published.Contains(t.Schema + "." + t.Table)).Select(t => t.Qualified).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var statement = exists
            ? $"ALTER PUBLICATION {publication} ADD TABLE {string.Join(", ", missing)}"
            : $"CREATE PUBLICATION {publication} FOR TABLE {string.Join(", ", missing)}";
        try
        {
            await using var create = new NpgsqlCommand(statement, source);
            await create.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex)
        {
            problems.Add($"the publication '{publication}' does not cover {string.Join(", ", missing)}, and this role may not change it ({ex.SqlState}). Run {statement}; as the tables' owner.");
        }
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(ct);
    }
}
