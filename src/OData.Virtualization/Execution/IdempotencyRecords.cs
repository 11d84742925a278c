using System.Collections.Concurrent;
using System.Data.Common;
using OData.Virtualization.Errors;
using OData.Virtualization.Query;
using OData.Virtualization.Sources;
using OData.Virtualization.Writes;

namespace OData.Virtualization.Execution;

/// <summary>
/// The record of each <c>Idempotency-Key</c>, kept in a table of the source itself and written in the write's own
/// transaction: the key is claimed before the write (a second request with the key waits on the first's unique-key
/// lock, then finds its record), and the answer is stored before the commit. A crash before the commit loses both the
/// write and the record; after it, both are there: a key never writes twice, and every instance sees every record.
/// </summary>
internal static class IdempotencyRecords
{
    /// <summary>How often a source's expired records are deleted (after a write that used a key).</summary>
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromMinutes(10);

    private static readonly ConcurrentDictionary<DataSource, Task> s_ready = new();
    private static readonly ConcurrentDictionary<DataSource, DateTimeOffset> s_purged = new();

    /// <summary>
    /// Creates the table once per source when it is missing, on a connection of its own (the writing role needs the
    /// right to, else a 503 says what to run). A failed attempt is not remembered: the next keyed write tries again.
    /// </summary>
    public static async Task EnsureAsync(DataSource source, CancellationToken cancellationToken)
    {
        var ready = s_ready.GetOrAdd(source, CreateAsync);
        if (ready.IsFaulted || ready.IsCanceled)
        {
            s_ready.TryRemove(new(source, ready));
            ready = s_ready.GetOrAdd(source, CreateAsync);
        }

        try
        {
            await ready.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not ODataProblem && ex is not OperationCanceledException)
        {
            s_ready.TryRemove(new(source, ready));
            throw Unavailable(source, ex);
        }
    }

    /// <summary>
    /// Claims the key in <paramref name="transaction"/>: null when this request writes, else the first request's answer.
    /// A table dropped since it was made is a 503 for this write (nothing written) and made again for the next.
    /// </summary>
    public static async Task<WriteAnswer?> ClaimAsync(DataSource source, DbConnection connection, DbTransaction transaction, IdempotencyClaim claim, CancellationToken ct)
    {
        try
        {
            return await ClaimOrReplayAsync(source, connection, transaction, claim, ct);
        }
        catch (DbException ex) when (WriteRefusals.IsMissingTable(ex))
        {
            s_ready.TryRemove(source, out _);
            throw Unavailable(source, ex);
        }
    }

    private static async Task<WriteAnswer?> ClaimOrReplayAsync(DataSource source, DbConnection connection, DbTransaction transaction, IdempotencyClaim claim, CancellationToken ct)
    {
        var table = Table(source);
        var dialect = source.Dialect;
        await ExecuteAsync(source, connection, transaction, $"DELETE FROM {table} WHERE id = {dialect.Placeholder(0)} AND created_ms < {dialect.Placeholder(1)}", ct, claim.Id, claim.Cutoff.ToUnixTimeMilliseconds());
        var claimed = await ExecuteAsync(source, connection, transaction,
            $"INSERT INTO {table} (id, fingerprint, created_ms) VALUES ({dialect.Placeholder(0)}, {dialect.Placeholder(1)}, {dialect.Placeholder(2)}) ON CONFLICT (id) DO NOTHING",
            ct, claim.Id, claim.Fingerprint, claim.Now.ToUnixTimeMilliseconds());
        if (claimed == 1)
        {
            return null;
        }

        await using var command = Command(source, connection, transaction, $"SELECT fingerprint, status, headers, body FROM {table} WHERE id = {dialect.Placeholder(0)}", claim.Id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct) || reader.IsDBNull(1))
        {
            throw new ODataProblem(409, "Conflict", "A write with this Idempotency-Key is still being made: send it again in a moment.", IdempotencyClaim.Header);
        }

        if (!((byte[])reader.GetValue(0)).AsSpan().SequenceEqual(claim.Fingerprint))
        {
            throw new ODataProblem(422, "IdempotencyKeyReused", "This Idempotency-Key was already used for a different request (another resource, method or body): nothing was written. Use a new key for a new write.", IdempotencyClaim.Header);
        }

