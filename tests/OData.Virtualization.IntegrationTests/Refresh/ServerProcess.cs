using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Refresh;

/// <summary>
/// The real server executable (<c>dotnet OData.Virtualization.Server.dll --config file</c>) on a loopback port of its own:
/// what an operator runs, for what only a process shows — the <c>--config</c> file reloading, SIGTERM and draining.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServerProcess(Process process, Uri root)
    {
        _process = process;
        Root = root;
    }

    /// <summary>The server root (<c>http://127.0.0.1:port/</c>).</summary>
    public Uri Root { get; private set; }

    /// <summary>Standard output and error so far.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static async Task<ServerProcess> StartAsync(string configFile)
    {
        var start = LocalProcess.Server("--urls", "http://127.0.0.1:0", "--config", configFile);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Information";

        var process = Process.Start(start)!;
        var server = new ServerProcess(process, new Uri("http://127.0.0.1/"));
        var serving = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => server.Read(e.Data, serving);
        process.ErrorDataReceived += (_, e) => server.Read(e.Data, serving);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = await Task.WhenAny(serving.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (started != serving.Task)
        {
            await server.DisposeAsync();
            Assert.Fail("The server did not start: " + server.Output);
        }

        server.Root = await serving.Task;
        return server;
    }

    /// <summary>A client of its own (its own connections), based at the server root.</summary>
    public HttpClient NewClient() => new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(1) }) { BaseAddress = Root, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Sends SIGTERM, as a container runtime or systemd does to stop the server.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Read(string? line, TaskCompletionSource<Uri> serving)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (Serving().Match(line) is { Success: true } match)
        {
            serving.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"OData Virtualization is serving (http://[^/]+/)odata/")]
    private static partial Regex Serving();
}
