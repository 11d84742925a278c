using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Http;
using OData.Virtualization.Publishing;

namespace OData.Virtualization.Hosting;

/// <summary>
/// Wires metrics (OpenTelemetry, scraped by Prometheus) and traces (OpenTelemetry, exported over OTLP) into the host.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    private const string ServiceName = "odata-virtualization";

    public static IServiceCollection AddODataTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>()
            .Bind(configuration.GetSection(TelemetryOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();
        services.AddMetrics();
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton<ServerTracing>();
        services.AddSingleton<RequestTelemetry>();

        // Read once here: which providers exist is decided at start-up (a change needs a restart).
        var telemetry = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var exportTraces = telemetry.Traces.Enabled
            && (!string.IsNullOrWhiteSpace(telemetry.Traces.OtlpEndpoint)
                || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
                || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]));
        var collectMetrics = Readable(telemetry);
        if (!collectMetrics && !exportTraces)
        {
            return services;
        }

        var builder = services.AddOpenTelemetry();
        if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
        {
            builder.ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: typeof(ServerMetrics).Assembly.GetName().Version?.ToString(3)));
        }

        if (collectMetrics)
        {
            builder.WithMetrics(metrics => metrics
                .AddMeter(ServerMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                // MySqlConnector's pool metrics (db.client.connections.*), labelled with the source's name (UseName).
                .AddMeter("MySqlConnector")
                .AddPrometheusExporter());
        }

        if (exportTraces)
        {
            var traces = telemetry.Traces;
            builder.WithTracing(tracing => tracing
                .AddSource(ServerTracing.SourceName)
                .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = context => !IsOperatorPath(context.Request.Path, telemetry))
                .AddOtlpExporter(otlp =>
                {
                    if (!string.IsNullOrWhiteSpace(traces.OtlpProtocol))
                    {
                        otlp.Protocol = traces.OtlpProtocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                    }

                    if (!string.IsNullOrWhiteSpace(traces.OtlpEndpoint))
                    {
                        otlp.Endpoint = TracesEndpoint(new Uri(traces.OtlpEndpoint), otlp.Protocol);
                    }
                }));
        }

        return services;
    }

    /// <summary>
    /// Maps the Prometheus scrape endpoint (<c>OData:Telemetry:Metrics:Path</c>) for requests on the management port or
    /// with the scrape token; to anyone else it does not exist (404), or asks for the token (401) when one is configured.
    /// </summary>
    public static IEndpointRouteBuilder MapODataTelemetry(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (!options.Metrics.Enabled)
        {
            return endpoints;
        }

        // Also when no meter provider was registered: the settings that decide it were read while services were
        // registered, and a configuration source added later may have brought a token only IOptions sees.
        if (!Readable(options) || endpoints.ServiceProvider.GetService<MeterProvider>() is null)
        {
            // Nothing could read them: collecting would cost every request a few microseconds for no one.
            var logger = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TelemetryServiceCollectionExtensions).Namespace!);
            // Nothing to act on for someone trying the demo; an operator of a configured server is told how to turn them on.
            var demo = DemoDatabase.Serves(endpoints.ServiceProvider.GetRequiredService<IOptions<VirtualizationOptions>>().Value);
            ServerLog.MetricsNotServed(logger, demo ? LogLevel.Debug : LogLevel.Information, options.Metrics.Path);
            return endpoints;
        }

        endpoints.MapPrometheusScrapingEndpoint(options.Metrics.Path, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            if (ManagementListener.MayScrape(context, options))
            {
                await next(context);
                return;
            }

            if (string.IsNullOrEmpty(options.Metrics.ScrapeTokenHash))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"metrics\"";
        }), optionsName: null);
        return endpoints;
    }

    /// <summary>
    /// Whether anyone could scrape the metrics: they are enabled, and served on the management port or to a scrape
    /// token. Both are read at start-up, so this is decided once.
    /// </summary>
    private static bool Readable(TelemetryOptions options)
        => options.Metrics.Enabled && (options.ManagementPort is not null || !string.IsNullOrEmpty(options.Metrics.ScrapeTokenHash));

    private static bool IsOperatorPath(PathString path, TelemetryOptions options)
        => path.StartsWithSegments(options.Metrics.Path, StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase);

    /// <summary>With OTLP over HTTP, a configured endpoint is the whole URL: add the traces path when the operator gave only the collector's root.</summary>
    private static Uri TracesEndpoint(Uri endpoint, OtlpExportProtocol protocol)
        => protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "/" or ""
            ? new Uri(endpoint, "v1/traces")
            : endpoint;
}
