using System.Collections.Concurrent;

namespace OData.Virtualization.Http;

/// <summary>
/// A request's time budget: a token cancelled when the client goes away or when the budget runs out, whichever comes
/// first. The sources are reused from request to request (decision 129): a linked source and its timer, made anew, were
/// four allocations and a timer queue entry on every request. One that was cancelled, or whose timer ever fired, is
/// never reused.
/// </summary>
internal sealed class RequestBudget : IDisposable
{
    /// <summary>About as many as requests run at once; more are made and dropped.</summary>
    private const int Kept = 256;

    private static readonly ConcurrentQueue<CancellationTokenSource> s_idle = new();
    private static int s_idleCount;

    private readonly CancellationTokenSource _source;
    private readonly CancellationTokenRegistration _client;

    private RequestBudget(CancellationTokenSource source, CancellationToken client, TimeSpan budget)
    {
        _source = source;
        _client = client.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), source);
        source.CancelAfter(budget);
    }

    /// <summary>Cancelled when the client goes away or the budget runs out.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Whether the budget ran out or the client went away.</summary>
    public bool IsCancellationRequested => _source.IsCancellationRequested;

    /// <summary>A budget of <paramref name="budget"/> for a request whose client's token is <paramref name="client"/>.</summary>
    public static RequestBudget Start(CancellationToken client, TimeSpan budget)
    {
        if (s_idle.TryDequeue(out var source))
        {
            Interlocked.Decrement(ref s_idleCount);
        }

        return new RequestBudget(source ?? new CancellationTokenSource(), client, budget);
    }

    public void Dispose()
    {
        // Unregistered first, and waited for: a client leaving now cannot cancel the source once it is reused.
        _client.Dispose();
        if (_source.TryReset())
        {
            if (Interlocked.Increment(ref s_idleCount) <= Kept)
            {
                s_idle.Enqueue(_source);
                return;
            }

            Interlocked.Decrement(ref s_idleCount);
        }

        _source.Dispose();
    }
}
