using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Clients;

/// <summary>
/// Runs the scripts in <c>tests/clients</c> (OData clients from npm) with Node.js and reads the JSON result each prints
/// as its last line. The packages come from <c>npm ci --prefix tests/clients</c>; without them a test fails saying so.
/// </summary>
public static class NodeScripts
{
    public const string InstallCommand = "npm ci --prefix tests/clients";

    public static string Folder { get; } = Path.Combine(PostgresCluster.RepositoryRoot(), "tests", "clients");

    public static async Task<JsonElement> RunAsync(string script, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        AssertInstalled();
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Folder,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine(Folder, script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The SAP Cloud SDK's HTTP client honours proxy variables: requests to the loopback server never take a proxy.
        start.Environment["NO_PROXY"] = start.Environment["no_proxy"] = "127.0.0.1,localhost,::1";
        var command = "node " + script + " " + string.Join(" ", arguments.Select(a => "'" + a + "'"));

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception ex)
        {
            Assert.Fail($"Node.js was not found ({ex.Message}). Install Node.js 20 and npm (Debian: apt-get install -y nodejs npm), then run `{InstallCommand}` from the repository root.");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                Assert.Fail($"{command} did not finish within {timeout.TotalSeconds:0} s.\nstderr: {await stderr}\nstdout: {Tail(await stdout)}");
            }

            var output = await stdout;
            var errors = await stderr;
            Assert.True(process.ExitCode == 0, $"{command} failed (exit code {process.ExitCode}):\n{errors}\nstdout: {Tail(output)}");
            var result = output.Split('\n').LastOrDefault(l => l.StartsWith('{'))
                ?? throw new InvalidOperationException($"{command} printed no JSON result.\nstdout: {Tail(output)}\nstderr: {errors}");
            return JsonDocument.Parse(result).RootElement.Clone();
        }
    }

    private static void AssertInstalled()
    {
        foreach (var package in new[] { "odata", "@sap-cloud-sdk/generator", "@sap-cloud-sdk/odata-v4", "@odata2ts/odata2ts", "@odata2ts/odata-service", "@odata2ts/http-client-fetch" })
        {
            Assert.True(
                File.Exists(Path.Combine(Folder, "node_modules", package, "package.json")),
                $"The npm packages of the client tests are not installed ({package} is missing under {Folder}/node_modules). Run `{InstallCommand}` from the repository root (test.sh does).");
        }
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "…" + text[^4000..];
}
