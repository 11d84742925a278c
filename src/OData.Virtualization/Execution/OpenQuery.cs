using System.Data.Common;
using OData.Virtualization.Model;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Execution;

/// <summary>
/// One request's hold on a source: a statement slot (and its principal's share of the slots) and one pooled connection,
/// with the statement running on it. It is the single owner of all of them; <see cref="DisposeAsync"/> releases each of
/// them on every path (completion, error, cancellation, a client gone mid-response), the slot and the share last and
/// whatever disposing the others throws.
/// </summary>
internal sealed partial class OpenQuery : IAsyncDisposable
{
    /// <summary>
    /// Parents read whole before their related rows are loaded, at most: a page of up to 2,000 rows (the largest page
    /// Salesforce takes, and the default maximum) and the row that tells whether another page follows.
    /// </summary>
    internal const int MaxBufferedParents = 2_001;

    private const string CursorName = "odv_parents";

    private readonly QueryExecutor _executor;
    private readonly DataSource _source;
    private readonly Slot _slot;
    private readonly DbConnection _connection;
    private ParentReading _reading;
    private IAsyncDisposable? _command;
    private DbDataReader? _reader;
    private DbTransaction? _transaction;
    private SqlStatement? _data;
    private List<BufferedRow>? _buffered;
    private int _consumed;
    private bool _exhausted;
    private bool _peeked;

    /// <summary>A statement failed in the database on this connection (<see cref="DataSource.AfterStatementFailed"/>).</summary>
    private bool _failed;

    private OpenQuery(QueryExecutor executor, DataSource source, Slot slot, DbConnection connection)
    {
        _executor = executor;
        _source = source;
        _slot = slot;
        _connection = connection;
    }

    /// <summary>The statement's reader, positioned before its first row (streaming reads only).</summary>
    public DbDataReader Reader => _reader ?? throw new InvalidOperationException("The statement's reader is closed.");

    /// <summary>The count statement's result, when one was sent.</summary>
    public long? Count { get; private set; }

    /// <summary>
    /// Advances to the next row of a streaming read (<see cref="Reader"/>); the first row of a windowed page was read
    /// already, for its count, and is not skipped.
    /// </summary>
    public ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (_peeked)
        {
            _peeked = false;
            return ValueTask.FromResult(true);
        }

