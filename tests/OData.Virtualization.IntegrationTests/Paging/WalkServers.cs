using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Paging;

/// <summary>
/// Servers with settings of their own on the fixture's bank database (for example larger pages), started once per
/// test class and shared by its tests.
/// </summary>
public sealed class WalkServers : IAsyncLifetime
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, IsolatedServer> _servers = new(StringComparer.Ordinal);

    /// <summary>A server on <paramref name="fixture"/>'s settings with <paramref name="settings"/> on top.</summary>
    public async Task<IsolatedServer> GetAsync(ServerFixture fixture, params (string Key, string Value)[] settings)
    {
        var name = fixture.Dialect + "|" + string.Join("|", settings.Select(s => s.Key + "=" + s.Value));
        await _lock.WaitAsync();
        try
        {
            if (!_servers.TryGetValue(name, out var server))
            {
                await using var template = await fixture.StartAnotherAsync(all =>
                {
                    // Only the bank database is walked.
                    foreach (var key in all.Keys.Where(k => k.StartsWith("OData:Sources:erp:", StringComparison.Ordinal)).ToList())
                    {
                        all.Remove(key);
                    }

                    foreach (var (key, value) in settings)
                    {
                        all[key] = value;
                    }
                });
                _servers[name] = server = IsolatedServer.Start(template.Settings);
            }

            return server;
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            await server.DisposeAsync();
        }

        _lock.Dispose();
    }
}
