using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using OData.Virtualization.Caching;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Execution;
using OData.Virtualization.Http;
using OData.Virtualization.Paging;
using OData.Virtualization.Publishing;
using OData.Virtualization.Security;
using OData.Virtualization.Sources;

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
        services.AddSingleton<WriteNotices>();
        services.AddSingleton<ModelHost>();
        services.AddSingleton<IPublishedSources>(provider => provider.GetRequiredService<ModelHost>());
        services.AddSingleton<QueryExecutor>();
        services.AddSingleton(provider =>
        {
            var settings = provider.GetRequiredService<IOptions<VirtualizationOptions>>().Value;
            return SkipTokenKeys.CreateCodec(settings.Paging, provider.GetRequiredService<ILogger<SkipTokenCodec>>(), DemoDatabase.Serves(settings));
        });
        services.AddSingleton<PagePlanner>();
        services.AddSingleton<PageRenderer>();
        services.AddSingleton<CollectionResponder>();
        services.AddSingleton<ApplyResponder>();
        services.AddSingleton<EntityResponder>();
        services.AddSingleton<CountResponder>();
        services.AddSingleton<RelatedResponder>();
        services.AddSingleton<NavigationParents>();
        services.AddSingleton<Responders>();
        services.AddSingleton<WriteAudit>();
        services.AddSingleton<WriteExecutor>();
        services.AddSingleton<WriteResponder>();
        services.AddSingleton<RequestPlanner>();
        services.AddSingleton<ResponseKeys>();
        services.AddSingleton<AnswerSender>();
        services.AddSingleton<CacheStatistics>();
        services.AddSingleton<DistributedLevel>();
        services.AddSingleton<IDistributedCacheStatus>(provider => provider.GetRequiredService<DistributedLevel>());
        // Writes move every instance's cache keys of the source (through Redis, when configured).
        services.AddHostedService<WriteSignals>();
        services.AddSingleton<ResponseCache>();
        services.AddSingleton<RepresentationSender>();
        services.AddSingleton<RequestMemo>();
        services.AddSingleton<ODataEndpoint>();
        services.AddSingleton<BatchEndpoint>();
        services.AddHostedService<ModelInitializer>();
        // Schema refresh (schedule, NOTIFY, admin), the model lock, configuration reload, graceful shutdown.
        services.AddModelOperations();
        services.AddSingleton<IModelCheck, PolicyModelCheck>();
        services.AddChangeTracking();
        services.AddSingleton<AccessScopes>();
        services.AddSingleton<FailedSignIns>();
        services.AddSingleton<PasswordChecks>();
        services.AddSingleton<Gatekeeper>();
        services.AddSingleton<RequestLimiter>();
        services.AddCors();
        services.AddODataTelemetry(configuration);
        services.AddHealthChecks()
            .AddCheck<SourcesHealthCheck>("sources", tags: ["ready"])
            .AddCheck<SharedCacheHealthCheck>("cache", tags: ["ready"]);
        services.AddSingleton<BasicCredentials>();
        services.AddSingleton<ApiKeyCredentials>();
        services.AddSingleton<Credentials>();
        // The default scheme checks Basic and API-key credentials itself and forwards only bearer tokens (decision 122).
        services.AddTransient<CredentialsHandler>();
        services.AddAuthentication(Schemes.Selector)
            .AddScheme<AuthenticationSchemeOptions, BasicAuthenticationHandler>(Schemes.Basic, null)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(Schemes.ApiKey, null)
            .AddJwtBearer(Schemes.Bearer);
        services.Configure<AuthenticationOptions>(options => options.AddScheme<CredentialsHandler>(Schemes.Selector, null));
        services.AddOptions<JwtBearerOptions>(Schemes.Bearer).Configure<IOptions<VirtualizationOptions>>((bearer, all) => JwtValidation.Configure(bearer, all.Value.Security.Jwt));
        return services;
    }

    /// <summary>
    /// Transport and browser safety, before everything else: forwarded headers from known proxies, HSTS on HTTPS,
    /// CORS for configured origins, and headers that stop browsers from sniffing or framing responses.
    /// </summary>
    public static IApplicationBuilder UseODataVirtualizationTransport(this IApplicationBuilder app)
    {
        var transport = app.ApplicationServices.GetRequiredService<IOptions<VirtualizationOptions>>().Value.Transport;
        if (transport.KnownProxies.Count > 0 || transport.KnownNetworks.Count > 0)
        {
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost };
            // Exactly what is configured: ASP.NET Core would also trust loopback by default.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in transport.KnownProxies)
            {
                forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }

            foreach (var network in transport.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }

            app.UseForwardedHeaders(forwarded);
        }

        // Not async: this runs around every request, and a state machine here was one more allocation for each.
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            if (transport.Hsts && context.Request.IsHttps)
            {
                headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
            }

            return next(context);
        });

        if (transport.CorsOrigins.Count > 0)
        {
            // Read-only: POST for $batch only (every other POST is a 405), with the Content-Type its body needs. Once an
            // operator opens a set to writes: the write methods, their preconditions and keys, and what they answer with.
            var writes = WriteResponder.AnyOpened(app.ApplicationServices.GetRequiredService<IOptions<VirtualizationOptions>>().Value);
            string[] methods = writes ? ["GET", "HEAD", "OPTIONS", "POST", "PATCH", "PUT", "DELETE"] : ["GET", "HEAD", "OPTIONS", "POST"];
            string[] headers = ["Authorization", "Accept", "Prefer", "OData-Version", "OData-MaxVersion", "If-None-Match", "X-API-Key", "Content-Type"];
            string[] exposed = ["ETag", "Preference-Applied", "OData-Version", "X-Cache", "Server-Timing", "Retry-After"];
            app.UseCors(cors => cors.WithOrigins([.. transport.CorsOrigins])
                .WithMethods(methods)
                .WithHeaders(writes ? [.. headers, "If-Match", "Idempotency-Key"] : headers)
                .WithExposedHeaders(writes ? [.. exposed, "Location", "OData-EntityId", "Idempotent-Replayed"] : exposed));
        }

        return app;
    }

    /// <summary>
    /// Authenticates every request with the default scheme (<see cref="CredentialsMiddleware"/>), in place of
    /// <c>UseAuthentication()</c>: after the forwarded headers, so that the failed sign-in limits count per client address.
    /// </summary>
    public static IApplicationBuilder UseODataAuthentication(this IApplicationBuilder app)
    {
        // The mark UseAuthentication() leaves: without it, WebApplication adds the framework's middleware at the very
        // start of the pipeline as well, where it would authenticate before the forwarded headers are applied.
        app.Properties["__AuthenticationMiddlewareSet"] = true;
        return app.UseMiddleware<CredentialsMiddleware>();
    }

    public static IEndpointConventionBuilder MapODataVirtualization(this IEndpointRouteBuilder endpoints)
    {
        var endpoint = endpoints.ServiceProvider.GetRequiredService<ODataEndpoint>();
        var batch = endpoints.ServiceProvider.GetRequiredService<BatchEndpoint>();
        var group = endpoints.MapGroup("/" + ODataEndpoint.RoutePrefix);
        group.Map("/", endpoint.HandleAsync);
        group.Map("/$batch", batch.HandleAsync);
        group.Map("/{**path}", endpoint.HandleAsync);

        // The Salesforce Connect profile: the same sets under their Salesforce names, at a service root of its own.
        var salesforce = endpoints.ServiceProvider.GetRequiredService<IOptions<VirtualizationOptions>>().Value.Salesforce.RoutePrefix.Trim('/');
        if (salesforce.Length > 0)
        {
            var profile = endpoints.MapGroup("/" + salesforce);
            profile.Map("/", endpoint.HandleSalesforceAsync);
            profile.Map("/$batch", batch.HandleSalesforceAsync);
            profile.Map("/{**path}", endpoint.HandleSalesforceAsync);
        }

        // POST /admin/refresh, GET /admin/model/changes, POST /admin/model/accept (administrators only).
        endpoints.MapModelAdministration();

        // Liveness (the process answers) and readiness (the sources answer), in the standard health-check format.
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealthAsync });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = WriteHealthAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });

        // Counters of the cache and the sources since start-up (no data, no configuration): other users' activity, so for
        // operators only (the management port, the scrape token, or an administrator's credentials).
        endpoints.MapGet("/status/cache", async (HttpContext context, CacheStatistics statistics, IOptions<TelemetryOptions> telemetry) =>
        {
            if (!ManagementListener.MayScrape(context, telemetry.Value) && await AdminEndpoint.AuthorizeAsync(context) is null)
            {
                return; // 401 or 403 written
            }

            await context.Response.WriteAsJsonAsync(new
            {
                hits = statistics.Hits,
                misses = statistics.Misses,
                singleFlightJoins = statistics.Joins,
                staleServed = statistics.StaleServed,
                bypasses = statistics.Bypasses,
                statements = statistics.Statements,
            }, context.RequestAborted);
        });
        endpoints.MapODataTelemetry();
        return group;
    }

    /// <summary>Queries worth trying on the published model (relative to the service root), for the start-up banner.</summary>
    public static IReadOnlyList<string> GetSampleQueries(this IServiceProvider services)
        => services.GetRequiredService<ModelHost>().SampleQueries();

    /// <summary>
    /// The health report: the status and each check's summary for anyone (a load balancer); which sources are reachable
    /// only on the management port, where operators ask (source names tell an outsider what the server reads).
    /// </summary>
    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var port = context.RequestServices.GetRequiredService<IOptions<TelemetryOptions>>().Value.ManagementPort;
        var detailed = port is { } management && context.Connection.LocalPort == management;
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            totalDuration = report.TotalDuration.TotalMilliseconds,
            entries = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                duration = e.Value.Duration.TotalMilliseconds,
                data = detailed ? e.Value.Data : null,
            }),
        });
    }

    /// <summary>
    /// Builds and publishes the model before the server takes requests; then says what the security settings allow. On
    /// the demo, that is the one block a first start prints: what is served, whether it is open, how to serve a real source.
    /// </summary>
    private sealed class ModelInitializer(ModelHost models, DemoDatabase demo, ServerMetrics metrics, IOptionsMonitor<VirtualizationOptions> options, ILogger<ModelHost> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            // Every schema refresh, by outcome (unchanged, applied, held back, failed, accepted …).
            models.Refreshed += report => metrics.SchemaRefreshed(report.Outcome.ToString().ToLowerInvariant());
            await models.InitializeAsync(cancellationToken);
            var security = options.CurrentValue.Security;
            var anonymous = Gatekeeper.AllowsAnonymous(security, models);
            if (models.IsDemo)
            {
                ServerLog.ServingDemo(logger, models.Current.Sets.Count, demo.Directory, anonymous
                    ? "It is a demo, so it is open: anyone who can reach this port can read it, without credentials."
                    : "It needs credentials, as OData:Security configures them.");
            }

            if (anonymous)
            {
                ServerLog.AnonymousAccess(logger, models.IsDemo ? LogLevel.Debug : LogLevel.Warning);
            }

            foreach (var problem in CredentialHashes.Unusable(security))
            {
                ServerLog.UnusableCredential(logger, problem);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
