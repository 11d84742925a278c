using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.IntegrationTests.Endpoints;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Browser;

/// <summary>Server roots (where the explorer page is) on real Kestrel, which a browser can reach.</summary>
public static class KestrelHost
{
    /// <summary>The root of the fixture's shared Kestrel server (<see cref="KestrelServers"/>), without <c>odata/</c>.</summary>
    public static async Task<(Uri Root, HttpClient OData)> SharedAsync(ServerFixture fixture)
    {
        var client = await KestrelServers.GetClientAsync(fixture);
        return (new Uri(client.BaseAddress!, "/"), client);
    }

    /// <summary>Starts a server of its own with changed settings on a loopback port; dispose the factory to stop it.</summary>
    public static async Task<(ServerFactory Factory, Uri Root)> StartAsync(ServerFixture fixture, Action<Dictionary<string, string?>> change)
    {
        var factory = await fixture.StartAnotherAsync(change);
        factory.UseKestrel(0);
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http://", StringComparison.Ordinal));
        return (factory, new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal).TrimEnd('/') + "/"));
    }
}
