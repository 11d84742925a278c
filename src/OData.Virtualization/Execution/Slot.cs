namespace OData.Virtualization.Execution;

/// <summary>One of a source's statement slots, released exactly once however its holder ends.</summary>
internal sealed class Slot(SemaphoreSlim semaphore) : IDisposable
{
    private int _released;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            semaphore.Release();
        }
    }
}
