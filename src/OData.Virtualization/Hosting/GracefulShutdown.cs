using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;

namespace OData.Virtualization.Hosting;

/// <summary>
/// Stopping without dropping requests. At the stop signal readiness turns unhealthy (<c>/health/ready</c> answers 503)
/// so load balancers stop sending; new requests are still served for <c>OData:Shutdown:ReadinessDelaySeconds</c>
/// (the time a load balancer needs to notice); then Kestrel closes its port and requests in flight get
/// <c>OData:Shutdown:DrainSeconds</c> to finish (the host's shutdown timeout covers both).
/// </summary>
internal sealed class GracefulShutdown(IOptions<VirtualizationOptions> options, TimeProvider time, ILogger<GracefulShutdown> logger) : IHostedLifecycleService, IHealthCheck
{
    private volatile bool _stopping;

    public bool IsStopping => _stopping;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(_stopping
            ? HealthCheckResult.Unhealthy("The server is shutting down: requests in flight finish here, new ones belong on another instance.")
            : HealthCheckResult.Healthy("Serving."));

    /// <summary>Runs before the server stops listening: everything still works, only readiness says otherwise.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        var shutdown = options.Value.Shutdown;
        RefreshLog.ShuttingDown(logger, Math.Max(0, shutdown.ReadinessDelaySeconds), Math.Max(0, shutdown.DrainSeconds));
        if (shutdown.ReadinessDelaySeconds > 0)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(shutdown.ReadinessDelaySeconds), time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The shutdown timeout ran out: stop now.
            }
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The host's shutdown timeout: the readiness delay plus the drain time (read from configuration at start-up).</summary>
    internal static TimeSpan ShutdownTimeout(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        static int Seconds(string? text, int fallback) => int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 0 ? value : fallback;
        var section = configuration.GetSection(VirtualizationOptions.SectionName + ":Shutdown");
        return TimeSpan.FromSeconds(Seconds(section["ReadinessDelaySeconds"], 0) + Seconds(section["DrainSeconds"], 30));
    }
}
