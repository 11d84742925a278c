using Npgsql;
using NpgsqlTypes;
using OData.Virtualization.Configuration;

namespace OData.Virtualization.ChangeTracking;

/// <summary>One changed row as captured: its set, its key (a JSON object of key column → text), deleted or not.</summary>
/// <param name="OldRow">
/// The row's whole image before an update or a delete (a JSON object of column → text), under REPLICA IDENTITY FULL.
/// </param>
internal sealed record CapturedChange(string Set, string Key, bool Deleted, string? OldRow);

/// <summary>A key changed between two positions of the store, in its latest state.</summary>
/// <param name="OldRows">
/// Every image the row had before a change in the window (a JSON array of objects; FULL tables only, else null): with
/// the row as it is now, every state it was in, so that a row filter can tell whether the caller could have seen it.
/// </param>
/// <param name="Seq">The store position of its latest change (a delta's pages continue after it).</param>
internal sealed record ChangedKey(string Key, bool Deleted, string? OldRows, long Seq);

/// <summary>Where the store stands: the tracking epoch (a new one each time the slot is created) and the last change.</summary>
/// <param name="PurgedThrough">Changes up to this position were removed by retention: a link from before it cannot be answered.</param>
internal sealed record StorePosition(Guid Epoch, long Seq, long PurgedThrough);

/// <summary>
/// The change store: a table in a PostgreSQL database the operator names, that every instance reads and the capturing
/// instance writes (decision 101). Positions are the store's own sequence, in commit order (one writer at a time, held
/// by an advisory lock), so a delta link is "every change after position p".
/// </summary>
internal sealed class ChangeStore : IAsyncDisposable
{
    private readonly NpgsqlDataSource _data;
    private readonly string _changes;
    private readonly string _tracking;
    private readonly string _slot;

    /// <summary>Changes stored since the store's statistics were last gathered, and its row count then (the capture is the one writer).</summary>
    private long _sinceAnalyze;
    private long _analyzedRows;

    public ChangeStore(ChangeTrackingOptions options)
    {
        _data = NpgsqlDataSource.Create(options.StoreConnectionString!);
        var schema = "\"" + options.StoreSchema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        Schema = schema;
        _changes = schema + ".changes";
        _tracking = schema + ".tracking";
        _slot = options.SlotName;
    }

    /// <summary>The quoted schema name.</summary>
    public string Schema { get; }

    /// <summary>The advisory lock that makes one instance the writer.</summary>
    public const long WriterLock = 0x6F64765F63686701;

    /// <summary>Creates the schema and its tables when missing (serialized, so that two instances starting together do not collide).</summary>
    public async Task EnsureAsync(CancellationToken ct)
    {
        await using var connection = await _data.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, $"""
            SELECT pg_advisory_xact_lock({WriterLock - 1});
            CREATE SCHEMA IF NOT EXISTS {Schema};
            CREATE TABLE IF NOT EXISTS {_changes} (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                set_name text NOT NULL,
                key jsonb NOT NULL,
                deleted boolean NOT NULL,
                old_row jsonb,
                lsn pg_lsn NOT NULL,
                committed_at timestamptz NOT NULL);
            CREATE INDEX IF NOT EXISTS changes_set_seq ON {_changes} (set_name, seq);
            CREATE INDEX IF NOT EXISTS changes_set_key ON {_changes} (set_name, key, seq);
            CREATE INDEX IF NOT EXISTS changes_committed ON {_changes} (committed_at);
            CREATE TABLE IF NOT EXISTS {_tracking} (
                slot text PRIMARY KEY,
                epoch uuid NOT NULL,
                confirmed_lsn pg_lsn,
                purged_through bigint NOT NULL DEFAULT 0,
                started_at timestamptz NOT NULL);
            """, ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>A connection of the writer's own, holding <see cref="WriterLock"/>; null when another instance holds it.</summary>
    public async Task<NpgsqlConnection?> TryBecomeWriterAsync(CancellationToken ct)
    {
        var connection = await _data.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({WriterLock})", connection);
        if (await command.ExecuteScalarAsync(ct) is true)
        {
            return connection;
        }

        await connection.DisposeAsync();
        return null;
    }

    /// <summary>The epoch of this deployment's slot, null when tracking never started (or the store was emptied).</summary>
    public async Task<Guid?> EpochAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT epoch FROM {_tracking} WHERE slot = @slot", connection);
        command.Parameters.AddWithValue("slot", _slot);
        return await command.ExecuteScalarAsync(ct) is Guid epoch ? epoch : null;
    }

