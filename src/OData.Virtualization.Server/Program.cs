using System.IO.Compression;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Http;
using OData.Virtualization.Publishing;
using OData.Virtualization.Hosting;

// Operator commands: hash a password or create an API key for the configuration, then exit.
if (args.Length > 0 && args[0] is "hash-password" or "hash-api-key")
{
    return await SecretCommands.RunAsync(args[0]);
}

var builder = WebApplication.CreateBuilder(args);

// --config <file>: a JSON file layered over appsettings.json (environment variables still win).
if (builder.Configuration["config"] is { Length: > 0 } configFile)
{
    var path = Path.GetFullPath(configFile);
    if (!File.Exists(path))
    {
        await Console.Error.WriteLineAsync($"The configuration file '{path}' given with --config does not exist.");
        return 2;
    }

    // Reloaded when it changes (TTLs, limits, policies, sources apply without a restart); a half-saved file is ignored.
    builder.Configuration.AddReloadableJsonFile(path);
    builder.Configuration.AddEnvironmentVariables();
}

builder.WebHost.ConfigureKestrel(kestrel =>
{
    // Our own limit (OData:Limits:MaxUrlLength) answers with an OData error; Kestrel's must sit above it.
    kestrel.Limits.MaxRequestLineSize = 1024 * 1024;
    kestrel.Limits.MaxRequestBufferSize = 2 * 1024 * 1024;
    kestrel.AddServerHeader = false;
});

// OData:Telemetry:ManagementPort: Kestrel listens there too (for /metrics), next to the public addresses.
builder.WebHost.UseODataManagementPort(builder.Configuration);

builder.Services.AddResponseCompression(compression =>
{
    compression.EnableForHttps = true;
    compression.Providers.Add<GzipCompressionProvider>();
    compression.Providers.Add<DeflateCompressionProvider>();
    compression.MimeTypes = ["application/json", "application/xml", "text/plain", "text/html", "text/css", "text/javascript", "image/svg+xml"];
});
builder.Services.Configure<GzipCompressionProviderOptions>(gzip => gzip.Level = CompressionLevel.Fastest);
builder.Services.AddODataVirtualization(builder.Configuration);

var app = builder.Build();
try
{
    // Mapping already resolves services that read the options: a configuration error can surface here too.
    // Forwarded headers from known proxies, HSTS, CORS and the browser-safety headers, before everything else
    // (it was never called before: found by the explorer's tests, responses lacked X-Content-Type-Options).
    app.UseODataVirtualizationTransport();
    app.UseResponseCompression();
    // Here, not first as WebApplication would place it: authentication must see the client's address from a known
    // proxy's X-Forwarded-For (the failed sign-in limits count per address), so it runs after the forwarded headers.
    app.UseODataAuthentication();
    app.MapODataVirtualization();
    app.MapODataExplorer();
    await app.StartAsync();
}
catch (Exception ex) when (ex is ConfigurationException or OptionsValidationException)
{
    var errors = ex is OptionsValidationException validation ? validation.Failures : ((ConfigurationException)ex).Errors;
    await Console.Error.WriteLineAsync("OData Virtualization cannot start: the configuration has errors.");
    foreach (var error in errors)
    {
        await Console.Error.WriteLineAsync("  - " + error);
    }

    return 2;
}

var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
var samples = app.Services.GetSampleQueries();
var settings = app.Services.GetRequiredService<IOptions<OData.Virtualization.Configuration.VirtualizationOptions>>().Value;
var salesforce = settings.Salesforce.RoutePrefix.Trim('/');
var managementPort = builder.Configuration.GetValue<int?>("OData:Telemetry:ManagementPort");
var metricsPath = builder.Configuration["OData:Telemetry:Metrics:Path"] ?? "/metrics";
foreach (var address in addresses)
{
    var site = address.Replace("0.0.0.0", "localhost", StringComparison.Ordinal)
        .Replace("[::]", "localhost", StringComparison.Ordinal)
        .Replace("+", "localhost", StringComparison.Ordinal)
        .Replace("*", "localhost", StringComparison.Ordinal)
        .TrimEnd('/');
    if (managementPort is { } port && site.EndsWith(":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
    {
        Console.WriteLine();
        Console.WriteLine($"Management port (metrics): {site}{metricsPath}");
        continue; // an operators' port: not advertised for queries
    }

    var root = site + "/odata/";
    Console.WriteLine();
    Console.WriteLine($"OData Virtualization is serving {root}");
    Console.WriteLine($"  Explore in a browser: {site}/");
    foreach (var sample in samples)
    {
        Console.WriteLine($"  Try: curl '{root}{sample}'");
    }

    if (salesforce.Length > 0)
    {
        Console.WriteLine($"  Salesforce Connect: {site}/{salesforce}/");
    }

    Console.WriteLine();
}

// Behind a proxy, links name the configured public URL, not the addresses above.
if (settings.Transport.PublicBaseUrl is { Length: > 0 } publicBase)
{
    Console.WriteLine($"Links name {publicBase.Trim().TrimEnd('/')}/odata/ (OData:Transport:PublicBaseUrl): clients reach the server there.");
    Console.WriteLine();
}

await app.WaitForShutdownAsync();
return 0;

/// <summary>The host's entry point; public so that WebApplicationFactory can start it in tests.</summary>
public partial class Program;
