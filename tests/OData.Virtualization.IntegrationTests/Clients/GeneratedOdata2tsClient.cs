using System.Collections.Concurrent;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Clients;

/// <summary>
/// A client service that odata2ts generated from the <c>$metadata</c> of a fixture's Kestrel server, in a temporary
/// folder (like <see cref="GeneratedSapClient"/>: generated code stays out of the repository): generated once per
/// fixture (10–15 s) and removed when the test process ends.
/// </summary>
public sealed record GeneratedOdata2tsClient(string ServiceRoot, string Directory, double GeneratorSeconds)
{
    private const string FolderPrefix = "odata-virtualization-odata2ts-client-";

    private static readonly ConcurrentDictionary<Type, Lazy<Task<GeneratedOdata2tsClient>>> s_clients = new();

    public static Task<GeneratedOdata2tsClient> GetAsync(ServerFixture fixture)
        => s_clients.GetOrAdd(fixture.GetType(), _ => new Lazy<Task<GeneratedOdata2tsClient>>(() => GenerateAsync(fixture), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>Runs <c>odata2ts-navigate.mjs</c> on this client with <paramref name="spec"/> (JSON).</summary>
    public Task<JsonElement> NavigateAsync(string spec)
        => NodeScripts.RunAsync("odata2ts-navigate.mjs", [ServiceRoot, Directory, spec], TimeSpan.FromSeconds(60));

    private static async Task<GeneratedOdata2tsClient> GenerateAsync(ServerFixture fixture)
    {
        var root = (await fixture.KestrelAsync()).Client.BaseAddress!.ToString();
        GeneratedSapClient.RemoveAbandonedClients(FolderPrefix);
        var output = Path.Combine(Path.GetTempPath(), $"{FolderPrefix}{Environment.ProcessId}-{fixture.Dialect}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => GeneratedSapClient.Remove(output);

        var result = await NodeScripts.RunAsync("odata2ts-generate.mjs", [root, output], TimeSpan.FromSeconds(180));
        return new GeneratedOdata2tsClient(root, result.GetProperty("directory").GetString()!, result.GetProperty("seconds").GetDouble());
    }
}
