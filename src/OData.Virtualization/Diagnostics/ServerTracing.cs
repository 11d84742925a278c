using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Query;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Diagnostics;

/// <summary>
/// The server's spans (activity source <c>OData.Virtualization</c>), children of ASP.NET Core's request activity, so a
/// caller's W3C <c>traceparent</c> is their parent: <c>parse</c> (parse and plan), <c>cache</c> (the response cache's
/// lookup; on a miss it holds the rendering), <c>serialize</c> (rendering, which reads the rows) and <c>sql</c> (one per
/// statement, until its first row can be read). The names are the <c>Server-Timing</c> metric names.
/// </summary>
/// <remarks>
/// Nothing is recorded unless an exporter listens (see <see cref="TelemetryServiceCollectionExtensions"/>): then
/// <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null at the cost of one check.
/// </remarks>
internal sealed class ServerTracing(IOptions<TelemetryOptions> options)
{
    public const string SourceName = "OData.Virtualization";

    public static readonly ActivitySource Source = new(SourceName, typeof(ServerTracing).Assembly.GetName().Version?.ToString(3));

    public static Activity? StartCache() => Source.StartActivity("cache");

    public static Activity? StartSerialize() => Source.StartActivity("serialize");

    /// <summary>
    /// A span for one statement (or the count and the page in one batch): <c>db.query.text</c> is the statement with its
    /// placeholders; the values bound to them only with <c>OData:Telemetry:Traces:IncludeParameters</c>.
    /// </summary>
    public Activity? StartSql(DataSource source, SqlStatement? count, SqlStatement data)
    {
        var activity = Source.StartActivity("sql", ActivityKind.Client);
        if (activity is not { IsAllDataRequested: true })
        {
            return activity;
        }

        activity.SetTag("db.system.name", source.Provider switch { SourceProvider.PostgreSql => "postgresql", SourceProvider.MySql => "mysql", _ => "sqlite" });
        activity.SetTag("odata.source", source.Name);
        activity.SetTag("db.query.text", count is null ? data.Text : count.Text + ";\n" + data.Text);
        if (count is not null)
        {
            activity.SetTag("db.operation.batch.size", 2);
        }

        // Read as it was at start-up (tracing itself is decided then): a reloaded typo in OData:Telemetry must not make
        // every statement throw (found in review).
        if (options.Value.Traces.IncludeParameters)
        {
            // Numbered across the batch as the placeholders are within each statement: count's first, then the page's.
            var index = 0;
            foreach (var statement in count is null ? [data] : new[] { count, data })
            {
                foreach (var parameter in statement.Parameters)
                {
                    activity.SetTag("db.query.parameter." + index.ToString(CultureInfo.InvariantCulture), Convert.ToString(parameter.Value, CultureInfo.InvariantCulture));
                    index++;
                }
            }
        }

        return activity;
    }

    /// <summary>
    /// Marks a span failed with the exception's type only: a source's message can quote a bound value
    /// ("invalid input syntax for type integer: \"abc\""). Returns false, for use in an exception filter.
    /// </summary>
    public static bool Failed(Activity? activity, Exception exception)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
            activity.SetTag("error.type", exception.GetType().FullName);
        }

        return false;
    }

    /// <summary>
    /// The <c>parse</c> span, from the measurement <c>Server-Timing</c> already has: the request's first
    /// <paramref name="parseMilliseconds"/> (admission, parsing and planning), ended when they ended.
    /// </summary>
    public static void RecordParse(double elapsedMilliseconds, double parseMilliseconds)
    {
        if (!Source.HasListeners())
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        var start = now - TimeSpan.FromMilliseconds(elapsedMilliseconds);
        using var activity = Source.StartActivity("parse", ActivityKind.Internal, parentContext: default, startTime: start);
        activity?.SetEndTime(start.AddMilliseconds(parseMilliseconds).UtcDateTime);
    }
}
