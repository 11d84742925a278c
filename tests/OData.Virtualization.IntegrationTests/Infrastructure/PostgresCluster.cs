using System.Diagnostics;
using Npgsql;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster: initdb/pg_ctl (as the postgres OS user when running as root) on a free loopback
/// port, in a folder of its own; it can be stopped and started again, and is removed when disposed. <see cref="GetAsync"/>
/// is the one every test shares, with the seed databases <c>erp</c> and <c>bank</c> loaded: either the server in
/// <c>ODATA_TEST_POSTGRES</c> (a connection string for a role that may create databases), or such a cluster, started
/// once and removed when the run ends. <see cref="StartAsync"/> starts one of the caller's own, for a test that stops
/// its source (the shared cluster must stay up for everyone else).
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    public const string EnvironmentVariable = "ODATA_TEST_POSTGRES";

    private const string ClusterPrefix = "odata-virtualization-pg-";

    private static readonly Lazy<Task<ClusterInfo>> s_shared = new(StartSharedAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int s_cleanedUp;

    private readonly string _bin;
    private readonly string _root;
    private readonly bool _asRoot;
    private string _serverOptions = string.Empty;

    private PostgresCluster(string bin, string root, bool asRoot, int port)
    {
        _bin = bin;
        _root = root;
        _asRoot = asRoot;
        Port = port;
        Info = new ClusterInfo(new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres", Pooling = false });
    }

    public int Port { get; }

    /// <summary>Where this cluster is (its superuser <c>postgres</c>, trusted on loopback).</summary>
    public ClusterInfo Info { get; }

    /// <summary>The shared server with the seed databases, started (or connected to) on first use.</summary>
    public static Task<ClusterInfo> GetAsync() => s_shared.Value;

    /// <summary>A connection string to <paramref name="database"/> (pooled, as a server would use it).</summary>
    public string ConnectionString(string database) => Info.ConnectionString(database);

    /// <summary>Starts a cluster of the caller's own; dispose it to stop it and remove its folder.</summary>
    /// <param name="serverOptions">More server settings, as <c>-c name=value</c> options (for example <c>-c wal_level=logical</c>).</param>
    public static async Task<PostgresCluster> StartAsync(string serverOptions = "")
    {
        var bin = FindPostgresBin() ?? throw new InvalidOperationException(
            "PostgreSQL (initdb and pg_ctl under /usr/lib/postgresql/*/bin) is needed for the integration tests and was not found. " +
            $"Install it (apt-get install -y postgresql-15). {EnvironmentVariable}, a connection string of a server where the tests may " +
            "create databases, stands in for the shared cluster, not for the clusters the outage tests stop and start.");
        if (Interlocked.Exchange(ref s_cleanedUp, 1) == 0)
        {
            RemoveAbandonedClusters();
        }

        var root = Path.Combine(Path.GetTempPath(), ClusterPrefix + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var asRoot = Environment.UserName == "root";
        var cluster = new PostgresCluster(bin, root, asRoot, LocalProcess.FreePort()) { _serverOptions = serverOptions };
        try
        {
            if (asRoot)
            {
                // PostgreSQL refuses to run as root: the cluster belongs to the postgres OS user.
                await RunAsync("chown", $"postgres:postgres {root}");
                await RunAsync("chmod", $"755 {root}");
            }

            await cluster.RunPgAsync("initdb", $"-D {root}/data -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync");
            await cluster.StartAgainAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the (stopped) cluster again, on its port.</summary>
    public Task StartAgainAsync()
        => RunPgAsync("pg_ctl", $"-D {_root}/data -l {_root}/server.log -w -t 60 -o \"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off {_serverOptions}\" start");

    /// <summary>Stops the cluster (fast shutdown: open sessions are terminated, as in a real outage).</summary>
    public Task StopAsync() => RunPgAsync("pg_ctl", $"-D {_root}/data -m fast -w -t 60 stop");

    /// <summary>Runs <paramref name="sql"/> in <paramref name="database"/> on a connection of its own.</summary>
    public async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString(database)) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunPgAsync("pg_ctl", $"-D {_root}/data -m immediate -w stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped, or never started.
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the next run uses a new folder (and removes this one once it is abandoned).
        }
    }

    private static async Task<ClusterInfo> StartSharedAsync()
    {
        NpgsqlConnectionStringBuilder admin;
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { } external && !string.IsNullOrWhiteSpace(external))
        {
            admin = new NpgsqlConnectionStringBuilder(external);
        }
        else
        {
            var cluster = await StartAsync();
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try
                {
                    cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
                catch (Exception)
                {
                    // Best effort at exit: the next run uses a new folder and port.
                }
            };
            admin = cluster.Info.Admin;
        }

        await LoadSeedAsync(admin);
        return new ClusterInfo(admin);
    }

    /// <summary>
    /// Deletes the folders of earlier runs' clusters whose server is no longer running: the clean-up at exit does not
    /// always get to run (a test host killed at the end of a run), and each folder holds ~600 MB — 137 of them filled
    /// a development machine's disk. Only folders older than ten minutes, so that a run starting next to this one
    /// (initdb still working, no postmaster.pid yet) keeps its own.
    /// </summary>
    private static void RemoveAbandonedClusters()
    {
        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), ClusterPrefix + "*"))
        {
            try
            {
                if (Directory.GetLastWriteTimeUtc(folder) > DateTime.UtcNow.AddMinutes(-10) || ServerRunsIn(folder))
                {
                    continue;
                }

                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not ours to remove (another user's), or busy: leave it.
            }
        }

        static bool ServerRunsIn(string folder)
        {
            var pidFile = Path.Combine(folder, "data", "postmaster.pid");
            if (!File.Exists(pidFile))
            {
                return false;
            }

            var first = File.ReadLines(pidFile).FirstOrDefault();
            return int.TryParse(first, out var pid) && Directory.Exists("/proc/" + pid);
        }
    }

    private static async Task LoadSeedAsync(NpgsqlConnectionStringBuilder admin)
    {
        var seed = Path.Combine(RepositoryRoot(), "seed-data", "postgres");
        foreach (var database in new[] { "erp", "bank" })
        {
            await using (var connection = new NpgsqlConnection(admin.ConnectionString))
            {
                await connection.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {database} TEMPLATE template0 ENCODING 'UTF8'", connection);
                await create.ExecuteNonQueryAsync();
            }

            var target = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = database, CommandTimeout = 600 };
            await using var load = new NpgsqlConnection(target.ConnectionString);
            await load.OpenAsync();
            await using var command = new NpgsqlCommand(await File.ReadAllTextAsync(Path.Combine(seed, database + ".sql")), load) { CommandTimeout = 600 };
            await command.ExecuteNonQueryAsync();
        }
    }

    public static string RepositoryRoot()
    {
        // Above the test binaries, or (with --artifacts-path outside the checkout) above this source file.
        return FindAbove(AppContext.BaseDirectory) ?? FindAbove(SourceDirectory())
            ?? throw new InvalidOperationException("Run the tests from a checkout: OData.Virtualization.sln was not found above " + AppContext.BaseDirectory);

        static string? FindAbove(string? start)
        {
            var directory = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OData.Virtualization.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName;
        }

        static string? SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path);
    }

    private static string? FindPostgresBin()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")))
            .OrderByDescending(d => d, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private Task RunPgAsync(string program, string arguments)
    {
        var path = Path.Combine(_bin, program);
        return _asRoot ? RunAsync("runuser", $"-u postgres -- {path} {arguments}") : RunAsync(path, arguments);
    }

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/> through the shell, within 2 minutes; a non-zero exit throws with its output.</summary>
    internal static async Task RunAsync(string program, string arguments)
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", program + " " + arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{program} {arguments}' failed ({process.ExitCode}): {await error} {await output}");
        }
    }
}

/// <summary>Where the test PostgreSQL server is.</summary>
public sealed record ClusterInfo(NpgsqlConnectionStringBuilder Admin)
{
    public string ConnectionString(string database)
        => new NpgsqlConnectionStringBuilder(Admin.ConnectionString) { Database = database, Pooling = true }.ConnectionString;
}