    /// <summary>
    /// Starts a new epoch (the slot was created): every link issued before is answered 410, because the changes between
    /// the old slot and the new one were never captured.
    /// </summary>
    public async Task<Guid> BeginEpochAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken ct)
    {
        var epoch = Guid.NewGuid();
        await using var command = new NpgsqlCommand($"""
            INSERT INTO {_tracking} (slot, epoch, confirmed_lsn, purged_through, started_at)
            VALUES (@slot, @epoch, NULL, (SELECT coalesce(max(seq), 0) FROM {_changes}), @now)
            ON CONFLICT (slot) DO UPDATE SET epoch = excluded.epoch, confirmed_lsn = NULL,
                purged_through = excluded.purged_through, started_at = excluded.started_at
            """, connection);
        command.Parameters.AddWithValue("slot", _slot);
        command.Parameters.AddWithValue("epoch", epoch);
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(ct);
        return epoch;
    }

    /// <summary>Stores one committed transaction's changes and the LSN they end at, atomically.</summary>
    public async Task AppendAsync(NpgsqlConnection connection, IReadOnlyList<CapturedChange> changes, NpgsqlLogSequenceNumber lsn, DateTimeOffset committedAt, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (changes.Count > 0)
        {
            await using var insert = new NpgsqlCommand($"""
                INSERT INTO {_changes} (set_name, key, deleted, old_row, lsn, committed_at)
                SELECT s, k::jsonb, d, o::jsonb, @lsn, @at FROM unnest(@sets, @keys, @deleted, @old) AS c(s, k, d, o)
                """, connection, transaction);
            insert.Parameters.AddWithValue("sets", changes.Select(c => c.Set).ToArray());
            insert.Parameters.AddWithValue("keys", changes.Select(c => c.Key).ToArray());
            insert.Parameters.AddWithValue("deleted", changes.Select(c => c.Deleted).ToArray());
            insert.Parameters.Add(new NpgsqlParameter("old", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = changes.Select(c => c.OldRow).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("lsn", NpgsqlDbType.PgLsn) { Value = lsn });
            insert.Parameters.AddWithValue("at", committedAt);
            await insert.ExecuteNonQueryAsync(ct);
        }

        await using var confirm = new NpgsqlCommand($"UPDATE {_tracking} SET confirmed_lsn = @lsn WHERE slot = @slot", connection, transaction);
        confirm.Parameters.Add(new NpgsqlParameter("lsn", NpgsqlDbType.PgLsn) { Value = lsn });
        confirm.Parameters.AddWithValue("slot", _slot);
        await confirm.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        _sinceAnalyze += changes.Count;
        if (_sinceAnalyze >= Math.Max(1_000, _analyzedRows / 10))
        {
            await AnalyzeAsync(connection, ct);
        }
    }

    /// <summary>
    /// Gathers the store's statistics once a tenth of it (at least 1,000 changes) is new. Before autovacuum gets to a
    /// store that grew fast, PostgreSQL thinks it holds a row or two and looks a key's old rows up by position, scanning
    /// the whole window for every key of a page: 3.4 s for a page of a 10,000-row transaction, 1 ms once analyzed.
    /// </summary>
    private async Task AnalyzeAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        _sinceAnalyze = 0;
        try
        {
            await ExecuteAsync(connection, $"ANALYZE {_changes}", ct);
            await using var rows = new NpgsqlCommand("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(@table)", connection);
            rows.Parameters.AddWithValue("table", _changes);
            _analyzedRows = await rows.ExecuteScalarAsync(ct) is long count ? Math.Max(count, 0) : 0;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The changes are stored and acknowledged already; statistics are tried again after the next 1,000.
        }
    }

    /// <summary>Removes changes older than <paramref name="cut"/>; links from before them are answered 410 from now on.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset cut, CancellationToken ct)
    {
        await using var connection = await _data.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand($"""
            WITH gone AS (DELETE FROM {_changes} WHERE committed_at < @cut RETURNING seq)
            UPDATE {_tracking} SET purged_through = greatest(purged_through, (SELECT max(seq) FROM gone))
            WHERE slot = @slot AND EXISTS (SELECT 1 FROM gone)
            """, connection);
        command.Parameters.AddWithValue("cut", cut);
        command.Parameters.AddWithValue("slot", _slot);
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The store's position now: what a read that begins now has seen; null before tracking ever started.</summary>
    public async Task<StorePosition?> PositionAsync(CancellationToken ct)
    {
        await using var connection = await _data.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand($"""
            SELECT t.epoch, (SELECT coalesce(max(seq), 0) FROM {_changes}), t.purged_through FROM {_tracking} AS t WHERE t.slot = @slot
            """, connection);
        command.Parameters.AddWithValue("slot", _slot);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            return await reader.ReadAsync(ct) ? new StorePosition(reader.GetGuid(0), reader.GetInt64(1), reader.GetInt64(2)) : null;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null; // the capture has not created the store yet
        }
    }

    /// <summary>
    /// The keys of <paramref name="set"/> changed after <paramref name="from"/> up to <paramref name="to"/>, each once,
    /// in its latest state, in the order of that latest change, after the change at <paramref name="afterSeq"/>; at
    /// most <paramref name="limit"/>. A page walks the <c>seq</c> index from where the last one stopped and looks each
    /// key up in the key index (is there a later change? its old rows), so every page of a large delta costs the same:
    /// grouping the whole window by key for each page took a second a page at 100,000 changes.
    /// </summary>
    public async Task<List<ChangedKey>> ChangesAsync(string set, long from, long to, long? afterSeq, int limit, CancellationToken ct)
    {
        await using var connection = await _data.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand($"""
            SELECT c.key::text, c.deleted, c.seq,
                   (SELECT jsonb_agg(o.old_row ORDER BY o.seq) FROM {_changes} AS o
                    WHERE o.set_name = @set AND o.key = c.key AND o.seq > @from AND o.seq <= @to AND o.old_row IS NOT NULL)::text
            FROM {_changes} AS c
            WHERE c.set_name = @set AND c.seq > @after AND c.seq <= @to
              AND NOT EXISTS (SELECT 1 FROM {_changes} AS l WHERE l.set_name = @set AND l.key = c.key AND l.seq > c.seq AND l.seq <= @to)
            ORDER BY c.seq LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("set", set);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        command.Parameters.AddWithValue("after", afterSeq ?? from);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var keys = new List<ChangedKey>();
        while (await reader.ReadAsync(ct))
        {
            keys.Add(new ChangedKey(reader.GetString(0), reader.GetBoolean(1), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(2)));
        }

        return keys;
    }

    public ValueTask DisposeAsync() => _data.DisposeAsync();

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
