using System.Data;
using System.Data.Common;
using Microsoft.Extensions.Logging;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;
using OData.Virtualization.Sources;
using OData.Virtualization.Writes;

namespace OData.Virtualization.Execution;

/// <summary>What a write did: the row as the caller now reads it (null after a delete).</summary>
internal sealed record WriteResult(BufferedRow? Row);

/// <summary>How a write answers: <paramref name="Render"/> makes the answer from the result before the commit, so that an
/// <paramref name="Claim"/> (an <c>Idempotency-Key</c>) can be stored with the write; in a <c>$batch</c> change set, the
/// write runs in <paramref name="ChangeSet"/>'s transaction and commits with it.</summary>
internal sealed record WriteReply(IdempotencyClaim? Claim, Func<WriteResult, WriteAnswer> Render, ChangeSetTransaction? ChangeSet = null);

/// <summary>
/// A condition on the row as it is before an update or delete (<c>If-Match</c>): <paramref name="Read"/> reads it (and
/// locks it, where the source can), <paramref name="Holds"/> decides; a row that is there but fails it is a 412.
/// </summary>
internal sealed record Precondition(SqlStatement Read, IReadOnlyList<PublishedColumn> Columns, Func<BufferedRow, bool> Holds);

/// <summary>
/// Runs one write in its own transaction on a writing connection, holding one of the source's statement slots like a
/// read: the statement, then the read-back of the row through the caller's row filter and columns. A row the caller
/// could not read before is not found (404); a row it could not read after — created or moved outside its filter — is
/// rolled back (403). A serialization failure or deadlock is tried again twice, then a 503; the database's refusals are
/// errors that name the constraint, never SQL or other rows' values.
/// </summary>
internal sealed class WriteExecutor(ILogger<WriteExecutor> logger)
{
    private const int Attempts = 3;

