using Microsoft.Extensions.Diagnostics.HealthChecks;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Publishing;

/// <summary>
/// Readiness, per source: <c>reachable</c> (answers <c>SELECT 1</c> within two seconds, its circuit closed, a statement
/// slot free), <c>busy</c> (every statement slot taken: requests wait, then get 503 or a stale answer), <c>recovering</c>
/// (it answers again but its circuit breaker has not closed yet; the breaker's own probe closes it within a quarter of a
/// second), <c>unreachable</c>. Every source reachable → Healthy; some not → Degraded (the others are still served); all
/// unreachable → Unhealthy. The report names sources and their state only: no connection strings, no server messages.
/// </summary>
internal sealed class SourcesHealthCheck(ModelHost models) : IHealthCheck
{
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var sources = models.Sources;
        if (sources.Count == 0)
        {
            return HealthCheckResult.Unhealthy("No source is configured.");
        }

        var probes = sources.Select(async source =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(s_probeTimeout);
            try
            {
                await source.ProbeAsync(timeout.Token);
                return (source.Name, State: source.Breaker.IsOpen ? "recovering" : source.Slots.CurrentCount == 0 ? "busy" : "reachable");
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return (source.Name, State: "unreachable");
            }
        });
        var results = await Task.WhenAll(probes);
        var data = results.ToDictionary(r => r.Name, r => (object)r.State, StringComparer.Ordinal);
        var down = results.Count(r => r.State == "unreachable");
        var degraded = results.Count(r => r.State != "reachable");
        return degraded == 0
            ? HealthCheckResult.Healthy("Every source is reachable.", data)
            : down == results.Length
                ? HealthCheckResult.Unhealthy("No source can be reached.", data: data)
                : down > 0
                    ? HealthCheckResult.Degraded($"{down} of {results.Length} sources cannot be reached; the others are served.", data: data)
                    : HealthCheckResult.Degraded($"{degraded} of {results.Length} sources are busy or recovering: their requests wait or fail fast.", data: data);
    }
}
