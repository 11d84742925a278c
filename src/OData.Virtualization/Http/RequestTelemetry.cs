using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OData.Virtualization.Caching;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Security;

namespace OData.Virtualization.Http;

/// <summary>
/// What every request under an OData service root leaves behind when it ends, from the measurements the
/// <c>Server-Timing</c> header already has (<see cref="RequestTimings"/>): its metrics, the <c>parse</c> span, tags on the
/// request's span, and one log line (category <see cref="Category"/>, Information).
/// </summary>
internal sealed class RequestTelemetry(ServerMetrics metrics, ILoggerFactory loggers)
{
    /// <summary>The per-request line's category: set <c>Logging:LogLevel:OData.Virtualization.Requests</c> to <c>Warning</c> to turn it off.</summary>
    public const string Category = "OData.Virtualization.Requests";

    /// <summary>Nginx's code for a request whose client went away before the answer.</summary>
    public const int ClientClosedRequest = 499;

    private readonly ILogger _log = loggers.CreateLogger(Category);

    public void Complete(HttpContext context, RequestTimings timings, bool salesforce, bool clientGone)
    {
        var elapsed = timings.Elapsed;
        var status = clientGone ? ClientClosedRequest : context.Response.StatusCode;
        var set = timings.EntitySet ?? Unresolved(context.Request.Path, status);
        var profile = salesforce ? "salesforce" : "odata";
        metrics.RequestCompleted(set, status, profile, elapsed, timings.Sql, timings.Rows, timings.Outcome);

        if (timings.Parse is { } parse)
        {
            ServerTracing.RecordParse(elapsed, parse);
        }

        // Tags only for a span someone records: without a listener, ASP.NET Core still creates the request's Activity
        // (for the trace id in logs), and tagging it cost allocations on every request.
        var request = Activity.Current;
        if (request is { IsAllDataRequested: true } && request.Source.HasListeners())
        {
            request.SetTag("odata.entity_set", set);
            request.SetTag("odata.profile", profile);
            if (timings.Outcome is { } outcome)
            {
                request.SetTag("odata.cache.outcome", CacheOutcomes.Label(outcome));
            }

            if (timings.Rows is { } rows)
            {
                request.SetTag("odata.rows", rows);
            }
        }

        if (_log.IsEnabled(LogLevel.Information))
        {
            var principal = context.Features.Get<AccessScope>() is { } scope ? scope.Principal : "-";
            var cache = timings.Outcome is { } answered ? CacheOutcomes.Label(answered) : "none";
            var duration = Math.Round(elapsed, 3);
            var traceId = request?.TraceId.ToHexString();
            if (timings.Rows is { } count)
            {
                ServerLog.RequestCompleted(_log, context.Request.Method, set, profile, status, duration, cache, count, principal, context.TraceIdentifier, traceId);
            }
            else
            {
                ServerLog.RequestCompletedWithoutRows(_log, context.Request.Method, set, profile, status, duration, cache, principal, context.TraceIdentifier, traceId);
            }
        }
    }

    /// <summary>
    /// The label of a request that named no entity set: the metadata document, the service document, or
    /// <c>(none)</c> (a bad path, a failed sign-in): never a segment from the URL, which anyone can make up.
    /// </summary>
    private static string Unresolved(PathString path, int status)
    {
        if (path.HasValue && path.Value!.EndsWith("/$metadata", StringComparison.Ordinal))
        {
            return "$metadata";
        }

        return status is >= 200 and < 400 ? "$service" : "(none)";
    }
}
