using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;

namespace OData.Virtualization.Publishing;

/// <summary>
/// Runs refreshes in the background: every <c>OData:Refresh:IntervalSeconds</c>; every
/// <c>UnavailableRetrySeconds</c> while a source has never been reached; and after a request (a PostgreSQL
/// notification, a reloaded configuration), once things have been quiet for <c>DebounceMilliseconds</c> — a migration
/// of thirty statements gives one refresh, not thirty. All waiting is on the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed class SchemaRefresher(ModelHost models, IOptionsMonitor<VirtualizationOptions> options, TimeProvider time, ILogger<SchemaRefresher> logger) : BackgroundService
{
    private const int MaxReasons = 8;

    private readonly object _lock = new();
    private readonly List<string> _reasons = [];
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset _firstRequest;
    private DateTimeOffset _lastRequest;
    private DateTimeOffset _lastMismatch = DateTimeOffset.MinValue;

    /// <summary>
    /// A request failed because the source lacks a column or table the model publishes: refresh, but at most once a
    /// minute — under load every request on the set fails the same way, and while the model lock holds the change
    /// back, refreshing cannot help.
    /// </summary>
    public void RequestAfterSchemaMismatch()
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (now - _lastMismatch < TimeSpan.FromMinutes(1))
            {
                return;
            }

            _lastMismatch = now;
        }

        Request("a query found a table or column missing in its source");
    }

    /// <summary>Asks for a refresh soon (debounced). Never blocks.</summary>
    public void Request(string reason)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_reasons.Count == 0)
            {
                _firstRequest = now;
            }

            _lastRequest = now;
            if (_reasons.Count < MaxReasons && !_reasons.Contains(reason, StringComparer.Ordinal))
            {
                _reasons.Add(reason);
            }

            _signal.TrySetResult();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = options.OnChange(_ => Request("the configuration was reloaded"));
        var lastRun = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            var settings = options.CurrentValue.Refresh;
            var due = NextDue(settings, lastRun);
            Task signal;
            lock (_lock)
            {
                signal = _signal.Task;
            }

            string trigger;
            try
            {
                if (await WaitAsync(signal, due, stoppingToken))
                {
                    await DebounceAsync(settings, stoppingToken);
                    trigger = TakeReasons();
                }
                else
                {
                    trigger = models.Snapshot.Unavailable.Count > 0 ? "retrying unreachable sources" : "schedule";
                }

                await models.RefreshAsync(trigger, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A refresh failing in an unexpected way must not end the schedule.
                RefreshLog.RefreshCrashed(logger, ex);
            }

            lastRun = time.GetUtcNow();
        }
    }

    private DateTimeOffset? NextDue(RefreshOptions settings, DateTimeOffset lastRun)
    {
        TimeSpan? wait = settings.IntervalSeconds > 0 ? TimeSpan.FromSeconds(settings.IntervalSeconds) : null;
        if (models.Snapshot.Unavailable.Count > 0 && settings.UnavailableRetrySeconds > 0)
        {
            var retry = TimeSpan.FromSeconds(settings.UnavailableRetrySeconds);
            wait = wait is { } w && w < retry ? w : retry;
        }

        return wait is { } delay ? lastRun + delay : null;
    }

    /// <summary>Waits for a request (true) or until <paramref name="due"/> (false).</summary>
    private async Task<bool> WaitAsync(Task signal, DateTimeOffset? due, CancellationToken stoppingToken)
    {
        if (signal.IsCompleted)
        {
            return true;
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var remaining = due is { } at ? at - time.GetUtcNow() : Timeout.InfiniteTimeSpan;
        if (remaining != Timeout.InfiniteTimeSpan && remaining <= TimeSpan.Zero)
        {
            return false;
        }

        // The delay ends at the due time, or (cancelled) when the host stops or the signal came first.
        var timer = Task.Delay(remaining, time, cancel.Token);
        var first = await Task.WhenAny(signal, timer);
        await cancel.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
        return first == signal;
    }

    /// <summary>Waits until no request came for the debounce time, or ten times that since the first.</summary>
    private async Task DebounceAsync(RefreshOptions settings, CancellationToken stoppingToken)
    {
        var quiet = TimeSpan.FromMilliseconds(Math.Max(0, settings.DebounceMilliseconds));
        while (quiet > TimeSpan.Zero)
        {
            DateTimeOffset until;
            lock (_lock)
            {
                until = _lastRequest + quiet;
                var latest = _firstRequest + (quiet * 10);
                if (latest < until)
                {
                    until = latest;
                }
            }

            var wait = until - time.GetUtcNow();
            if (wait <= TimeSpan.Zero)
            {
                return;
            }

            await Task.Delay(wait, time, stoppingToken);
        }
    }

    private string TakeReasons()
    {
        lock (_lock)
        {
            var trigger = _reasons.Count == 0 ? "request" : string.Join("; ", _reasons);
            _reasons.Clear();
            _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return trigger;
        }
    }
}
