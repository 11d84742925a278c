using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OData.Virtualization.Hosting;
using OData.Virtualization.Sources;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>
/// A running server and its client, one per dialect, shared by the tests of a collection; and the servers on its
/// settings that some tests share too (on real Kestrel, with other settings), each started on first use.
/// </summary>
public abstract class ServerFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _sharedLock = new(1, 1);
    private readonly Dictionary<string, InProcessServer> _shared = new(StringComparer.Ordinal);
    private InProcessServer? _server;

    public abstract string Dialect { get; }

    public HttpClient Client => _server!.Client;

    public IServiceProvider Services => _server!.Services;

    /// <summary>Where the tests can read the same rows directly (the oracle's source): an ADO.NET connection string.</summary>
    public string ErpConnectionString { get; protected set; } = string.Empty;

    public string BankConnectionString { get; protected set; } = string.Empty;

    public async Task InitializeAsync()
    {
        _server = InProcessServer.Start(await CreateSettingsAsync());
        await OnStartedAsync();
    }

    protected virtual Task OnStartedAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _shared.Values)
        {
            await server.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _sharedLock.Dispose();
    }

    protected abstract Task<Dictionary<string, string?>> CreateSettingsAsync();

    /// <summary>Another server of the caller's own, on this fixture's settings changed by <paramref name="change"/> (for configuration and error tests).</summary>
    public async Task<InProcessServer> StartAnotherAsync(Action<Dictionary<string, string?>> change, TimeProvider? time = null, ILoggerProvider? log = null)
    {
        var settings = await CreateSettingsAsync();
        change(settings);
        return new InProcessServer(settings, time, log);
    }

    /// <summary>
    /// The same host as <see cref="Client"/>'s, but on real Kestrel and a loopback port, shared like the fixture.
    /// The in-memory test server has no raw request target (<c>IHttpRequestFeature.RawTarget</c> is empty), so a
    /// URL such as <c>products('a%252F')</c> reaches the application already decoded once; Kestrel hands over the
    /// target exactly as the client sent it, which is what real clients get. Browsers and npm clients need a socket too.
    /// </summary>
    public Task<InProcessServer> KestrelAsync() => SharedAsync("kestrel", _ => { }, kestrel: true);

    /// <summary>
    /// A server on this fixture's settings changed by <paramref name="change"/>, started when <paramref name="name"/> is
    /// first asked for and shared by every test that asks for that name (for example larger pages); stopped with the fixture.
    /// </summary>
    public async Task<InProcessServer> SharedAsync(string name, Action<Dictionary<string, string?>> change, bool kestrel = false)
    {
        await _sharedLock.WaitAsync();
        try
        {
            if (!_shared.TryGetValue(name, out var server))
            {
                server = await StartAnotherAsync(change);
                if (kestrel)
                {
                    server.StartKestrel();
                }
                else
                {
                    server.StartServer();
                }

                _shared[name] = server;
            }

            return server;
        }
        finally
        {
            _sharedLock.Release();
        }
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
        return SeedSettings(cluster);
    }

    /// <summary>The sources <c>erp</c> and <c>bank</c> over the seed databases of <paramref name="cluster"/>, as this fixture publishes them.</summary>
    public static Dictionary<string, string?> SeedSettings(ClusterInfo cluster) => new()
    {
        ["OData:Sources:erp:Provider"] = "PostgreSQL",
        ["OData:Sources:erp:ConnectionString"] = cluster.ConnectionString("erp"),
        ["OData:Sources:erp:Publish:0"] = "*.*",
        ["OData:Sources:erp:Publish:1"] = "!*.audit_log",
        ["OData:Sources:erp:EntitySets:sales.order_summaries:Key:0"] = "order_id",
        ["OData:Sources:bank:Provider"] = "PostgreSQL",
        ["OData:Sources:bank:ConnectionString"] = cluster.ConnectionString("bank"),
        ["OData:Sources:bank:EntitySets:core.account_overview:Key:0"] = "iban",
    };
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
