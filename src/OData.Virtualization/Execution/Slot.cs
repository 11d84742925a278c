namespace OData.Virtualization.Execution;

/// <summary>
/// One of a source's statement slots and the shares that go with it (the principal's and the entity set's), all released
/// exactly once however their holder ends: the slot first (another request may be waiting for it), then the shares.
/// </summary>
internal sealed class Slot(SemaphoreSlim semaphore, IDisposable share, IDisposable setShare) : IDisposable
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
                try
                {
                    share.Dispose();
                }
                finally
                {
                    setShare.Dispose();
                }
            }
        }
    }
}
