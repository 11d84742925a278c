using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.Hosting;
using OData.Virtualization.IntegrationTests.Errors;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Security;

namespace OData.Virtualization.IntegrationTests.Refresh;

/// <summary>
/// A server of a test's own over one PostgreSQL database (<c>src</c>), with two users: <c>ops</c> (role
/// <c>odata-admin</c>, may use /admin) and <c>reader</c> (no role). OData requests go anonymous (allowed, as in the
/// other suites); administration requests as <c>ops</c>. Every log line is kept.
/// </summary>
public sealed class RefreshServer : IAsyncDisposable
{
    public const string Source = "src";
    public const string AdminPassword = "ops-secret-1";
    public const string ReaderPassword = "reader-secret-1";

    private static readonly Lazy<(string Admin, string Reader)> s_hashes = new(() => (SecretHasher.HashPassword(AdminPassword), SecretHasher.HashPassword(ReaderPassword)));

    private readonly InProcessServer _server;

    private RefreshServer(InProcessServer server, LogCapture log)
    {
        _server = server;
        Log = log;
        Client = server.NewClient();
        Admin = server.NewClient(string.Empty);
        Admin.DefaultRequestHeaders.Authorization = Basic("ops", AdminPassword);
    }

    /// <summary>Anonymous, based at <c>/odata/</c>.</summary>
    public HttpClient Client { get; }

    /// <summary>As the administrator <c>ops</c>, based at the server root.</summary>
    public HttpClient Admin { get; }

    public LogCapture Log { get; }

    public IServiceProvider Services => _server.Services;

    internal ModelHost Models => Services.GetRequiredService<ModelHost>();

    /// <summary>
    /// Starts the host (discovery included) over <paramref name="connectionString"/>, and waits for the refresh the
    /// NOTIFY listener asks for once it is connected: after that, a refresh a test asks for is the only one that can
    /// publish what the test changes.
    /// </summary>
    public static async Task<RefreshServer> StartAsync(string connectionString, Action<Dictionary<string, string?>>? configure = null, LogCapture? log = null)
    {
        var server = Start(connectionString, configure, log);
        await WaitUntilAsync(() => Task.FromResult(server.Models.History.Any(r => r.Trigger.Contains("listener", StringComparison.Ordinal))), TimeSpan.FromSeconds(20), "the NOTIFY listener's first refresh");
        return server;
    }

    private static RefreshServer Start(string connectionString, Action<Dictionary<string, string?>>? configure, LogCapture? log)
    {
        var settings = InProcessServer.PostgresSettings(Source, connectionString);
        settings["OData:Security:Users:ops:PasswordHash"] = s_hashes.Value.Admin;
        settings["OData:Security:Users:ops:Roles:0"] = "odata-admin";
        settings["OData:Security:Users:reader:PasswordHash"] = s_hashes.Value.Reader;
        settings["OData:Security:Users:reader:Roles:0"] = "analyst";
        settings["OData:Refresh:DebounceMilliseconds"] = "200";
        configure?.Invoke(settings);
        log ??= new LogCapture();
        return new RefreshServer(InProcessServer.Start(settings, log: log), log);
    }

    public static AuthenticationHeaderValue Basic(string user, string password)
        => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    /// <summary>POST /admin/refresh as the administrator: the refresh report.</summary>
    public async Task<JsonElement> RefreshAsync()
    {
        using var response = await Admin.PostAsync("admin/refresh", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST /admin/refresh: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>GET /admin/model/changes as the administrator.</summary>
    public async Task<JsonElement> ChangesAsync()
    {
        using var response = await Admin.GetAsync("admin/model/changes");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /admin/model/changes: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The properties of an entity type in <c>$metadata</c> (the published model as a client syncs it).</summary>
    public async Task<List<string>> PropertiesAsync(string entityType)
    {
        var xml = XDocument.Parse(await Client.GetTextAsync("$metadata"));
        XNamespace edm = "http://docs.oasis-open.org/odata/ns/edm";
        var type = xml.Descendants(edm + "EntityType").SingleOrDefault(t => (string?)t.Attribute("Name") == entityType);
        return type is null ? [] : type.Elements(edm + "Property").Select(p => (string)p.Attribute("Name")!).ToList();
    }

    /// <summary>The whole <c>$metadata</c> document.</summary>
    public Task<string> MetadataAsync() => Client.GetTextAsync("$metadata");

    /// <summary>Polls until <paramref name="condition"/> holds (a background refresh, a listener connecting), failing after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"Waited {timeout.TotalSeconds} s for {what}.");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        await _server.DisposeAsync();
    }
}
