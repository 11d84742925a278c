using System.Data;
using System.Data.Common;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;

namespace OData.Virtualization.Execution;

/// <summary>
/// The one transaction of a <c>$batch</c> change set (multipart change set, JSON atomicity group): every write of the
/// change set runs in it, on one writing connection and under one of the source's statement slots, taken by the first
/// write and held until the change set commits or rolls back. A change set writes to one source: a database cannot
/// commit with another atomically, so a write to a second source is refused (400) and the whole change set with it.
/// Writes in it are not tried again after a serialization failure (the earlier writes of the change set would have to
/// be too): that is a 503 for the change set.
/// </summary>
internal sealed class ChangeSetTransaction : IAsyncDisposable
{
    private readonly List<Action<bool>> _settled = [];
    private PublishedSet? _first;
    private Slot? _slot;
    private DbConnection? _connection;
    private DbTransaction? _transaction;
    private bool _done;

    /// <summary>The set of the change set's first write (its source is the change set's), once there was one.</summary>
    public PublishedSet? First => _first;

    /// <summary>Whether a statement of the change set was sent (the source's cached reads are then from before).</summary>
    public bool Attempted { get; private set; }

    /// <summary>The source's writing connection and the change set's transaction, opened by the first write.</summary>
    internal async Task<(DbConnection Connection, DbTransaction Transaction)> EnterAsync(PublishedSet set, string principal, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (_first is null)
        {
            _slot = await QueryExecutor.TakeSlotAsync(set, principal, cancellationToken);
            _connection = await set.Source.OpenWriteConnectionAsync(cancellationToken);
            _transaction = await _connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            _first = set;
        }
        else if (!ReferenceEquals(_first.Source, set.Source))
        {
            throw new ODataProblem(400, "ChangeSetAcrossSources", $"A change set is one transaction in one database: '{set.Name}' is in source '{set.Source.Name}', and this change set already wrote to '{_first.Name}' in '{_first.Source.Name}'. Send the writes to each source in a change set of its own.");
        }

        Attempted = true;
        return (_connection!, _transaction!);
    }

    /// <summary>Runs <paramref name="settled"/> once the change set is committed (true) or rolled back (false): a write's audit line waits for it.</summary>
    public void OnSettled(Action<bool> settled) => _settled.Add(settled);

    /// <summary>Commits every write of the change set; a refusal of the database at the commit (a deferred constraint) is thrown as it is.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_transaction is not null)
        {
            await _transaction.CommitAsync(cancellationToken);
        }

        Settle(true);
    }

    /// <summary>Gives back the slot and the connection; whatever was not committed is rolled back.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_done)
        {
            return;
        }

        Settle(false);
        _done = true;
        try
        {
            if (_transaction is not null)
            {
                try
                {
                    await _transaction.DisposeAsync(); // rolls back what was not committed
                }
                catch (Exception ex) when (ex is DbException or InvalidOperationException)
                {
                    // The connection broke: the database rolls the transaction back itself.
                }
            }

            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }
        }
        finally
        {
            _slot?.Dispose();
            if (Attempted)
            {
                await _first!.Source.NoteWriteAsync();
            }
        }
    }

    private void Settle(bool committed)
    {
        foreach (var settled in _settled)
        {
            settled(committed);
        }

        _settled.Clear();
    }
}
