using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.Caching;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>
/// A server of a test's own (its own settings, cache, counters and optionally clock), for tests that must not
/// share the fixtures' server: cache counters, a fake clock, a scratch database, a second instance.
/// </summary>
public sealed class IsolatedServer : IAsyncDisposable
{
    private readonly ServerFactory _factory;

    private IsolatedServer(ServerFactory factory, WebApplicationFactory<Program> running)
    {
        _factory = factory;
        Running = running;
        Client = running.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("http://localhost/odata/") });
    }

    public WebApplicationFactory<Program> Running { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => Running.Services;

    /// <summary>The server's cache and source counters (statements sent, hits, misses, joins, stale serves).</summary>
    public CacheStatistics Statistics => Services.GetRequiredService<CacheStatistics>();

    /// <summary>Starts the real host with <paramref name="settings"/>; with <paramref name="time"/>, that clock replaces the system clock.</summary>
    public static IsolatedServer Start(IReadOnlyDictionary<string, string?> settings, TimeProvider? time = null)
    {
        var factory = new ServerFactory(settings);
        WebApplicationFactory<Program> running = time is null
            ? factory
            : factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton(time)));
        return new IsolatedServer(factory, running);
    }

    /// <summary>Settings for a server that publishes one PostgreSQL database (anonymous, unlimited: see <see cref="ServerFactory"/>).</summary>
    public static Dictionary<string, string?> PostgresSettings(string sourceName, string connectionString) => new()
    {
        [$"OData:Sources:{sourceName}:Provider"] = "PostgreSQL",
        [$"OData:Sources:{sourceName}:ConnectionString"] = connectionString,
    };

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!ReferenceEquals(Running, _factory))
        {
            await Running.DisposeAsync();
        }

        await _factory.DisposeAsync();
    }
}
