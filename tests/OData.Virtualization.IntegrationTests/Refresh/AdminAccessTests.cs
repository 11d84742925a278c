using System.Net;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Refresh;

/// <summary>
/// The administration endpoints answer only authenticated principals in an administrator role: anonymous callers get a
/// 401 even where anonymous reading is allowed, a wrong password a 401, a principal without the role a 403, and a
/// browser page of another site a 403. Nothing refreshes or changes for a refused call.
/// </summary>
public sealed class AdminAccessTests : IAsyncLifetime
{
    private static readonly (HttpMethod Method, string Path)[] s_endpoints =
    [
        (HttpMethod.Post, "admin/refresh"),
        (HttpMethod.Get, "admin/model/changes"),
        (HttpMethod.Post, "admin/model/accept"),
        (HttpMethod.Get, "admin/model/lock"),
    ];

    private ScratchDatabase _database = null!;
    private RefreshServer _server = null!;

    public async Task InitializeAsync()
    {
        _database = await ScratchDatabase.CreateAsync("refresh_admin", "CREATE TABLE items (id integer PRIMARY KEY, name text);");
        _server = await RefreshServer.StartAsync(_database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Anonymous_IsRefused_EvenWhereAnonymousReadingIsAllowed()
    {
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync("items")).StatusCode);
        foreach (var (method, path) in s_endpoints)
        {
            using var response = await SendAsync(method, path, authorization: null);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}: {(int)response.StatusCode}");
            Assert.Contains(response.Headers.WwwAuthenticate, c => c.Scheme == "Basic");
        }
    }

    [Fact]
    public async Task WrongPassword_IsRefused()
    {
        using var response = await SendAsync(HttpMethod.Post, "admin/refresh", RefreshServer.Basic("ops", "not-the-password"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AuthenticatedWithoutTheAdminRole_IsForbidden_AndNothingIsRefreshed()
    {
        var refreshes = _server.Models.History.Count;
        foreach (var (method, path) in s_endpoints)
        {
            using var response = await SendAsync(method, path, RefreshServer.Basic("reader", RefreshServer.ReaderPassword));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {(int)response.StatusCode} {body}");
            Assert.Contains("'basic:reader' is not an administrator", body, StringComparison.Ordinal);
        }

        Assert.Equal(refreshes, _server.Models.History.Count);
    }

    [Fact]
    public async Task Administrator_IsServed()
    {
        using var refresh = await SendAsync(HttpMethod.Post, "admin/refresh", RefreshServer.Basic("ops", RefreshServer.AdminPassword));
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        using var changes = await SendAsync(HttpMethod.Get, "admin/model/changes", RefreshServer.Basic("ops", RefreshServer.AdminPassword));
        Assert.Equal(HttpStatusCode.OK, changes.StatusCode);
        using var lockFile = await SendAsync(HttpMethod.Get, "admin/model/lock", RefreshServer.Basic("ops", RefreshServer.AdminPassword));
        Assert.Contains("\"name\": \"items\"", await lockFile.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // No lock configured: nothing to accept.
        using var accept = await SendAsync(HttpMethod.Post, "admin/model/accept", RefreshServer.Basic("ops", RefreshServer.AdminPassword));
        Assert.Equal(HttpStatusCode.Conflict, accept.StatusCode);
    }

    [Fact]
    public async Task Administrator_FromAnotherSitesPage_IsForbidden()
    {
        using var response = await SendAsync(HttpMethod.Post, "admin/refresh", RefreshServer.Basic("ops", RefreshServer.AdminPassword), ("Origin", "https://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, System.Net.Http.Headers.AuthenticationHeaderValue? authorization, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, "/" + path);
        request.Headers.Authorization = authorization;
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _server.Client.SendAsync(request);
    }
}
