using System.Diagnostics;
using MySqlConnector;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway MariaDB server: <c>mariadb-install-db</c> into a folder of its own and <c>mariadbd</c> on a free loopback
/// port, with a case-insensitive default collation (<c>utf8mb4_general_ci</c>, as most installations have), killed and
/// its folder removed when disposed. <see cref="GetAsync"/> is the one every test shares, started on first use and
/// removed when the run ends. The tests do not skip without MariaDB: they fail saying how to install it.
/// </summary>
public sealed class MariaDbServer : IAsyncDisposable
{
    private const string FolderPrefix = "odata-virtualization-mariadb-";

    private static readonly Lazy<Task<MariaDbServer>> s_shared = new(StartSharedAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int s_cleanedUp;

    private readonly string _root;
    private Process? _process;

    private MariaDbServer(string root, int port)
    {
        _root = root;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The shared server, started on first use.</summary>
    public static Task<MariaDbServer> GetAsync() => s_shared.Value;

    /// <summary>A pooled connection string to <paramref name="database"/> as <paramref name="user"/> (root: every privilege).</summary>
    public string ConnectionString(string database, string user = "root", string password = "")
        => new MySqlConnectionStringBuilder
        {
            Server = "127.0.0.1",
            Port = checked((uint)Port),
            UserID = user,
            Password = password,
            Database = database,
            CharacterSet = "utf8mb4",
        }.ConnectionString;

    /// <summary>Starts a server of the caller's own; dispose it to kill it and remove its folder.</summary>
    public static async Task<MariaDbServer> StartAsync()
    {
        var daemon = Which("mariadbd") ?? Which("/usr/sbin/mariadbd") ?? throw new InvalidOperationException(
            "MariaDB (mariadbd and mariadb-install-db) is needed for the MySQL/MariaDB integration tests and was not found. " +
            "Install it (apt-get install -y mariadb-server); ./test.sh and .ci/run do so when it is missing.");
        if (Interlocked.Exchange(ref s_cleanedUp, 1) == 0)
        {
            RemoveAbandonedServers();
        }

        var root = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(root, "owner.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var server = new MariaDbServer(root, LocalProcess.FreePort());
        try
        {
            var user = Environment.UserName;
            await RunAsync("mariadb-install-db", $"--no-defaults --datadir={root}/data --user={user} --auth-root-authentication-method=normal --skip-test-db");
            var arguments = string.Join(" ", new[]
            {
                "--no-defaults", $"--datadir={root}/data", $"--socket={root}/sock", $"--port={server.Port}", "--bind-address=127.0.0.1",
                $"--user={user}", "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
                "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=0", "--skip-log-bin", $"--pid-file={root}/pid",
                $"--log-error={root}/error.log",
            });

            // A watchdog beside the server stops it when this test process is gone. It does not always survive a test host
            // that is killed at the end of a run either: the next run's RemoveAbandonedServers and .ci/run's clean-up
            // stop what is left, by the pid files in the servers' own folders.
            var owner = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var script = $"{daemon} {arguments} & d=$!; while kill -0 {owner} 2>/dev/null && kill -0 $d 2>/dev/null; do sleep 1; done; kill $d 2>/dev/null; wait $d";
            var start = new ProcessStartInfo("/bin/sh", ["-c", script])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };

            server._process = Process.Start(start)!;
            server._process.OutputDataReceived += (_, _) => { };
            server._process.ErrorDataReceived += (_, _) => { };
            server._process.BeginOutputReadLine();
            server._process.BeginErrorReadLine();
            await server.WaitUntilReadyAsync();

            // No anonymous accounts: they would take a test user's sign-in from localhost.
            await server.ExecuteAsync("DELETE FROM mysql.global_priv WHERE User = ''; FLUSH PRIVILEGES;");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="sql"/> (one or more statements) as root, in <paramref name="database"/> if given.</summary>
    public async Task ExecuteAsync(string sql, string database = "")
    {
        var builder = new MySqlConnectionStringBuilder(ConnectionString(database)) { Pooling = false, DefaultCommandTimeout = 600, AllowUserVariables = true };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Kills the server and removes its folder, without waiting on anything asynchronous.</summary>
    public void Stop()
    {
        try
        {
            if (_process is { HasExited: false })
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5_000);
            }

            Directory.Delete(_root, recursive: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            // Best effort at exit: the next run removes what is left (RemoveAbandonedServers).
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            try
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await ExecuteAsync("SELECT 1");
                return;
            }
            catch (MySqlException) when (DateTime.UtcNow < deadline && _process is { HasExited: false })
            {
                await Task.Delay(200);
            }
            catch (MySqlException ex)
            {
                var log = File.Exists(Path.Combine(_root, "error.log")) ? await File.ReadAllTextAsync(Path.Combine(_root, "error.log")) : string.Empty;
                throw new InvalidOperationException($"mariadbd did not start on port {Port}: {ex.Message}{Environment.NewLine}{log}", ex);
            }
        }
    }

    private static async Task<MariaDbServer> StartSharedAsync()
    {
        var server = await StartAsync();
        // Synchronously: an asynchronous wait at process exit may never be resumed, and the server would outlive the run.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }

    /// <summary>
    /// Kills the servers of earlier runs whose test process has gone (a test host killed at the end of a run does not
    /// run its exit handlers) and removes their folders.
    /// </summary>
    private static void RemoveAbandonedServers()
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            try
            {
                if (IsRunning(Path.Combine(folder, "owner.pid")) || Directory.GetLastWriteTimeUtc(folder) > DateTime.UtcNow.AddMinutes(-1) && !File.Exists(Path.Combine(folder, "owner.pid")))
                {
                    continue;
                }

                var pidFile = Path.Combine(folder, "pid");
                if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && Directory.Exists("/proc/" + pid))
                {
                    using var server = Process.GetProcessById(pid);
                    server.Kill();
                    server.WaitForExit(5_000);
                }

                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Not ours, or busy: leave it.
            }
        }

        static bool IsRunning(string pidFile)
            => File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && Directory.Exists("/proc/" + pid);
    }

    private static string? Which(string program)
    {
        if (Path.IsPathRooted(program))
        {
            return File.Exists(program) ? program : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Concat(["/usr/sbin", "/usr/local/sbin"])
            .Select(d => Path.Combine(d, program))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Runs a command line to its end (within 2 minutes), as the PostgreSQL cluster runs its tools.</summary>
    private static Task RunAsync(string program, string arguments) => PostgresCluster.RunAsync(program, arguments);
}
