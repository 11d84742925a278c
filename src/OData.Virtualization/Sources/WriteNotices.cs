namespace OData.Virtualization.Sources;

/// <summary>
/// Who must hear of a write to a source besides this server's own caches: the other instances (through Redis, see
/// <c>Caching/WriteSignals</c>). One per server; the sources it makes carry it.
/// </summary>
internal sealed class WriteNotices
{
    private volatile Func<DataSource, Task>? _listener;

    /// <summary>Sets the one listener (a second replaces the first).</summary>
    public void Listen(Func<DataSource, Task> listener) => _listener = listener;

    /// <summary>Tells the listener that <paramref name="source"/> was written to; never throws.</summary>
    public async Task NotifyAsync(DataSource source)
    {
        if (_listener is { } listener)
        {
            try
            {
                await listener(source);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The listener reports its own failures; the write is made either way.
            }
        }
    }
}
