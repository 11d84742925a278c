using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;

namespace OData.Virtualization.Hosting;

/// <summary>Checks <c>OData:Telemetry</c> at start-up and reports every problem at once, each with how to fix it.</summary>
internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var errors = new List<string>();
        if (options.ManagementPort is { } port && port is < 1 or > 65535)
        {
            errors.Add($"OData:Telemetry:ManagementPort is {port}. Use a port from 1 to 65535 that is not the public one (for example 9464), or remove the setting.");
        }

        var metrics = options.Metrics;
        if (string.IsNullOrWhiteSpace(metrics.Path) || metrics.Path[0] != '/' || metrics.Path.Length < 2)
        {
            errors.Add($"OData:Telemetry:Metrics:Path is '{metrics.Path}'. Use a path that starts with '/', for example '/metrics'.");
        }

        if (metrics.ScrapeTokenHash is { Length: > 0 } hash && !hash.StartsWith("sha256$", StringComparison.Ordinal))
        {
            errors.Add("OData:Telemetry:Metrics:ScrapeTokenHash is not a token hash. Run the server with 'hash-api-key': give the key to Prometheus and put the 'sha256$…' hash here.");
        }

        var traces = options.Traces;
        if (traces.OtlpEndpoint is { Length: > 0 } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"OData:Telemetry:Traces:OtlpEndpoint is '{endpoint}'. Use the collector's absolute http:// or https:// URL, for example 'http://otel-collector:4317'.");
        }

        if (traces.OtlpProtocol is { Length: > 0 } protocol && protocol is not ("grpc" or "http/protobuf"))
        {
            errors.Add($"OData:Telemetry:Traces:OtlpProtocol is '{protocol}'. Use 'grpc' or 'http/protobuf'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
