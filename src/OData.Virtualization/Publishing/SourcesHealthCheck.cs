using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OData.Virtualization.Publishing;

/// <summary>
/// Readiness: every configured source answers <c>SELECT 1</c> within two seconds. Some unreachable → Degraded (the
/// others are still served); all unreachable → Unhealthy. The report names sources and their state only: no
/// connection strings, no server messages.
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
                await using var connection = await source.OpenConnectionAsync(timeout.Token);
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT 1";
                await command.ExecuteScalarAsync(timeout.Token);
                return (source.Name, Reachable: true);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return (source.Name, Reachable: false);
            }
        });
        var results = await Task.WhenAll(probes);
        var data = results.ToDictionary(r => r.Name, r => (object)(r.Reachable ? "reachable" : "unreachable"), StringComparer.Ordinal);
        var down = results.Count(r => !r.Reachable);
        return down == 0
            ? HealthCheckResult.Healthy("Every source is reachable.", data)
            : down < results.Length
                ? HealthCheckResult.Degraded($"{down} of {results.Length} sources cannot be reached; the others are served.", data: data)
                : HealthCheckResult.Unhealthy("No source can be reached.", data: data);
    }
}
