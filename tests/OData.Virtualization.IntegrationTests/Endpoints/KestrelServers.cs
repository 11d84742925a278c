using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// The same host as a fixture's, but on real Kestrel and a loopback port, one per dialect for the whole run.
/// The in-memory test server has no raw request target (<c>IHttpRequestFeature.RawTarget</c> is empty), so a
/// URL such as <c>products('a%252F')</c> reaches the application already decoded once; Kestrel hands over the
/// target exactly as the client sent it, which is what real clients get. Tests of URL encoding use this.
/// </summary>
public static class KestrelServers
{
    private static readonly ConcurrentDictionary<Type, Lazy<Task<HttpClient>>> s_clients = new();

    /// <summary>A client whose base address is the Kestrel server's <c>/odata/</c> root.</summary>
    public static Task<HttpClient> GetClientAsync(ServerFixture fixture)
        => s_clients.GetOrAdd(fixture.GetType(), _ => new Lazy<Task<HttpClient>>(() => StartAsync(fixture), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private static async Task<HttpClient> StartAsync(ServerFixture fixture)
    {
        // Lives until the test process ends, like the fixtures' cluster.
        var factory = await fixture.StartAnotherAsync(_ => { });
        factory.UseKestrel(0);
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http://", StringComparison.Ordinal));
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.BaseAddress = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal).TrimEnd('/') + "/odata/");
        return client;
    }
}
