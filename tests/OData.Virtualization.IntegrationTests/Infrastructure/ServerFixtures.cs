using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.Hosting;
using OData.Virtualization.Sources;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>The real host (<c>Program</c>) on a test server, configured by <see cref="Settings"/>.</summary>
public class ServerFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    public IReadOnlyDictionary<string, string?> Settings { get; } = settings;

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
        foreach (var (key, value) in Settings)
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
    }
}

/// <summary>A running server and its client; one per dialect, shared by the tests of a collection.</summary>
public abstract class ServerFixture : IAsyncLifetime
{
    private ServerFactory? _factory;

    public abstract string Dialect { get; }

    public HttpClient Client { get; private set; } = null!;

    public IServiceProvider Services => _factory!.Services;

    /// <summary>Where the tests can read the same rows directly (the oracle's source): an ADO.NET connection string.</summary>
    public string ErpConnectionString { get; protected set; } = string.Empty;

    public string BankConnectionString { get; protected set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var settings = await CreateSettingsAsync();
        _factory = new ServerFactory(settings);
        Client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("http://localhost/odata/") });
        await OnStartedAsync();
    }

    protected virtual Task OnStartedAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
    }

    protected abstract Task<Dictionary<string, string?>> CreateSettingsAsync();

    /// <summary>Starts another server with extra settings (for configuration and error tests).</summary>
    public async Task<ServerFactory> StartAnotherAsync(Action<Dictionary<string, string?>> change)
    {
        var settings = await CreateSettingsAsync();
        change(settings);
        return new ServerFactory(settings);
    }
}

/// <summary>The seed databases in a real PostgreSQL.</summary>
public sealed class PostgresFixture : ServerFixture
{
    public override string Dialect => "PostgreSQL";

    protected override async Task<Dictionary<string, string?>> CreateSettingsAsync()
    {
        var cluster = await PostgresCluster.GetAsync();
        ErpConnectionString = cluster.ConnectionString("erp");
        BankConnectionString = cluster.ConnectionString("bank");
        return new Dictionary<string, string?>
        {
            ["OData:Sources:erp:Provider"] = "PostgreSQL",
            ["OData:Sources:erp:ConnectionString"] = ErpConnectionString,
            ["OData:Sources:erp:Publish:0"] = "*.*",
            ["OData:Sources:erp:Publish:1"] = "!*.audit_log",
            ["OData:Sources:erp:EntitySets:sales.order_summaries:Key:0"] = "order_id",
            ["OData:Sources:bank:Provider"] = "PostgreSQL",
            ["OData:Sources:bank:ConnectionString"] = BankConnectionString,
            ["OData:Sources:bank:EntitySets:core.account_overview:Key:0"] = "iban",
        };
    }
}

/// <summary>The embedded SQLite demo, exactly as a first run serves it.</summary>
public sealed class SqliteFixture : ServerFixture
{
    private static readonly string s_directory = Path.Combine(Path.GetTempPath(), "odata-virtualization-tests-demo");

    public override string Dialect => "Sqlite";

    protected override Task<Dictionary<string, string?>> CreateSettingsAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["OData:DemoDataDirectory"] = s_directory,
        };
        return Task.FromResult(settings);
    }

    protected override Task OnStartedAsync()
    {
        var sources = Services.GetRequiredService<ModelHost>().Sources.OfType<SqliteDataSource>().ToDictionary(s => s.Name);
        ErpConnectionString = "Data Source=" + sources["erp"].DataSourcePath + ";Mode=ReadOnly";
        BankConnectionString = "Data Source=" + sources["bank"].DataSourcePath + ";Mode=ReadOnly";
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL";
}

[CollectionDefinition(Name)]
public sealed class SqliteCollection : ICollectionFixture<SqliteFixture>
{
    public const string Name = "Sqlite";
}
