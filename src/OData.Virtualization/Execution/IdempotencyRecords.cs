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

    /// <summary>Creates the table once per source when it is missing (the writing role needs the right to, else a 503 says what to run).</summary>
    public static Task EnsureAsync(DataSource source, DbConnection connection, CancellationToken cancellationToken)
    {
        var ready = s_ready.GetOrAdd(source, s => CreateAsync(s, connection));
        if (ready.IsFaulted || ready.IsCanceled)
        {
            s_ready.TryRemove(new(source, ready));
        }

        return ready.WaitAsync(cancellationToken);
    }

    /// <summary>Claims the key in <paramref name="transaction"/>: null when this request writes, else the first request's answer.</summary>
    public static async Task<WriteAnswer?> ClaimAsync(DataSource source, DbConnection connection, DbTransaction transaction, IdempotencyClaim claim, CancellationToken ct)
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

    /// <summary>Deletes the records older than the window, at most every ten minutes per source; a failure only waits for the next.</summary>
    public static async Task PurgeIfDueAsync(DataSource source, DbConnection connection, IdempotencyClaim claim)
    {
        var last = s_purged.GetOrAdd(source, DateTimeOffset.MinValue);
        if (claim.Now - last < PurgeEvery || !s_purged.TryUpdate(source, claim.Now, last))
        {
            return;
        }

        try
        {
            await ExecuteAsync(source, connection, null, $"DELETE FROM {Table(source)} WHERE created_ms < {source.Dialect.Placeholder(0)}", CancellationToken.None, claim.Cutoff.ToUnixTimeMilliseconds());
        }
        catch (DbException)
        {
            // Expired records are also skipped when read: the next purge deletes them.
        }
    }

    private static async Task CreateAsync(DataSource source, DbConnection connection)
    {
        var name = source.IdempotencyTable;
        var parts = name.Split('.', 2);
        var postgres = source.Provider == SourceProvider.PostgreSql;
        if (postgres)
        {
            await using var exists = Command(source, connection, null, $"SELECT to_regclass({source.Dialect.Placeholder(0)}) IS NOT NULL", Table(source));
            if (await exists.ExecuteScalarAsync() is true)
            {
                return;
            }
        }

        var blob = postgres ? "bytea" : "BLOB";
        var statements = new List<string>();
        if (postgres && parts.Length == 2)
        {
            statements.Add($"CREATE SCHEMA IF NOT EXISTS {SqlDialect.Quote(parts[0])}");
        }

        statements.Add($"CREATE TABLE IF NOT EXISTS {Table(source)} (id {blob} PRIMARY KEY, fingerprint {blob} NOT NULL, created_ms bigint NOT NULL, status integer, headers text, body {blob})");
        try
        {
            foreach (var statement in statements)
            {
                await ExecuteAsync(source, connection, null, statement, CancellationToken.None);
            }
        }
        catch (DbException ex)
        {
            throw new ODataProblem(503, "WritesUnavailable",
                $"Idempotency-Key needs the table {name} in the source '{source.Name}', and the writing role could not create it. Its operator must create it (README, \"Idempotent retries\") or name another with IdempotencyTable.", IdempotencyClaim.Header, inner: ex);
        }
    }

    private static string Table(DataSource source)
    {
        var parts = source.IdempotencyTable.Split('.', 2);
        return parts.Length == 2 && source.Provider == SourceProvider.PostgreSql
            ? SqlDialect.Quote(parts[0]) + "." + SqlDialect.Quote(parts[1])
            : SqlDialect.Quote(source.IdempotencyTable);
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
