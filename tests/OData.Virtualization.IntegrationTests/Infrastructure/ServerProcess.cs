using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>
/// A server executable in a process of its own, as an operator runs it: <c>dotnet OData.Virtualization.Server.dll
/// --urls http://127.0.0.1:port</c> (or another program, such as the benchmark's baseline server), in the Production
/// environment, configured by arguments and environment variables only: none of the configuration this process would
/// pass on (<see cref="LocalProcess.ClearServerConfiguration"/>). The one way the tests and the benchmark (which links
/// this file) start a server out of process, for what only a process shows: the <c>--config</c> file reloading, SIGTERM
/// and draining, exit codes, the console log, several instances behind a proxy, CPU time and memory.
/// <see cref="InProcessServer"/> is the other way. Killed, with anything it started, when disposed, and at the latest
/// when this process exits.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly EventHandler _killAtExit;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Port = port;
        _killAtExit = (_, _) => LocalProcess.KillTree(_process);
        AppDomain.CurrentDomain.ProcessExit += _killAtExit;
    }

    /// <summary>What the process is called in failure messages ("instance 1", "the baseline").</summary>
    public string Name { get; }

    public int Id => _process.Id;

    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>, as nginx reports it in <c>$upstream_addr</c>.</summary>
    public string Address => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>http://127.0.0.1:port/</c>.</summary>
    public Uri Root => new("http://" + Address + "/");

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Every line written to standard output and standard error so far, in the order they arrived.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>All the output so far, one line after another.</summary>
    public string Output => string.Join('\n', Lines);

    /// <summary>
    /// Starts <paramref name="dll"/> (the server, copied next to the test or benchmark assembly, unless given) with
    /// <paramref name="arguments"/> and <c>--urls http://127.0.0.1:port</c> on a free port, and
    /// <paramref name="environment"/> (<c>OData__Sources__erp__Provider</c>, <c>Logging__LogLevel__Default</c>, …).
    /// Given a <paramref name="port"/>, no <c>--urls</c> is added: the environment says where the server listens (as a
    /// container image's <c>ASPNETCORE_HTTP_PORTS</c> does), and <see cref="Root"/> names that port.
    /// Returns at once: wait with <see cref="WaitReadyAsync"/>, <see cref="WaitForLineAsync"/> or <see cref="WaitForExitAsync"/>.
    /// </summary>
    public static ServerProcess Start(string name, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? arguments = null, string? dll = null, int? port = null)
    {
        dll ??= LocalProcess.ServerDll;
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: the project references the server project, so building it copies the server there.");
        }

        var listen = port ?? LocalProcess.FreePort();
        var start = LocalProcess.Dotnet(dll, port is null ? [.. arguments ?? [], "--urls", "http://127.0.0.1:" + listen.ToString(CultureInfo.InvariantCulture)] : [.. arguments ?? []]);
        LocalProcess.ClearServerConfiguration(start);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new ServerProcess(name, process, listen);
        process.OutputDataReceived += (_, e) => server.Add(e.Data);
        process.ErrorDataReceived += (_, e) => server.Add(e.Data);
        process.Exited += (_, _) => server.Signal();
        try
        {
            process.Start();
        }
        catch
        {
            AppDomain.CurrentDomain.ProcessExit -= server._killAtExit;
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>
    /// Polls <paramref name="probe"/> (under <see cref="Root"/>) until it answers 200, with <paramref name="client"/> if
    /// the probe needs its credentials; fails if the process exits or the time is up.
    /// </summary>
    public async Task WaitReadyAsync(string probe, TimeSpan timeout, HttpClient? client = null, CancellationToken cancellationToken = default)
    {
        using var own = client is null ? new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan } : null;
        client ??= own!;
        var started = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready. Its last output:\n{Tail()}");
            }

            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var left = timeout - started.Elapsed;
                attempt.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
                try
                {
                    using var response = await client.GetAsync(new Uri(Root, probe), attempt.Token);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Listening but busy starting (a slow machine): the deadline below decides.
                }
            }

            if (started.Elapsed > timeout)
            {
                throw new TimeoutException($"{Name} did not answer 200 on {Root}{probe} within {timeout.TotalSeconds:0} s. Its last output:\n{Tail()}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>
    /// The first line from position <paramref name="from"/> on (see <see cref="Lines"/>) that <paramref name="match"/>
    /// accepts, waiting for it; fails if the process exits first or the time is up.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, int from = 0, CancellationToken cancellationToken = default)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            await foreach (var line in ReadLinesAsync(from, wait.Token))
            {
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Name} did not write the line waited for within {timeout.TotalSeconds:0} s. Its last output:\n{Tail()}");
        }

        throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it wrote the line waited for. Its output:\n{Output}");
    }

    /// <summary>The lines from position <paramref name="from"/> on, as they arrive, until the process has exited and they are all read.</summary>
    public async IAsyncEnumerable<string> ReadLinesAsync(int from = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var next = from;
        while (true)
        {
            string? line = null;
            Task changed;
            bool exited;
            lock (_lines)
            {
                if (next < _lines.Count)
                {
                    line = _lines[next++];
                }

                changed = _changed.Task;
                exited = _process.HasExited;
            }

            if (line is not null)
            {
                yield return line;
                continue;
            }

            if (exited)
            {
                // Exited with everything read: WaitForExit also waits for the end of both streams.
                await _process.WaitForExitAsync(cancellationToken);
                bool more;
                lock (_lines)
                {
                    more = next < _lines.Count;
                }

                if (!more)
                {
                    yield break;
                }

                continue;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Waits for the process to exit by itself: false if it still runs after <paramref name="timeout"/>.</summary>
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

    /// <summary>Sends SIGTERM, as a container runtime or systemd does to stop the server.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    /// <summary>A client of its own (its own connections), based at <see cref="Root"/>.</summary>
    public HttpClient NewClient()
        => new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(1) }) { BaseAddress = Root, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>The last lines the process wrote, for failure messages.</summary>
    public string Tail(int count = 60) => string.Join('\n', Lines.TakeLast(count));

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= _killAtExit;
        LocalProcess.KillTree(_process);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
        {
            // Killed; the kernel reaps it with us at the latest.
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }

        Signal();
    }

    private void Signal()
    {
        TaskCompletionSource changed;
        lock (_lines)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
