using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OData.Virtualization.Caching;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>
/// The real host (<c>Program</c>) in the test process, configured by settings on top of the test defaults: the one way
/// the tests start a server in process. On the in-memory test server until <see cref="StartKestrel"/> puts it on real Kestrel (a
/// loopback port) for what needs a socket: a browser, an npm client, a raw request target, the caller's address.
/// The host starts on first use (a client, <see cref="WebApplicationFactory{TEntryPoint}.Services"/>), so that a test of a
/// failing start sees the exception there, or at once with <see cref="Start"/>.
/// <see cref="ServerProcess"/> is the other way, the server executable as a child process.
/// </summary>
public sealed class InProcessServer : WebApplicationFactory<Program>
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly TimeProvider? _time;
    private readonly ILoggerProvider? _log;
    private readonly Lock _clientLock = new();
    private HttpClient? _client;

    /// <param name="settings">Configuration on top of the test defaults (anonymous, no per-principal limits).</param>
    /// <param name="time">Replaces the system clock (a <c>FakeTimeProvider</c>); null keeps it.</param>
    /// <param name="log">Receives every log line too (a <c>LogCapture</c>); null adds nothing.</param>
    public InProcessServer(IReadOnlyDictionary<string, string?> settings, TimeProvider? time = null, ILoggerProvider? log = null)
    {
        _settings = settings;
        _time = time;
        _log = log;
    }

    /// <summary>The server root: <c>http://localhost/</c> in memory, the loopback address once on Kestrel.</summary>
    public Uri Root { get; private set; } = new("http://localhost/");

    /// <summary>The addresses Kestrel listens on (empty in memory).</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    /// <summary>A client of the server's own, based at <c>/odata/</c>, not following redirects; disposed with the server.</summary>
    public HttpClient Client
    {
        get
        {
            // The first client starts the host, which must happen once.
            lock (_clientLock)
            {
                return _client ??= NewClient();
            }
        }
    }

    /// <summary>The server's cache and source counters (statements sent, hits, misses, joins, stale serves).</summary>
    public CacheStatistics Statistics => Services.GetRequiredService<CacheStatistics>();

    /// <summary>Starts the host now (discovery included) rather than on first use.</summary>
    public static InProcessServer Start(IReadOnlyDictionary<string, string?> settings, TimeProvider? time = null, ILoggerProvider? log = null)
    {
        var server = new InProcessServer(settings, time, log);
        try
        {
            server.StartServer();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Settings for a server that publishes one PostgreSQL database.</summary>
    public static Dictionary<string, string?> PostgresSettings(string sourceName, string connectionString) => new()
    {
        [$"OData:Sources:{sourceName}:Provider"] = "PostgreSQL",
        [$"OData:Sources:{sourceName}:ConnectionString"] = connectionString,
    };

    /// <summary>A new client based at <paramref name="path"/> under <see cref="Root"/>, not following redirects; the caller disposes it.</summary>
    public HttpClient NewClient(string path = "odata/")
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.BaseAddress = new Uri(Root, path);
        return client;
    }

    /// <summary>
    /// Starts the host on real Kestrel, on a loopback port the OS picks, or where <paramref name="listen"/> says; returns
    /// the root of the first plain-HTTP address. Call before anything else starts the host.
    /// </summary>
    public Uri StartKestrel(Action<KestrelServerOptions>? listen = null)
    {
        if (listen is null)
        {
            UseKestrel(0);
        }
        else
        {
            UseKestrel(listen);
        }

        StartServer();
        Addresses = [.. Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses];
        var address = Addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal));
        Root = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal).TrimEnd('/') + "/");
        return Root;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // Anonymous unless a test configures security: the security tests set their own users, keys and policies.
        // …and without per-principal rate limits: the suites send thousands of requests as one anonymous principal.
        var settings = new Dictionary<string, string?>
        {
            ["OData:Security:AllowAnonymous"] = "true",
            ["OData:Limits:RequestsPerMinute"] = "0",
            ["OData:Limits:ConcurrentRequests"] = "0",
            // One log line per request would flood the test run's output (the request-log tests run their own servers).
            ["Logging:LogLevel:OData.Virtualization.Requests"] = "Warning",
        };
        foreach (var (key, value) in _settings)
        {
            settings[key] = value;
        }

        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));

        // Which telemetry providers exist is decided while services are registered, before the configuration above
        // is applied: host settings are visible then.
        foreach (var (key, value) in settings.Where(s => s.Key.StartsWith("OData:Telemetry:", StringComparison.Ordinal)))
        {
            builder.UseSetting(key, value);
        }

        if (_log is not null)
        {
            builder.ConfigureLogging(logging => logging.AddProvider(_log));
        }

        if (_time is not null)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(_time));
        }
    }

    public override async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _client?.Dispose();
        }

        base.Dispose(disposing);
    }
}
