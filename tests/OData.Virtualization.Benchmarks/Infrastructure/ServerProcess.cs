using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.Benchmarks.Infrastructure;

/// <summary>A server in its own process (<c>dotnet some.dll --urls …</c>), with its output and its memory counters.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly ConcurrentQueue<string> _tail = new();

    private ServerProcess(string name, Process process, Uri root)
    {
        Name = name;
        _process = process;
        Root = root;
    }

    public string Name { get; }

    public int Id => _process.Id;

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri Root { get; }

    /// <summary>Every line the process writes to stdout and stderr.</summary>
    public ChannelReader<string> Lines => _lines.Reader;

    public static ServerProcess Start(string name, string dll, IReadOnlyList<string> extraArgs, IReadOnlyDictionary<string, string> environment)
    {
        var port = LocalProcess.FreePort();
        var root = new Uri($"http://127.0.0.1:{port}/");
        var start = LocalProcess.Dotnet(dll, [.. extraArgs, "--urls", root.ToString().TrimEnd('/')]);
        LocalProcess.ClearServerConfiguration(start);

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name}.");
        var server = new ServerProcess(name, process, root);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Polls <paramref name="probe"/> until it answers 200, the process exits, or the timeout passes.</summary>
    public async Task WaitReadyAsync(HttpClient client, string probe, TimeSpan timeout, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready:\n{Tail()}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(Root, probe), ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            if (started.Elapsed > timeout)
            {
                throw new TimeoutException($"{Name} was not ready after {timeout.TotalSeconds:0} s:\n{Tail()}");
            }

            await Task.Delay(100, ct);
        }
    }

    /// <summary>Resident set size now and its high-water mark (peak) since the process started, in bytes.</summary>
    public (long Rss, long Peak) Memory()
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line) * 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) * 1024;
            }
        }

        return (rss, peak);

        static long Kilobytes(string line)
            => long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// CPU time (user + system) the process has used so far, from <c>/proc/&lt;pid&gt;/stat</c> (10 ms resolution:
    /// compare over hundreds of requests).
    /// </summary>
    public TimeSpan CpuTime()
        => ProcStat.Time(ProcStat.Ticks(ProcStat.Fields(Id) ?? throw new InvalidOperationException($"{Name} has exited."), ProcStat.UserTime, ProcStat.SystemTime));

    public string Tail() => string.Join('\n', _tail);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // already gone, or will be reaped with us
        }

        _lines.Writer.TryComplete();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Writer.TryWrite(line);
        _tail.Enqueue(line);
        while (_tail.Count > 40)
        {
            _tail.TryDequeue(out _);
        }
    }
}
