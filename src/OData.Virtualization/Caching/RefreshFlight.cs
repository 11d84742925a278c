namespace OData.Virtualization.Caching;

/// <summary>
/// One refresh of a cache entry, shared by every identical request that arrives while it runs (single flight). It runs on
/// its own token, not any one caller's: a caller hanging up must not fail the others. But when every caller has gone, and
/// none was answered from a stale entry meanwhile, nobody needs the answer: the refresh is cancelled, its SQL too, and a
/// refresh still waiting for a statement slot never starts its SQL.
/// </summary>
internal sealed class RefreshFlight
{
    // No timer and no linked tokens: nothing to dispose.
    private readonly CancellationTokenSource _cancel = new();
    private readonly Lazy<Task<(CachedResponse Response, bool Refreshed)>> _run;
    private int _waiters;
    private bool _kept;

    public RefreshFlight(Func<RefreshFlight, CancellationToken, Task<(CachedResponse Response, bool Refreshed)>> refresh)
        => _run = new Lazy<Task<(CachedResponse, bool)>>(() => refresh(this, _cancel.Token));

    /// <summary>The refresh; started by its first reader.</summary>
    public Task<(CachedResponse Response, bool Refreshed)> Task => _run.Value;

    /// <summary>Joins as a waiter; false when the flight was cancelled (every waiter had gone): start another.</summary>
    public bool TryJoin()
    {
        lock (_cancel)
        {
            if (_cancel.IsCancellationRequested)
            {
                return false;
            }

            _waiters++;
            return true;
        }
    }

    /// <summary>A waiter leaves; <paramref name="gone"/> when its client went away without an answer.</summary>
    public void Leave(bool gone)
    {
        lock (_cancel)
        {
            _waiters--;
            if (gone && _waiters == 0 && !_kept && !_run.Value.IsCompleted)
            {
                _cancel.Cancel();
            }
        }
    }

    /// <summary>A waiter was answered from a stale entry: the refresh runs to its end for the cache, waited for or not.</summary>
    public void Keep()
    {
        lock (_cancel)
        {
            _kept = true;
        }
    }
}
