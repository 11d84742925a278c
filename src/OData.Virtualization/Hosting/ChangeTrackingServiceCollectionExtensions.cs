using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.ChangeTracking;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Http;
using OData.Virtualization.Publishing;

namespace OData.Virtualization.Hosting;

/// <summary>Change tracking's services. With no tracked set they exist but open nothing (decision 100).</summary>
internal static class ChangeTrackingServiceCollectionExtensions
{
    public static IServiceCollection AddChangeTracking(this IServiceCollection services)
    {
        services.AddSingleton<ChangeFeed>();
        services.AddSingleton<ChangeMetrics>();
        services.AddSingleton<DeltaTokenCodec>();
        services.AddSingleton<DeltaResponder>();
        services.AddSingleton<IModelCheck, TrackedTables>();
        services.AddHostedService<ChangeCapture>();
        services.AddHealthChecks().AddCheck<ChangeTrackingHealthCheck>("changes", tags: ["ready"]);
        return services;
    }
}
