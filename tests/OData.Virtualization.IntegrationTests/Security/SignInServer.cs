using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Security;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// A server of a test's own for the sign-in limits: the erp database, two HTTP Basic users and two API keys, on real
/// Kestrel behind a "proxy" (loopback is a known network, so each request's <c>X-Forwarded-For</c> is its client
/// address), with a <see cref="FakeTimeProvider"/> as its clock. Counts the password checks (PBKDF2 runs) through the
/// server's own metric, and the most that ran at once.
/// </summary>
internal sealed class SignInServer : IAsyncDisposable
{
    public const string Path = "customers?$top=1&$select=customer_id";

    /// <summary>Users and their passwords; the hashes are computed once for the whole run (PBKDF2 is slow on purpose).</summary>
    public static readonly IReadOnlyDictionary<string, string> Passwords = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["alice"] = "alice-Passw0rd-ä",
        ["bob"] = "bob-Passw0rd-ö",
    };

    private static readonly Lazy<Dictionary<string, string>> s_hashes = new(() => Passwords.ToDictionary(p => p.Key, p => SecretHasher.HashPassword(p.Value), StringComparer.Ordinal));

    private static readonly (string Key, string Hash) s_monitorKey = SecretHasher.NewApiKey();

    private readonly InProcessServer _running;
    private readonly MeterListener _listener = new();
    private long _checks;
    private long _active;
    private long _peak;

    private SignInServer(InProcessServer running, FakeTimeProvider clock, Uri root)
    {
        _running = running;
        Clock = clock;
        Client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = root, Timeout = TimeSpan.FromSeconds(60) };
        var meters = running.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Name.StartsWith("odata.sign_in.password_checks", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "odata.sign_in.password_checks")
            {
                Interlocked.Add(ref _checks, value);
            }
            else if (instrument.Name == "odata.sign_in.password_checks.active")
            {
                var now = Interlocked.Add(ref _active, value);
                long peak;
                while (now > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
                {
                }
            }
        });
        _listener.Start();
    }

    /// <summary>The valid API key of the client <c>monitor</c>.</summary>
    public static string MonitorKey => s_monitorKey.Key;

    public FakeTimeProvider Clock { get; }

    /// <summary>A client of the server's <c>/odata/</c> root; say where a request comes from with <see cref="SendAsync"/>.</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _running.Services;

    /// <summary>Password checks (PBKDF2 runs) since the start, from the server's metric <c>odata.sign_in.password_checks</c>.</summary>
    public long PasswordChecks => Interlocked.Read(ref _checks);

    /// <summary>The most password checks that ran at once (<c>odata.sign_in.password_checks.active</c>).</summary>
    public long PeakConcurrentChecks => Interlocked.Read(ref _peak);

    /// <summary>
    /// Starts a server; <paramref name="change"/> may set <c>OData:Security:SignInLimits:*</c> and the rest. The
    /// default limits for these tests: 5 failures per address, 12 per user name, in 300 seconds.
    /// </summary>
    public static async Task<SignInServer> StartAsync(Action<Dictionary<string, string?>>? change = null)
    {
        var cluster = await PostgresCluster.GetAsync();
        var settings = InProcessServer.PostgresSettings("erp", cluster.ConnectionString("erp"));
        settings["OData:Sources:erp:Publish:0"] = "public.*";
        settings["OData:Security:AllowAnonymous"] = "false";
        foreach (var (user, hash) in s_hashes.Value)
        {
            settings[$"OData:Security:Users:{user}:PasswordHash"] = hash;
        }

        settings["OData:Security:ApiKeys:monitor:KeyHash"] = s_monitorKey.Hash;
        settings["OData:Security:ApiKeys:other:KeyHash"] = SecretHasher.NewApiKey().Hash;
        settings["OData:Transport:KnownNetworks:0"] = "127.0.0.0/8";
        settings["OData:Transport:KnownNetworks:1"] = "::1/128";
        settings["OData:Security:SignInLimits:FailuresPerAddress"] = "5";
        settings["OData:Security:SignInLimits:FailuresPerUser"] = "12";
        settings["OData:Security:SignInLimits:WindowSeconds"] = "300";
        change?.Invoke(settings);

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var running = new InProcessServer(settings, clock);
        var root = new Uri(running.StartKestrel().ToString().Replace("localhost", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/odata/");
        return new SignInServer(running, clock, root);
    }

    public static AuthenticationHeaderValue Basic(string user, string password)
        => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    /// <summary>GET <see cref="Path"/> as the client at <paramref name="from"/>, with HTTP Basic credentials.</summary>
    public Task<(HttpResponseMessage Response, string Body)> BasicAsync(string from, string user, string password)
        => SendAsync(from, request => request.Headers.Authorization = Basic(user, password));

    /// <summary>GET <see cref="Path"/> as the client at <paramref name="from"/>, with an API key.</summary>
    public Task<(HttpResponseMessage Response, string Body)> ApiKeyAsync(string from, string key)
        => SendAsync(from, request => request.Headers.TryAddWithoutValidation("X-API-Key", key));

    public async Task<(HttpResponseMessage Response, string Body)> SendAsync(string from, Action<HttpRequestMessage> credentials, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Path);
        request.Headers.Add("X-Forwarded-For", from);
        credentials(request);
        var response = await Client.SendAsync(request, cancellationToken);
        return (response, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        Client.Dispose();
        await _running.DisposeAsync();
    }
}
