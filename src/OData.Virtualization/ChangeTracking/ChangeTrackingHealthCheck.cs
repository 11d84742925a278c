using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OData.Virtualization.ChangeTracking;

/// <summary>
/// Readiness of change tracking: off and running are healthy; a capture that cannot start (the database is not set up
/// for logical decoding) or has lost its replication connection is Degraded with the reason, so that the operator sees
/// it — the instance still serves every read, and delta links of what was captured.
/// </summary>
internal sealed class ChangeTrackingHealthCheck(ChangeFeed feed) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(feed.State switch
        {
            CaptureState.Off => HealthCheckResult.Healthy("Change tracking is off."),
            CaptureState.Running when feed.Warning is { } warning => HealthCheckResult.Degraded("Change tracking captures, but: " + warning),
            CaptureState.Running => HealthCheckResult.Healthy("Capturing changes."),
            CaptureState.Starting => HealthCheckResult.Healthy("Change tracking is starting, or another instance captures."),
            CaptureState.Recovering => HealthCheckResult.Degraded("Change tracking: " + feed.Problem),
            _ => HealthCheckResult.Degraded("Change tracking cannot start: " + feed.Problem),
        });
}