        return WriteAnswer.Decode(reader.GetInt32(1), reader.IsDBNull(2) ? string.Empty : reader.GetString(2), reader.IsDBNull(3) ? [] : (byte[])reader.GetValue(3)) with { Replayed = true };
    }

    /// <summary>Keeps <paramref name="answer"/> with the claim, in the write's transaction.</summary>
    public static Task RecordAsync(DataSource source, DbConnection connection, DbTransaction transaction, IdempotencyClaim claim, WriteAnswer answer, CancellationToken ct)
    {
        var dialect = source.Dialect;
        return ExecuteAsync(source, connection, transaction,
            $"UPDATE {Table(source)} SET status = {dialect.Placeholder(1)}, headers = {dialect.Placeholder(2)}, body = {dialect.Placeholder(3)} WHERE id = {dialect.Placeholder(0)}",
            ct, claim.Id, answer.Status, answer.EncodeHeaders(), answer.Body);
    }

    /// <summary>
    /// Deletes the records older than the window, at most every ten minutes per source, in the background on a
    /// connection of its own (never in a client's request); a failure only waits for the next.
    /// </summary>
    public static void PurgeIfDue(DataSource source, IdempotencyClaim claim)
    {
        var last = s_purged.GetOrAdd(source, DateTimeOffset.MinValue);
        if (claim.Now - last < PurgeEvery || !s_purged.TryUpdate(source, claim.Now, last))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await using var connection = await source.OpenWriteConnectionAsync(CancellationToken.None);
                await ExecuteAsync(source, connection, null, $"DELETE FROM {Table(source)} WHERE created_ms < {source.Dialect.Placeholder(0)}", CancellationToken.None, claim.Cutoff.ToUnixTimeMilliseconds());
            }
            catch (Exception ex) when (ex is DbException or SourceUnavailableException or InvalidOperationException)
            {
                // Expired records are also skipped when read: the next purge deletes them.
            }
        });
    }

    private static async Task CreateAsync(DataSource source)
    {
        await using var connection = await source.OpenWriteConnectionAsync(CancellationToken.None);
        if (await ExistsAsync(source, connection))
        {
            return;
        }

        var postgres = source.Provider == SourceProvider.PostgreSql;
        var blob = postgres ? "bytea" : "BLOB";
        try
        {
            var schema = Parts(source).Schema;
            if (postgres && schema is not null)
            {
                // Only when it is missing: CREATE SCHEMA IF NOT EXISTS wants the right to create schemas even then.
                await using var has = Command(source, connection, null, $"SELECT count(*) FROM pg_namespace WHERE nspname = {source.Dialect.Placeholder(0)}", schema);
                if (await has.ExecuteScalarAsync() is 0L)
                {
                    await ExecuteAsync(source, connection, null, $"CREATE SCHEMA IF NOT EXISTS {SqlDialect.Quote(schema)}", CancellationToken.None);
                }
            }

            await ExecuteAsync(source, connection, null, $"CREATE TABLE IF NOT EXISTS {Table(source)} (id {blob} PRIMARY KEY, fingerprint {blob} NOT NULL, created_ms bigint NOT NULL, status integer, headers text, body {blob})", CancellationToken.None);
        }
        catch (DbException)
        {
            if (!await ExistsAsync(source, connection))
            {
                throw; // the writing role may not create it: EnsureAsync says what to do
            }

            // Another instance (or request) created it at the same moment.
        }
    }

    private static async Task<bool> ExistsAsync(DataSource source, DbConnection connection)
    {
        var sql = source.Provider == SourceProvider.PostgreSql
            ? $"SELECT to_regclass({source.Dialect.Placeholder(0)}) IS NOT NULL"
            : $"SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = {source.Dialect.Placeholder(0)} COLLATE NOCASE";
        await using var exists = Command(source, connection, null, sql, source.Provider == SourceProvider.PostgreSql ? Table(source) : Parts(source).Name);
        return await exists.ExecuteScalarAsync() is true or 1L;
    }

    private static ODataProblem Unavailable(DataSource source, Exception inner)
        => new(503, "WritesUnavailable",
            $"Idempotency-Key needs the table {source.IdempotencyTable} in the source '{source.Name}', and it could not be found or created. Its operator must create it (README, \"Idempotent retries\") or name another with IdempotencyTable.", IdempotencyClaim.Header, inner: inner);

    /// <summary>The table's schema (PostgreSQL: the name's first part, else <c>public</c>) and name (SQLite: the whole setting).</summary>
    private static (string? Schema, string Name) Parts(DataSource source) => DataSource.IdempotencyParts(source.Provider, source.IdempotencyTable);

    private static string Table(DataSource source)
    {
        var (schema, name) = Parts(source);
        return schema is null ? SqlDialect.Quote(name) : SqlDialect.Quote(schema) + "." + SqlDialect.Quote(name);
    }

    private static async Task<int> ExecuteAsync(DataSource source, DbConnection connection, DbTransaction? transaction, string sql, CancellationToken ct, params object[] values)
    {
        await using var command = Command(source, connection, transaction, sql, values);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static DbCommand Command(DataSource source, DbConnection connection, DbTransaction? transaction, string sql, params object[] values)
    {
        var command = source.CreateCommand(connection, new SqlStatement(sql, values.Select(v => new SqlParameterValue(v, null)).ToList()));
        command.Transaction = transaction;
        return command;
    }
}
