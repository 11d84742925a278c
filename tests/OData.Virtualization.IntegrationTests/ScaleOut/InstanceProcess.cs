using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.ScaleOut;

/// <summary>
/// One server instance in its own process, as a deployment runs it: <c>dotnet OData.Virtualization.Server.dll
/// --urls http://127.0.0.1:port</c>, configured only by environment variables, in the Production environment.
/// Killed (with anything it started) when disposed, and at the latest when the test host exits.
/// </summary>
public sealed class InstanceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly OutputTail _tail = new(60);
    private readonly EventHandler _killAtExit;

    private InstanceProcess(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Port = port;
        _killAtExit = (_, _) => LocalProcess.KillTree(_process);
        AppDomain.CurrentDomain.ProcessExit += _killAtExit;
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>The address as nginx reports it in <c>$upstream_addr</c>: <c>127.0.0.1:port</c>.</summary>
    public string Address => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>http://127.0.0.1:port/</c>, to reach this instance directly (not through the proxy).</summary>
    public Uri Root => new("http://" + Address + "/");

    public static InstanceProcess Start(string name, IReadOnlyDictionary<string, string> environment)
    {
        Assert.True(File.Exists(LocalProcess.ServerDll), $"{LocalProcess.ServerDll} is missing: the integration tests reference the server project, so building them copies it there.");
        var port = LocalProcess.FreePort();
        var start = LocalProcess.Server("--urls", "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture));
        LocalProcess.ClearServerConfiguration(start);

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name} ({LocalProcess.ServerDll}).");
        var instance = new InstanceProcess(name, process, port);
        process.OutputDataReceived += (_, e) => instance._tail.Add(e.Data);
        process.ErrorDataReceived += (_, e) => instance._tail.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return instance;
    }

    /// <summary>Polls <c>/health/ready</c> on the instance itself until it answers 200, the process exits, or the time is up.</summary>
    public async Task WaitReadyAsync(HttpClient client, TimeSpan timeout)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready. Its last output:\n{Tail()}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(Root, "health/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but busy starting (a slow machine): ask again.
            }

            if (started.Elapsed > timeout)
            {
                throw new TimeoutException($"{Name} did not answer 200 on {Root}health/ready within {timeout.TotalSeconds:0} s. Its last output:\n{Tail()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The last lines the process wrote (stdout and stderr), for failure messages.</summary>
    public string Tail() => _tail.ToString();

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= _killAtExit;
        LocalProcess.KillTree(_process);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Killed; the kernel reaps it with us at the latest.
        }

        _process.Dispose();
    }
}
