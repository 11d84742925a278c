using Npgsql;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace OData.Virtualization.Sources;

/// <summary>
/// What happens when a source is hard to reach: a failed connection or a transient database error is retried
/// twice with exponential backoff and jitter (well inside a client's patience), and a circuit breaker per source
/// stops hammering a source that is down — requests then fail fast (503, or a stale cache entry) until a probe
/// finds it back: <see cref="SourceBreaker"/> tries to connect every quarter of a second while the circuit is open and
/// closes it as soon as the source answers, so that requests recover within a second of the source's return, not after
/// the break.
/// </summary>
internal static class SourceResilience
{
    /// <summary>
    /// What the pipeline retries and counts against the source: a failed connection, or a transient database error
    /// (not a statement that ran past its timeout).
    /// </summary>
    public static bool IsTransient(Exception ex)
        => ex is SourceUnavailableException
           || ex is NpgsqlException npgsql && npgsql.IsTransient && npgsql.InnerException is not TimeoutException
           || ex is MySqlConnector.MySqlException { IsTransient: true } mysql && mysql.ErrorCode != MySqlConnector.MySqlErrorCode.CommandTimeoutExpired;

    public static ResiliencePipeline Create(string sourceName, SourceBreaker breaker)
    {
        // A statement that ran past the command timeout is the query's doing, not the source's: retrying it only
        // repeats the cost, and counting it as a failure would let one client's slow queries open the circuit for
        // every client. (Timeouts while connecting arrive as SourceUnavailableException.)
        var transient = new PredicateBuilder().Handle<Exception>(IsTransient);
        return new ResiliencePipelineBuilder { Name = "source:" + sourceName }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = transient,
                MaxRetryAttempts = 2,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(1),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = transient,
                FailureRatio = 0.5,
                MinimumThroughput = 4,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(10),
                StateProvider = breaker.State,
                ManualControl = breaker.Control,
                OnOpened = _ =>
                {
                    breaker.Opened();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }
}
