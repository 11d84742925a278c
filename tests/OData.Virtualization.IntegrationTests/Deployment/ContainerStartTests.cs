using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Deployment;

/// <summary>
/// The container image's start, without Docker (there is none on these machines, nor in CI): the server run with exactly
/// the environment the image gives it — the base image's (<c>mcr.microsoft.com/dotnet/aspnet</c> sets
/// <c>ASPNETCORE_HTTP_PORTS=8080</c>), then the Dockerfile's own <c>ENV</c> lines, read from the Dockerfile so that the
/// two cannot drift — on a free port instead of 8080, which another process on the machine may hold. It must start
/// without ASP.NET Core's "Overriding HTTP_PORTS … Binding to values defined by URLS instead" (two port mechanisms at
/// once) or any other warning, and answer on that port.
/// </summary>
public sealed partial class ContainerStartTests
{
    /// <summary>What the base image's own <c>ENV</c> sets that the server reads (the runtime image of .NET 8 and later).</summary>
    private static readonly Dictionary<string, string> s_baseImage = new(StringComparer.Ordinal)
    {
        ["ASPNETCORE_HTTP_PORTS"] = "8080",
        ["DOTNET_RUNNING_IN_CONTAINER"] = "true",
    };

    [Fact]
    public async Task TheImagesEnvironment_StartsWithoutThePortOverrideWarning_AndAnswersOnItsPort()
    {
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(PostgresCluster.RepositoryRoot(), "Dockerfile"));
        var exposed = Assert.Single(Expose().Matches(RuntimeStage(dockerfile))).Groups[1].Value;
        var environment = new Dictionary<string, string>(s_baseImage, StringComparer.Ordinal);
        foreach (var (name, value) in EnvironmentOf(RuntimeStage(dockerfile)))
        {
            environment[name] = value;
        }

        Assert.True(environment.Values.Any(v => v.Contains(exposed, StringComparison.Ordinal)), $"Nothing in the image's environment names the port it exposes ({exposed}).");
        var (output, answered) = await StartAsync(environment, exposed);
        Assert.Equal(HttpStatusCode.OK, answered);
        Assert.DoesNotContain("Overriding", output, StringComparison.Ordinal);

        // No other warning either, but one: in a container ASP.NET Core warns that Data Protection's key folder is not a
        // mounted volume. The server protects nothing with those keys (no cookies, no antiforgery); that warning is
        // known (docs/deploy.md) and left for an issue of its own.
        var warnings = Warning().Matches(output).Select(m => m.Value).ToList();
        Assert.True(warnings.All(w => w.Contains("Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository[60]", StringComparison.Ordinal)), "Warnings at start:\n" + output);
    }

    /// <summary>The check above sees the warning when it is there: the image's old environment, URLS on top of HTTP_PORTS.</summary>
    [Fact]
    public async Task UrlsOnTopOfHttpPorts_LogsTheOverrideWarning()
    {
        var environment = new Dictionary<string, string>(s_baseImage, StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = "http://+:8080",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        var (output, answered) = await StartAsync(environment, "8080");
        Assert.Equal(HttpStatusCode.OK, answered);
        Assert.Contains("Overriding HTTP_PORTS", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs the server with <paramref name="environment"/>, its <paramref name="imagePort"/> moved to a free port in every
    /// value that names it, until it has started; returns its output and what <c>/health/live</c> answered on that port.
    /// </summary>
    private static async Task<(string Output, HttpStatusCode Answered)> StartAsync(Dictionary<string, string> environment, string imagePort)
    {
        var port = LocalProcess.FreePort();
        var moved = environment.ToDictionary(e => e.Key, e => e.Value.Replace(imagePort, port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), StringComparer.Ordinal);
        var data = Directory.CreateTempSubdirectory("odv-container-");
        try
        {
            // The demo's files go where the image puts them (under the temp folder), a folder of the test's own here.
            moved["OData__DemoDataDirectory"] = data.FullName;
            await using var server = ServerProcess.Start("the image's server", moved, port: port);
            await server.WaitForLineAsync(l => l.Contains("Application started", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            using var response = await client.GetAsync(new Uri(server.Root, "health/live"));

            // A warning written just after the start would be missed without a moment's wait for the console's queue.
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            return (server.Output, response.StatusCode);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    /// <summary>The Dockerfile from its last <c>FROM</c> on: the stage the container runs.</summary>
    private static string RuntimeStage(string dockerfile)
    {
        var last = dockerfile.LastIndexOf("\nFROM ", StringComparison.Ordinal);
        Assert.True(last >= 0, "The Dockerfile has no FROM line.");
        return dockerfile[last..];
    }

    /// <summary>The <c>NAME=value</c> pairs of every <c>ENV</c> instruction (continuation lines joined, comments dropped).</summary>
    private static IEnumerable<(string Name, string Value)> EnvironmentOf(string stage)
    {
        var joined = Continuation().Replace(string.Join('\n', stage.Split('\n').Where(l => !l.TrimStart().StartsWith('#'))), " ");
        foreach (var line in joined.Split('\n').Where(l => l.StartsWith("ENV ", StringComparison.Ordinal)))
        {
            var pairs = Pair().Matches(line[4..]);
            Assert.True(pairs.Count > 0 && Pair().Replace(line[4..], string.Empty).Trim().Length == 0, $"An ENV line this test cannot read (use NAME=value pairs): {line}");
            foreach (Match pair in pairs)
            {
                yield return (pair.Groups[1].Value, pair.Groups[2].Value.Trim('"'));
            }
        }
    }

    [GeneratedRegex(@"\\\s*\n\s*")]
    private static partial Regex Continuation();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=(""[^""]*""|\S+)")]
    private static partial Regex Pair();

    [GeneratedRegex(@"(?m)^EXPOSE\s+(\d+)")]
    private static partial Regex Expose();

    [GeneratedRegex(@"(?m)^(warn|fail|crit): .*$")]
    private static partial Regex Warning();
}
