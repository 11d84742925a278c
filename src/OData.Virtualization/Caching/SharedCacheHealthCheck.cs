using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OData.Virtualization.Caching;

/// <summary>
/// Readiness of the response cache's distributed level: Redis answers <c>PING</c> within a second. Unreachable is
/// Degraded, never Unhealthy: the server still answers every request, from the memory level and the sources. Without
/// Redis configured, Healthy. The report says reachable or unreachable only: no address, no password.
/// </summary>
internal sealed class SharedCacheHealthCheck(DistributedLevel level) : IHealthCheck
{
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(1);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!level.IsConfigured)
        {
            return HealthCheckResult.Healthy("The response cache is in memory only (OData:Cache:Redis is not set).");
        }

        var reachable = await level.PingAsync(s_probeTimeout, cancellationToken);
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["redis"] = reachable ? "reachable" : "unreachable" };
        return reachable
            ? HealthCheckResult.Healthy("The response cache's distributed level (Redis) is reachable.", data)
            : HealthCheckResult.Degraded(
                "The response cache's distributed level (Redis) cannot be reached: requests are answered from the memory level and the sources, and entries are not shared with other instances until it returns.",
                data: data);
    }
}
