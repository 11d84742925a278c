using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Http;
using OData.Virtualization.Publishing;

namespace OData.Virtualization.Hosting;

/// <summary>Wires schema refresh, the model lock, configuration reload and graceful shutdown into the host.</summary>
internal static class OperationsServiceCollectionExtensions
{
    /// <summary>Call after the options are bound (the monitor registered here replaces the standard one for them).</summary>
    public static IServiceCollection AddModelOperations(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<VirtualizationOptions>, OperationsOptionsValidator>();
        services.AddSingleton<IOptionsMonitor<VirtualizationOptions>, LastValidOptions>();

        // Registered after the model initializer, so that they start once the first model is published.
        services.AddSingleton<SchemaRefresher>();
        services.AddHostedService(provider => provider.GetRequiredService<SchemaRefresher>());
        services.AddSingleton<SchemaChangeListener>();
        services.AddHostedService(provider => provider.GetRequiredService<SchemaChangeListener>());

        services.AddSingleton<GracefulShutdown>();
        services.AddHostedService(provider => provider.GetRequiredService<GracefulShutdown>());
        services.AddHealthChecks().AddCheck<GracefulShutdown>("shutdown", tags: ["ready"]);
        services.AddOptions<HostOptions>().Configure<IConfiguration>((host, configuration) => host.ShutdownTimeout = GracefulShutdown.ShutdownTimeout(configuration));
        return services;
    }

    public static IEndpointRouteBuilder MapModelAdministration(this IEndpointRouteBuilder endpoints)
    {
        AdminEndpoint.Map(endpoints);
        return endpoints;
    }
}
