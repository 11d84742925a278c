namespace OData.Virtualization.Execution;

/// <summary>
/// One of a source's statement slots and the principal's share that goes with it, both released exactly once however
/// their holder ends: the slot first (another principal may be waiting for it), then the share.
/// </summary>
internal sealed class Slot(SemaphoreSlim semaphore, IDisposable share) : IDisposable
{
    private int _released;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            try
            {
                semaphore.Release();
            }
            finally
            {
                share.Dispose();
            }
        }
    }
}