    /// <summary>Inserts; <paramref name="readBack"/> compiles the read of the new row from the key the database returned.</summary>
    public Task<WriteAnswer> InsertAsync(PublishedSet set, string principal, WriteReply reply, SqlStatement insert, Func<IReadOnlyList<object>, (SqlStatement Statement, IReadOnlyList<PublishedColumn> Columns)> readBack, CancellationToken cancellationToken)
        => RunAsync(set, principal, reply, async (connection, transaction, ct) =>
        {
            IReadOnlyList<object> key;
            await using (var command = Command(set, connection, transaction, insert))
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                if (!await reader.ReadAsync(ct))
                {
                    throw new InvalidOperationException("INSERT … RETURNING returned no row.");
                }

                var values = new object[reader.FieldCount];
                reader.GetValues(values);
                key = values;
            }

            var (statement, columns) = readBack(key);
            return new WriteResult(await ReadBackAsync(set, connection, transaction, statement, columns, ct) ?? throw OutsideFilter(set));
        }, cancellationToken);

    /// <summary>Updates (or only reads back, when <paramref name="update"/> is null: a PATCH of nothing).</summary>
    public Task<WriteAnswer> UpdateAsync(PublishedSet set, string principal, WriteReply reply, SqlStatement? update, SqlStatement readBack, IReadOnlyList<PublishedColumn> columns, string keyText, Precondition? precondition, CancellationToken cancellationToken)
        => RunAsync(set, principal, reply, async (connection, transaction, ct) =>
        {
            await CheckAsync(set, connection, transaction, precondition, keyText, ct);
            if (update is not null)
            {
                await using var command = Command(set, connection, transaction, update);
                if (await command.ExecuteNonQueryAsync(ct) == 0)
                {
                    throw NotFound(set, keyText);
                }

                return new WriteResult(await ReadBackAsync(set, connection, transaction, readBack, columns, ct) ?? throw OutsideFilter(set));
            }

            return new WriteResult(await ReadBackAsync(set, connection, transaction, readBack, columns, ct) ?? throw NotFound(set, keyText));
        }, cancellationToken);

    public Task<WriteAnswer> DeleteAsync(PublishedSet set, string principal, WriteReply reply, SqlStatement delete, string keyText, Precondition? precondition, CancellationToken cancellationToken)
        => RunAsync(set, principal, reply, async (connection, transaction, ct) =>
        {
            await CheckAsync(set, connection, transaction, precondition, keyText, ct);
            await using var command = Command(set, connection, transaction, delete);
            return await command.ExecuteNonQueryAsync(ct) == 0 ? throw NotFound(set, keyText) : new WriteResult(null);
        }, cancellationToken);

    private async Task<WriteAnswer> RunAsync(PublishedSet set, string principal, WriteReply reply, Func<DbConnection, DbTransaction, CancellationToken, Task<WriteResult>> work, CancellationToken cancellationToken)
    {
        if (reply.ChangeSet is { } changeSet)
        {
            return await InChangeSetAsync(set, principal, reply, changeSet, work, cancellationToken);
        }

        var attempted = false;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var (answer, retry) = await AttemptAsync(set, principal, reply, work, attempt, () => attempted = true, cancellationToken);
                if (!retry)
                {
                    return answer!;
                }
            }
        }
        finally
        {
            if (attempted)
            {
                // Whatever the outcome (a commit whose answer was lost included), cached reads of the source are from
                // before: told here and to the other instances once the slot and the connection are given back.
                await set.Source.NoteWriteAsync();
            }
        }
    }

    /// <summary>One attempt in its own transaction; a serialization failure or deadlock before the last attempt asks for another.</summary>
    private async Task<(WriteAnswer? Answer, bool Retry)> AttemptAsync(PublishedSet set, string principal, WriteReply reply, Func<DbConnection, DbTransaction, CancellationToken, Task<WriteResult>> work, int attempt, Action writing, CancellationToken cancellationToken)
    {
        var claim = reply.Claim;
        using var slot = await QueryExecutor.TakeSlotAsync(set, principal, cancellationToken);
        await using var connection = await set.Source.OpenWriteConnectionAsync(cancellationToken);
        if (claim is not null)
        {
            await IdempotencyRecords.EnsureAsync(set.Source, cancellationToken);
        }

        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        try
        {
            if (claim is not null && await IdempotencyRecords.ClaimAsync(set.Source, connection, transaction, claim, cancellationToken) is { } replay)
            {
                await RollBackAsync(transaction);
                return (replay, false);
            }

            writing();
            var answer = reply.Render(await work(connection, transaction, cancellationToken));
            if (claim is not null)
            {
                await IdempotencyRecords.RecordAsync(set.Source, connection, transaction, claim, answer, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            if (claim is not null)
            {
                IdempotencyRecords.PurgeIfDue(set.Source, claim);
            }

            return (answer, false);
        }
        catch (DbException ex)
        {
            await RollBackAsync(transaction);
            var (refusal, constraint) = WriteRefusals.Classify(ex);
            if (refusal == WriteRefusal.Conflict && attempt < Attempts && !cancellationToken.IsCancellationRequested)
            {
                return (null, true);
            }

            throw Refused(set, refusal, constraint, ex);
        }
        catch
        {
            // A 404, a 403 or a cancelled request: nothing of the write stays.
            await RollBackAsync(transaction);
            throw;
        }
    }

    /// <summary>
    /// One write of a change set, in its transaction: no retry after a conflict (the change set's earlier writes would
    /// need one too) and no commit (the change set commits when its last write succeeded).
    /// </summary>
    private async Task<WriteAnswer> InChangeSetAsync(PublishedSet set, string principal, WriteReply reply, ChangeSetTransaction changeSet, Func<DbConnection, DbTransaction, CancellationToken, Task<WriteResult>> work, CancellationToken cancellationToken)
    {
        var (connection, transaction) = await changeSet.EnterAsync(set, principal, cancellationToken);
        try
        {
            return reply.Render(await work(connection, transaction, cancellationToken));
        }
        catch (DbException ex)
        {
            throw Refused(set, ex);
        }
    }

    /// <summary>Commits <paramref name="changeSet"/>; a refusal of the database at the commit (a deferred constraint, a serialization failure) as an OData error.</summary>
    public async Task CommitAsync(ChangeSetTransaction changeSet, CancellationToken cancellationToken)
    {
        try
        {
            await changeSet.CommitAsync(cancellationToken);
        }
        catch (DbException ex) when (changeSet.First is { } set)
        {
            throw Refused(set, ex);
        }
    }

    private static async Task CheckAsync(PublishedSet set, DbConnection connection, DbTransaction transaction, Precondition? precondition, string keyText, CancellationToken ct)
    {
        if (precondition is null)
        {
            return;
        }

        var row = await ReadBackAsync(set, connection, transaction, precondition.Read, precondition.Columns, ct) ?? throw NotFound(set, keyText);
        if (!precondition.Holds(row))
        {
            throw new ODataProblem(412, "PreconditionFailed", $"The entity {keyText} of '{set.Name}' changed since you read it (its ETag is no longer the one in If-Match): nothing was written. Read it again, then write.");
        }
    }

    private static async Task RollBackAsync(DbTransaction transaction)
    {
        try
        {
            await transaction.RollbackAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            // The connection broke: the database rolls the transaction back itself.
        }
    }

    private static DbCommand Command(PublishedSet set, DbConnection connection, DbTransaction transaction, SqlStatement statement)
    {
        var command = set.Source.CreateCommand(connection, statement);
        command.Transaction = transaction;
        return command;
    }

    private static async Task<BufferedRow?> ReadBackAsync(PublishedSet set, DbConnection connection, DbTransaction transaction, SqlStatement statement, IReadOnlyList<PublishedColumn> columns, CancellationToken ct)
    {
        await using var command = Command(set, connection, transaction, statement);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? RowReader.Read(reader, columns) : null;
    }

    private static ODataProblem NotFound(PublishedSet set, string keyText)
        => new(404, "NotFound", $"'{set.Name}' has no entity with the key {keyText} that you may write.");

    private static ODataProblem OutsideFilter(PublishedSet set)
        => new(403, "OutsideRowFilter", $"The row would not be one of the rows of '{set.Name}' your policy grants you: nothing was written. Keep the properties your row filter depends on as they are.");

    private ODataProblem Refused(PublishedSet set, DbException ex)
    {
        var (refusal, constraint) = WriteRefusals.Classify(ex);
        return Refused(set, refusal, constraint, ex);
    }

    private ODataProblem Refused(PublishedSet set, WriteRefusal refusal, string? constraint, DbException ex)
    {
        var named = constraint is null ? string.Empty : $" ('{constraint}')";
        return refusal switch
        {
            WriteRefusal.Duplicate => new ODataProblem(409, "Conflict", $"Another entity of '{set.Name}' already has the same value where it must be unique{named}: nothing was written."),
            WriteRefusal.Reference => new ODataProblem(409, "Conflict", $"The write breaks a relationship{named}: it refers to an entity that does not exist, or other entities still refer to this one. Nothing was written."),
            WriteRefusal.Invalid => new ODataProblem(400, "BadRequest", $"The database refused a value{named}: it breaks a rule of the table (a check, a required value, or a value its column cannot hold). Nothing was written."),
            WriteRefusal.Conflict => new ODataProblem(503, "Busy", $"The write kept colliding with other writes to '{set.Name}' and was not made. Try it again in a moment."),
            WriteRefusal.NotPermitted => Logged(new ODataProblem(503, "WritesUnavailable", $"The database does not let this server write to '{set.Name}': its operator must grant the writing role the rights, or configure WriteConnectionString."), ex),
            _ => throw new InvalidOperationException($"The write to '{set.Name}' failed unexpectedly.", ex),
        };
    }

    private ODataProblem Logged(ODataProblem problem, Exception ex)
    {
        logger.LogWarning(ex, "A write was refused by the database's permissions: {Message}", problem.Message);
        return problem;
    }
}