        return new ValueTask<bool>(Reader.ReadAsync(cancellationToken));
    }

    /// <summary>
    /// Takes a slot of <paramref name="set"/>'s source within the set's and <paramref name="principal"/>'s shares, then opens a connection; on
    /// failure releases the slot and the share.
    /// </summary>
    internal static async ValueTask<OpenQuery> ConnectAsync(QueryExecutor executor, PublishedSet set, string principal, CancellationToken cancellationToken)
    {
        var slot = await QueryExecutor.TakeSlotAsync(set, principal, cancellationToken);
        try
        {
            var connection = await set.Source.OpenConnectionAsync(cancellationToken);
            return new OpenQuery(executor, set.Source, slot, connection);
        }
        catch
        {
            slot.Dispose();
            throw;
        }
    }

    /// <remarks>
    /// A failure in the database is noted (<see cref="Failed"/>) by this method's own filter, not through
    /// <see cref="Noting(Task)"/>: every statement of every request waits here, and a wrapper's state machine on top of
    /// this one cost each of them an allocation and a resumption (decision 129).
    /// </remarks>
    internal async Task StartAsync(SqlStatement? count, SqlStatement data, ParentReading reading, CancellationToken cancellationToken, WindowedPage? windowed = null)
    {
        try
        {
            _reading = reading;
            _data = data;
            if (count is not null && windowed is not null && reading == ParentReading.None && _connection.CanCreateBatch
                && await _executor.Counts.UseWindowAsync(_source, _connection, count, data, windowed.Statement, cancellationToken))
            {
                // The count beside every row of the page: one scan. No row, no match (a first page without OFFSET).
                _executor.Sending(_source, windowed.Statement);
                var command = _source.CreateCommand(_connection, windowed.Statement);
                _command = command;
                _reader = await command.ExecuteReaderAsync(cancellationToken);
                _peeked = await _reader.ReadAsync(cancellationToken);
                Count = _peeked ? QueryExecutor.ToCount(_reader.GetValue(windowed.CountOrdinal)) : 0;
                return;
            }

            _executor.Sending(_source, count);
            if (reading == ParentReading.Cursor)
            {
                // A cursor lives in a transaction; the session is read-only, and so is the transaction.
                _transaction = await _connection.BeginTransactionAsync(cancellationToken);
                if (count is not null)
                {
                    Count = await ScalarAsync(count, cancellationToken, counted: true);
                }

                var declare = new SqlStatement($"DECLARE {CursorName} NO SCROLL CURSOR FOR {data.Text}", data.Parameters);
                _executor.Sending(_source, data);
                await using var command = _source.CreateCommand(_connection, declare);
                command.Transaction = _transaction;
                await command.ExecuteNonQueryAsync(cancellationToken);
                return;
            }

            _executor.Sending(_source, data);
            if (count is not null && _connection.CanCreateBatch)
            {
                var batch = _connection.CreateBatch();
                _command = batch;
                batch.Timeout = _source.Options.CommandTimeoutSeconds;
                batch.BatchCommands.Add(SourceCommands.BatchCommand(batch, _source, count));
                batch.BatchCommands.Add(SourceCommands.BatchCommand(batch, _source, data));
                _reader = await batch.ExecuteReaderAsync(cancellationToken);
                await _reader.ReadAsync(cancellationToken);
                Count = QueryExecutor.ToCount(_reader.GetValue(0));
                await _reader.NextResultAsync(cancellationToken);
            }
            else
            {
                if (count is not null)
                {
                    Count = await ScalarAsync(count, cancellationToken, counted: true);
                }

                var command = _source.CreateCommand(_connection, data);
                _command = command;
                _reader = await command.ExecuteReaderAsync(cancellationToken);
            }

            if (reading == ParentReading.None && _source.Provider == SourceProvider.MySql)
            {
                // MySQL evaluates a row's expressions as it sends the row: an error in them (a value out of range) comes
                // with the first row, not with the statement. Read it now, while the error can still be a 400, not a cut
                // response.
                _peeked = await _reader.ReadAsync(cancellationToken);
            }
    
        }
        catch (DbException) when (Failed())
        {
            throw; // not reached: the filter notes and declines
        }
    }

    /// <summary>Runs a statement that answers one number (a count) on this connection.</summary>
    internal Task<long> ScalarAsync(SqlStatement statement, CancellationToken cancellationToken, bool counted = false)
        => Noting(ScalarCoreAsync(statement, cancellationToken, counted));

    private async Task<long> ScalarCoreAsync(SqlStatement statement, CancellationToken cancellationToken, bool counted)
    {
        if (!counted)
        {
            _executor.Sending(_source, statement);
        }

        await using var command = _source.CreateCommand(_connection, statement);
        command.Transaction = _transaction;
        return QueryExecutor.ToCount(await command.ExecuteScalarAsync(cancellationToken));
    }

    /// <summary>Closes the statement's reader (the rest of its rows unread), keeping the connection and the slot.</summary>
    public async Task CloseReaderAsync()
    {
        var reader = _reader;
        var command = _command;
        _reader = null;
        _command = null;
        try
        {
            if (reader is not null)
            {
                // Disposing consumes the rest of a batch, whose later statements may fail only now.
                await Noting(reader.DisposeAsync().AsTask());
            }
        }
        finally
        {
            if (command is not null)
            {
                await command.DisposeAsync();
            }
        }
    }

    /// <summary>Awaits <paramref name="execution"/>, noting a failure in the database before it propagates.</summary>
    private async Task Noting(Task execution)
    {
        try
        {
            await execution;
        }
        catch (DbException) when (Failed())
        {
            throw; // not reached: the filter notes and declines
        }
    }

    private async Task<T> Noting<T>(Task<T> execution)
    {
        try
        {
            return await execution;
        }
        catch (DbException) when (Failed())
        {
            throw; // not reached: the filter notes and declines
        }
    }

    private bool Failed()
    {
        _failed = true;
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            try
            {
                await CloseReaderAsync();
            }
            finally
            {
                if (_failed)
                {
                    _source.AfterStatementFailed(_connection);
                }

                try
                {
                    if (_transaction is not null)
                    {
                        await _transaction.DisposeAsync();
                    }
                }
                finally
                {
                    await _connection.DisposeAsync();
                }
            }
        }
        finally
        {
            _slot.Dispose();
        }
    }
}
