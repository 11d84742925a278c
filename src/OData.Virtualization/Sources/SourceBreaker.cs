using Polly.CircuitBreaker;

namespace OData.Virtualization.Sources;

/// <summary>
/// A source's circuit breaker, seen from outside the pipeline: its state (for readiness and metrics), and the probe that
/// closes it. While the circuit is open, a connection is tried every <see cref="ProbeInterval"/> (outside the statement
/// slots: one short-lived connection at a time, only while the source is down) and the circuit closes as soon as one
/// opens and answers <c>SELECT 1</c>.
/// </summary>
internal sealed class SourceBreaker(Func<CancellationToken, Task> probe, TimeSpan connectTimeout) : IDisposable
{
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(250);

    private readonly CancellationTokenSource _stop = new();
    private int _probing;

    public CircuitBreakerStateProvider State { get; } = new();

    public CircuitBreakerManualControl Control { get; } = new();

    /// <summary>Whether requests are refused now because the source failed (open, or isolated by hand).</summary>
    public bool IsOpen => State.CircuitState is CircuitState.Open or CircuitState.Isolated;

    /// <summary>The circuit opened: probe until the source answers (one probe loop at a time).</summary>
    public void Opened()
    {
        if (Interlocked.Exchange(ref _probing, 1) == 0)
        {
            _ = Task.Run(ProbeUntilBackAsync);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task ProbeUntilBackAsync()
    {
        try
        {
            var stop = _stop.Token;
            while (!stop.IsCancellationRequested && State.CircuitState != CircuitState.Closed)
            {
                await Task.Delay(ProbeInterval, stop);
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop);
                attempt.CancelAfter(connectTimeout);
                try
                {
                    await probe(attempt.Token);
                    await Control.CloseAsync(stop);
                    return;
                }
                catch (Exception) when (!stop.IsCancellationRequested)
                {
                    // Still down: the next probe in a quarter of a second.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The source was disposed.
        }
        catch (ObjectDisposedException)
        {
            // The source was disposed while a probe ran.
        }
        finally
        {
            Interlocked.Exchange(ref _probing, 0);
        }
    }
}
