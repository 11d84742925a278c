using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>
/// What the tests (and the benchmark, which links this file) need for the ports and processes they start on this
/// machine: a free loopback port, the <c>dotnet</c> host, and a way to stop a process tree that may be gone already.
/// <see cref="ServerProcess"/> starts the server with them.
/// </summary>
public static class LocalProcess
{
    /// <summary>A loopback port nobody listens on right now (the OS picks it).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The <c>dotnet</c> host that runs this process (the CLI tells its children where it is), or the one next to this runtime.</summary>
    public static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var candidate = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        return File.Exists(candidate) ? candidate : "dotnet";
    }

    /// <summary>The server's build output, copied next to the test (or benchmark) assembly by the project reference.</summary>
    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "OData.Virtualization.Server.dll");

    /// <summary>How to run <c>dotnet <paramref name="dll"/></c> with <paramref name="arguments"/>, in the dll's folder, output redirected.</summary>
    public static ProcessStartInfo Dotnet(string dll, params IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>
    /// Removes the inherited variables that would reconfigure a server (sources, URLs, log levels, environment name,
    /// telemetry): it runs with only what the caller sets.
    /// </summary>
    public static void ClearServerConfiguration(ProcessStartInfo start)
    {
        string[] prefixes = ["OData__", "ASPNETCORE_", "Logging__", "Kestrel__", "OTEL_"];
        foreach (var key in start.Environment.Keys.ToList())
        {
            if (prefixes.Any(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase)) || key.Equals("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(key);
            }
        }
    }

    /// <summary>Kills the process and its children, if it still runs.</summary>
    public static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}

/// <summary>The last lines a process wrote (stdout and stderr), for failure messages.</summary>
public sealed class OutputTail(int capacity)
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Keeps <paramref name="line"/> (null, the end of a stream, is ignored), dropping the oldest beyond the capacity.</summary>
    public void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        while (_lines.Count > capacity)
        {
            _lines.TryDequeue(out _);
        }
    }

    public override string ToString() => string.Join('\n', _lines);
}
