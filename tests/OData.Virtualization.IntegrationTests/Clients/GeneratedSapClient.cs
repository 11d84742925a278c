using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Clients;

/// <summary>
/// A typed client that the SAP Cloud SDK generator made from the <c>$metadata</c> of a fixture's Kestrel server, in a
/// temporary folder: generated once per fixture (it takes 10–15 s) and removed when the test process ends.
/// </summary>
public sealed record GeneratedSapClient(string ServiceRoot, string Directory, IReadOnlyList<string> EntitySets, double GeneratorSeconds, TimeSpan Elapsed)
{
    private static readonly ConcurrentDictionary<Type, Lazy<Task<GeneratedSapClient>>> s_clients = new();

    public static Task<GeneratedSapClient> GetAsync(ServerFixture fixture)
        => s_clients.GetOrAdd(fixture.GetType(), _ => new Lazy<Task<GeneratedSapClient>>(() => GenerateAsync(fixture), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>Runs <c>sap-query.mjs</c> on this client: <paramref name="operation"/> with <paramref name="spec"/> serialized as JSON.</summary>
    public Task<JsonElement> QueryAsync(string operation, object spec)
        => NodeScripts.RunAsync("sap-query.mjs", [ServiceRoot, Directory, operation, JsonSerializer.Serialize(spec)], TimeSpan.FromSeconds(60));

    private static async Task<GeneratedSapClient> GenerateAsync(ServerFixture fixture)
    {
        var server = (await fixture.KestrelAsync()).Client;
        var root = server.BaseAddress!.ToString();
        RemoveAbandonedClients();
        var output = Path.Combine(Path.GetTempPath(), $"{FolderPrefix}{Environment.ProcessId}-{fixture.Dialect}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Remove(output);

        var watch = Stopwatch.StartNew();
        var result = await NodeScripts.RunAsync("sap-generate.mjs", [root, output], TimeSpan.FromSeconds(180));
        var sets = result.GetProperty("entitySets").EnumerateArray().Select(e => e.GetString()!).ToList();
        return new GeneratedSapClient(root, result.GetProperty("directory").GetString()!, sets, result.GetProperty("seconds").GetDouble(), watch.Elapsed);
    }

    private const string FolderPrefix = "odata-virtualization-sap-client-";

    private static void RemoveAbandonedClients() => RemoveAbandonedClients(FolderPrefix);

    /// <summary>Clients of earlier test processes that ended without their clean-up at exit (a test host is often killed).</summary>
    internal static void RemoveAbandonedClients(string folderPrefix)
    {
        foreach (var folder in System.IO.Directory.GetDirectories(Path.GetTempPath(), folderPrefix + "*"))
        {
            var pid = Path.GetFileName(folder)[folderPrefix.Length..].Split('-')[0];
            if (!System.IO.Directory.Exists("/proc/" + pid))
            {
                Remove(folder);
            }
        }
    }

    internal static void Remove(string folder)
    {
        try
        {
            // The link to tests/clients/node_modules goes first, on its own: nothing may delete through it.
            var link = new FileInfo(Path.Combine(folder, "node_modules"));
            if (link.LinkTarget is not null)
            {
                link.Delete();
            }

            System.IO.Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: another run's folder, or busy.
        }
    }
}
