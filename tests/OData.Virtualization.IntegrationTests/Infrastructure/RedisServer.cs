using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway <c>redis-server</c> on a free loopback port, without persistence, for the tests of several
/// instances sharing one cache. Killed when disposed; <see cref="KillAsync"/> and <see cref="RestartAsync"/> make an
/// outage (the process gone, its port refusing connections) and end it on the same port.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/redis-server";

    private Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string of this server.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false";

    public static async Task<RedisServer> StartAsync()
    {
        Assert.True(
            File.Exists(Executable),
            $"{Executable} is missing: the shared-cache tests need a real Redis. Install it with 'apt-get install -y redis-server' (CI's .ci/run installs it); the tests start it themselves on a free port.");
        var port = LocalProcess.FreePort();
        var server = new RedisServer(Launch(port), port);
        await server.WaitForPingAsync();
        return server;
    }

    /// <summary>Kills redis-server (SIGKILL: no goodbye to its clients) and waits until it has gone.</summary>
    public Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5_000);
        }

        return Task.CompletedTask;
    }

    /// <summary>Starts redis-server again on the same port (empty: nothing persisted) once <see cref="KillAsync"/> ended it.</summary>
    public async Task RestartAsync()
    {
        Assert.True(_process.HasExited, "RestartAsync is for a killed redis-server.");
        _process.Dispose();
        _process = Launch(Port);
        await WaitForPingAsync();
    }

    private static Process Launch(int port)
    {
        var start = new ProcessStartInfo(Executable, ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitForPingAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (!await PingAsync())
        {
            if (_process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                await DisposeAsync();
                throw new InvalidOperationException($"redis-server did not answer PING on port {Port} within 10 s.");
            }

            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5_000);
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("PING\r\n"));
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
