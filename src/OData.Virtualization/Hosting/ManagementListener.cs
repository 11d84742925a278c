using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using OData.Virtualization.Configuration;
using OData.Virtualization.Http;
using OData.Virtualization.Security;

namespace OData.Virtualization.Hosting;

/// <summary>
/// The operators' port (<c>OData:Telemetry:ManagementPort</c>) and who may read the metrics: a request that arrived on
/// that port (by the socket's local port, which a client cannot fake, unlike the <c>Host</c> header that
/// <c>RequireHost</c> matches), or one that carries the scrape token.
/// </summary>
public static class ManagementListener
{
    private const string DefaultUrl = "http://localhost:5000";

    /// <summary>
    /// Makes Kestrel listen on the management port (all interfaces) next to the addresses it would have used anyway
    /// (<c>urls</c> / <c>ASPNETCORE_URLS</c> / <c>--urls</c>, else <c>ASPNETCORE_HTTP_PORTS</c>/<c>HTTPS_PORTS</c>, else
    /// http://localhost:5000). With endpoints under <c>Kestrel:Endpoints</c>, which take precedence over URLs, add one
    /// for the management port there.
    /// </summary>
    public static IWebHostBuilder UseODataManagementPort(this IWebHostBuilder builder, IConfiguration configuration)
    {
        if (configuration.GetValue<int?>(TelemetryOptions.SectionName + ":ManagementPort") is not ({ } port and > 0 and <= 65535))
        {
            return builder;
        }

        var urls = PublicUrls(builder.GetSetting(WebHostDefaults.ServerUrlsKey), builder.GetSetting(WebHostDefaults.HttpPortsKey), builder.GetSetting(WebHostDefaults.HttpsPortsKey));
        return builder.UseUrls([.. urls, "http://*:" + port.ToString(CultureInfo.InvariantCulture)]);
    }

    /// <summary>The addresses Kestrel would listen on without a management port, as the host resolves them.</summary>
    internal static IReadOnlyList<string> PublicUrls(string? urls, string? httpPorts, string? httpsPorts)
    {
        static IEnumerable<string> Split(string? list) => (list ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var explicitUrls = Split(urls).ToList();
        if (explicitUrls.Count > 0)
        {
            return explicitUrls;
        }

        var fromPorts = Split(httpPorts).Select(p => "http://*:" + p).Concat(Split(httpsPorts).Select(p => "https://*:" + p)).ToList();
        return fromPorts.Count > 0 ? fromPorts : [DefaultUrl];
    }

    /// <summary>Whether <paramref name="context"/> may read the metrics.</summary>
    internal static bool MayScrape(HttpContext context, TelemetryOptions options)
    {
        if (options.ManagementPort is { } port && context.Connection.LocalPort == port)
        {
            return true;
        }

        if (options.Metrics.ScrapeTokenHash is not { Length: > 0 } hash)
        {
            return false;
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)
               && SecretHasher.VerifyApiKey(authorization[bearer.Length..].Trim(), hash);
    }
}
