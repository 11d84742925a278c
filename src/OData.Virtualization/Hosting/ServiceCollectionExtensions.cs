using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Paging;
using OData.Virtualization.Query;

namespace OData.Virtualization.Hosting;

/// <summary>Wires the server into an ASP.NET Core host.</summary>
public static class ServiceCollectionExtensions
{
    public static IServiceCollection AddODataVirtualization(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VirtualizationOptions>()
            .Bind(configuration.GetSection(VirtualizationOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<VirtualizationOptions>, OptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DemoDatabase>();
        services.AddSingleton<ModelHost>();
        services.AddSingleton<QueryExecutor>();
        services.AddSingleton(provider => SkipTokenKeys.CreateCodec(
            provider.GetRequiredService<IOptions<VirtualizationOptions>>().Value.Paging,
            provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<SkipTokenCodec>>()));
        services.AddSingleton<PagePlanner>();
        services.AddSingleton<CollectionResponder>();
        services.AddSingleton<OData.Virtualization.Caching.CacheStatistics>();
        services.AddSingleton<OData.Virtualization.Caching.ResponseCache>();
        services.AddSingleton<RepresentationSender>();
        services.AddSingleton<ODataEndpoint>();
        services.AddHostedService<ModelInitializer>();
        return services;
    }

    public static IEndpointConventionBuilder MapODataVirtualization(this IEndpointRouteBuilder endpoints)
    {
        var endpoint = endpoints.ServiceProvider.GetRequiredService<ODataEndpoint>();
        var group = endpoints.MapGroup("/" + ODataEndpoint.RoutePrefix);
        group.Map("/", endpoint.HandleAsync);
        group.Map("/{**path}", endpoint.HandleAsync);

        // Counters of the cache and the sources since start-up (no data, no configuration).
        endpoints.MapGet("/status/cache", (OData.Virtualization.Caching.CacheStatistics statistics) => Results.Json(new
        {
            hits = statistics.Hits,
            misses = statistics.Misses,
            singleFlightJoins = statistics.Joins,
            staleServed = statistics.StaleServed,
            bypasses = statistics.Bypasses,
            statements = statistics.Statements,
        }));
        return group;
    }

    /// <summary>Queries worth trying on the published model (relative to the service root), for the start-up banner.</summary>
    public static IReadOnlyList<string> GetSampleQueries(this IServiceProvider services)
        => services.GetRequiredService<ModelHost>().SampleQueries();

    private sealed class ModelInitializer(ModelHost models) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => models.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
