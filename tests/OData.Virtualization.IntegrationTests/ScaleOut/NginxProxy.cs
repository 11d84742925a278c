using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.ScaleOut;

/// <summary>
/// Debian's nginx as a load balancer in front of several instances: a round-robin upstream, no caching, the
/// <c>X-Forwarded-*</c> headers a TLS-terminating proxy sends, and the answering instance in <c>X-Upstream</c>.
/// Runs in the foreground as the current user with everything (configuration, pid, logs, temp files) in a folder of
/// its own, on a free loopback port; stopped and removed when disposed. <c>docs/deploy.md</c> shows the same
/// configuration as the bare-metal example.
/// </summary>
public sealed class NginxProxy : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/nginx";

    /// <summary>The response header that names the instance that answered (nginx's <c>$upstream_addr</c>).</summary>
    public const string UpstreamHeader = "X-Upstream";

    private readonly Process _process;
    private readonly string _prefix;
    private readonly OutputTail _tail = new(40);
    private readonly EventHandler _stopAtExit;

    private NginxProxy(Process process, string prefix, int port)
    {
        _process = process;
        _prefix = prefix;
        Port = port;
        _stopAtExit = (_, _) => LocalProcess.KillTree(_process);
        AppDomain.CurrentDomain.ProcessExit += _stopAtExit;
    }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:port/</c>: where clients reach the service.</summary>
    public Uri Root => new("http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture) + "/");

    private string ConfigurationFile => Path.Combine(_prefix, "nginx.conf");

    /// <summary>Starts nginx in front of <paramref name="upstreams"/> (<c>host:port</c> each) and waits until it proxies <c>/health/live</c>.</summary>
    public static async Task<NginxProxy> StartAsync(IReadOnlyList<string> upstreams)
    {
        Assert.True(
            File.Exists(Executable),
            $"{Executable} is missing: the scale-out test runs two instances behind a real nginx. Install it with 'apt-get install -y nginx' (test.sh and CI's .ci/run install it); the test starts it itself on a free loopback port, as the current user, and stops it.");

        // A free port can be taken by someone else between our probe and nginx's bind: try a few.
        var failures = new StringBuilder();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var proxy = Launch(upstreams, LocalProcess.FreePort());
            var outcome = await proxy.WaitProxyingAsync(TimeSpan.FromSeconds(30));
            if (outcome is null)
            {
                return proxy;
            }

            failures.AppendLine(CultureInfo.InvariantCulture, $"attempt {attempt}: {outcome}");
            await proxy.DisposeAsync();
        }

        throw new InvalidOperationException($"nginx did not start:\n{failures}");
    }

    /// <summary>
    /// The configuration: <paramref name="prefix"/> holds the pid file, the access log and the temp folders (the
    /// package's defaults under /var are root's); <paramref name="runAsRoot"/> keeps the workers as root instead of
    /// nobody, who could not enter a private temp folder.
    /// </summary>
    public static string Configuration(string prefix, int port, IReadOnlyList<string> upstreams, bool runAsRoot)
    {
        var servers = string.Concat(upstreams.Select(u => $"        server {u};\n"));
        var user = runAsRoot ? "user root root;\n" : string.Empty;
        return $$"""
            # Two (or more) OData Virtualization instances behind one nginx: round robin, no caching, no affinity.
            daemon off;
            {{user}}worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log stderr warn;

            events {
                worker_connections 256;
            }

            http {
                access_log {{prefix}}/access.log;
                client_body_temp_path {{prefix}}/client_body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;

                upstream odata_instances {
            {{servers}}        keepalive 16;
                }

                server {
                    listen 127.0.0.1:{{port}};

                    location / {
                        proxy_pass http://odata_instances;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        # The instances build links from these (OData:Transport:KnownProxies must list this proxy).
                        # $http_host keeps the port the client used; nginx sends "Host: odata_instances" upstream.
                        proxy_set_header X-Forwarded-Proto $scheme;
                        proxy_set_header X-Forwarded-Host $http_host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_read_timeout 180s;
                        add_header {{UpstreamHeader}} $upstream_addr always;
                    }
                }
            }

            """;
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= _stopAtExit;
        if (!_process.HasExited)
        {
            // "-s stop" sends SIGTERM to the master through the pid file: it stops its worker too.
            await StopBySignalAsync();
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            LocalProcess.KillTree(_process);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_prefix, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temp folder: leave it when something still holds it.
        }
    }

    public string Tail() => _tail.ToString();

    private static NginxProxy Launch(IReadOnlyList<string> upstreams, int port)
    {
        var prefix = Directory.CreateTempSubdirectory("odata-virtualization-nginx-").FullName;
        var runAsRoot = Environment.UserName == "root";
        File.WriteAllText(Path.Combine(prefix, "nginx.conf"), Configuration(prefix, port, upstreams, runAsRoot));
        var start = new ProcessStartInfo(Executable, ["-p", prefix + "/", "-c", Path.Combine(prefix, "nginx.conf"), "-e", "stderr"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = prefix,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start.");
        var proxy = new NginxProxy(process, prefix, port);
        process.OutputDataReceived += (_, e) => proxy._tail.Add(e.Data);
        process.ErrorDataReceived += (_, e) => proxy._tail.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return proxy;
    }

    /// <summary>Null when nginx proxies <c>/health/live</c> with 200; otherwise why not.</summary>
    private async Task<string?> WaitProxyingAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var started = Stopwatch.StartNew();
        string last = "no answer";
        while (started.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync();
                return $"nginx exited with code {_process.ExitCode}: {Tail()}";
            }

            try
            {
                using var response = await client.GetAsync(new Uri(Root, "health/live"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return null;
                }

                last = $"GET /health/live answered {(int)response.StatusCode}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.Message;
            }

            await Task.Delay(100);
        }

        return $"nginx did not proxy /health/live within {timeout.TotalSeconds:0} s ({last}): {Tail()}";
    }

    private async Task StopBySignalAsync()
    {
        try
        {
            var stop = new ProcessStartInfo(Executable, ["-p", _prefix + "/", "-c", ConfigurationFile, "-e", "stderr", "-s", "stop"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var signal = Process.Start(stop);
            if (signal is not null)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await signal.WaitForExitAsync(timeout.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // The kill below still stops it.
        }
    }
}
