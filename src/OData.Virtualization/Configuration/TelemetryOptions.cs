
namespace OData.Virtualization.Configuration;

/// <summary>
/// Metrics and traces, bound from <c>OData:Telemetry</c>. The per-request log line is ordinary logging: its category
/// is <c>OData.Virtualization.Requests</c> (see <see cref="RequestTelemetry"/>).
/// </summary>
public sealed class TelemetryOptions
{
    /// <summary>The configuration section this binds from.</summary>
    public const string SectionName = "OData:Telemetry";

    /// <summary>
    /// A second port that Kestrel listens on (all interfaces), for operators: the metrics are served there without a
    /// token. Keep it off the public network (a firewall rule, or a Kubernetes Service that does not expose it).
    /// Requests are told apart by the port they arrived on, never by their <c>Host</c> header. Unset: none.
    /// </summary>
    public int? ManagementPort { get; init; }

    /// <summary>The Prometheus scrape endpoint and the server's instruments.</summary>
    public TelemetryMetricsOptions Metrics { get; init; } = new();

    /// <summary>Spans of each request, exported over OTLP.</summary>
    public TelemetryTracesOptions Traces { get; init; } = new();
}

/// <summary>The Prometheus scrape endpoint.</summary>
public sealed class TelemetryMetricsOptions
{
    /// <summary>Collect metrics and serve them for Prometheus. Default: true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The scrape path. Default: <c>/metrics</c>.</summary>
    public string Path { get; init; } = "/metrics";

    /// <summary>
    /// The hash of a token that lets a scraper read the metrics on any port, sent as <c>Authorization: Bearer &lt;token&gt;</c>
    /// (Prometheus: <c>authorization: { credentials: … }</c>). Create a token and its hash with the server's
    /// <c>hash-api-key</c> command. Unset: metrics only on <see cref="TelemetryOptions.ManagementPort"/>.
    /// </summary>
    public string? ScrapeTokenHash { get; init; }
}

/// <summary>Spans of each request.</summary>
public sealed class TelemetryTracesOptions
{
    /// <summary>Export spans when an OTLP endpoint is configured (here or by <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>). Default: true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Where to send spans over OTLP, for example <c>http://otel-collector:4317</c> (gRPC). Unset: the standard
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> / <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> variables; neither set, no spans
    /// are recorded at all (and cost nothing).
    /// </summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>
    /// <c>grpc</c> or <c>http/protobuf</c> for <see cref="OtlpEndpoint"/> (with <c>http/protobuf</c>, <c>/v1/traces</c> is
    /// added when the endpoint has no path). Unset: <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, else <c>grpc</c>.
    /// </summary>
    public string? OtlpProtocol { get; init; }

    /// <summary>
    /// Put the values bound to a statement's parameters on its span (<c>db.query.parameter.N</c>). They are the
    /// callers' filter values, often personal data: leave off in production. Default: false.
    /// </summary>
    public bool IncludeParameters { get; init; }
}
