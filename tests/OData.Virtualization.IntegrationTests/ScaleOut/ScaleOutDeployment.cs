using System.Diagnostics;
using System.Security.Cryptography;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.ScaleOut;

/// <summary>
/// A small production deployment on loopback: two server instances in their own processes, configured as
/// <c>docs/deploy.md</c> says (the same PostgreSQL source, Redis, <c>SkipTokenKey</c> and cache encryption key;
/// the proxy trusted for <c>X-Forwarded-*</c>), behind a real nginx. Fails, saying what to install, when nginx or
/// redis-server is missing; stops every process it started.
/// </summary>
public sealed class ScaleOutDeployment : IAsyncLifetime
{
    /// <summary>Generous for a slow 2-core machine where other test processes run at the same time.</summary>
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromMinutes(3);

    private readonly List<ServerProcess> _instances = [];
    private RedisServer? _redis;
    private NginxProxy? _proxy;

    public IReadOnlyList<ServerProcess> Instances => _instances;

    public NginxProxy Proxy => _proxy!;

    /// <summary>A client of the proxy; its base address is the service root <c>http://127.0.0.1:&lt;proxy port&gt;/odata/</c>.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>A client with no base address, to reach the instances directly.</summary>
    public HttpClient Direct { get; private set; } = null!;

    /// <summary>An administrator's API key, sent by <see cref="Direct"/> (the instances' counters need one).</summary>
    public static readonly string OperatorKey = SecretHasher.NewApiKey().Key;

    public string BankConnectionString { get; private set; } = string.Empty;

    /// <summary>How long the deployment took to start (both instances ready, nginx proxying), for the test output.</summary>
    public TimeSpan StartTime { get; private set; }

    public async Task InitializeAsync()
    {
        // Checked before anything starts, so that the message is the first thing a failed run shows.
        Assert.True(File.Exists(NginxProxy.Executable), $"{NginxProxy.Executable} is missing: the scale-out test puts two server instances behind a real nginx. Install it with 'apt-get install -y nginx' (test.sh and CI's .ci/run install it).");
        Assert.True(File.Exists(RedisServer.Executable), $"{RedisServer.Executable} is missing: the scale-out test's instances share a real Redis. Install it with 'apt-get install -y redis-server' (test.sh and CI's .ci/run install it).");

        var started = Stopwatch.StartNew();
        try
        {
            BankConnectionString = (await PostgresCluster.GetAsync()).ConnectionString("bank");
            _redis = await RedisServer.StartAsync();
            var environment = InstanceEnvironment(BankConnectionString, _redis.Configuration);
            _instances.Add(ServerProcess.Start("instance 1", environment));
            _instances.Add(ServerProcess.Start("instance 2", environment));
            Direct = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            Direct.DefaultRequestHeaders.Add("X-API-Key", OperatorKey);
            await Task.WhenAll(_instances.Select(i => i.WaitReadyAsync("health/ready", s_startTimeout)));
            _proxy = await NginxProxy.StartAsync([.. _instances.Select(i => i.Address)]);
            Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
            {
                BaseAddress = new Uri(_proxy.Root, "odata/"),
                Timeout = TimeSpan.FromSeconds(120),
            };
            StartTime = started.Elapsed;
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync fails: leave nothing running.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        Direct?.Dispose();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
            _proxy = null;
        }

        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        _instances.Clear();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
            _redis = null;
        }
    }

    /// <summary>What each instance reads from its environment: the same for both, as in a Kubernetes Deployment.</summary>
    private static Dictionary<string, string> InstanceEnvironment(string bank, string redis) => new()
    {
        ["OData__Sources__bank__Provider"] = "PostgreSQL",
        ["OData__Sources__bank__ConnectionString"] = bank,
        // Shared by every instance: any instance continues any link and opens any Redis entry.
        ["OData__Paging__SkipTokenKey"] = "scale-out-test-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["OData__Cache__Redis"] = redis,
        ["OData__Cache__EncryptionKeys__0"] = "k1:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        // Long enough that nothing expires during the test on a slow machine.
        ["OData__Cache__DefaultTtlSeconds"] = "300",
        // nginx connects from loopback: trust its X-Forwarded-Proto/-Host/-For.
        ["OData__Transport__KnownProxies__0"] = "127.0.0.1",
        ["OData__Security__AllowAnonymous"] = "true",
        // The operator's key: GET /status/cache needs an administrator (the counters show other users' activity).
        ["OData__Security__ApiKeys__operator__KeyHash"] = SecretHasher.HashApiKey(OperatorKey),
        ["OData__Security__ApiKeys__operator__Roles__0"] = "odata-admin",
        ["Logging__LogLevel__Default"] = "Warning",
        ["DOTNET_NOLOGO"] = "1",
    };
}
