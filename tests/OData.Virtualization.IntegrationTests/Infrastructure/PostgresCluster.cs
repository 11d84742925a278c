using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>
/// A real PostgreSQL server with the seed databases <c>erp</c> and <c>bank</c> loaded, shared by every test in
/// the run. Either the server in <c>ODATA_TEST_POSTGRES</c> (a connection string for a role that may create
/// databases), or a throwaway cluster started here with initdb/pg_ctl and removed when the run ends.
/// </summary>
public static class PostgresCluster
{
    public const string EnvironmentVariable = "ODATA_TEST_POSTGRES";

    private static readonly Lazy<Task<ClusterInfo>> s_cluster = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    public static Task<ClusterInfo> GetAsync() => s_cluster.Value;

    private static async Task<ClusterInfo> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        NpgsqlConnectionStringBuilder admin;
        if (!string.IsNullOrWhiteSpace(external))
        {
            admin = new NpgsqlConnectionStringBuilder(external);
        }
        else
        {
            admin = await StartThrowawayClusterAsync();
        }

        await LoadSeedAsync(admin);
        return new ClusterInfo(admin);
    }

    private static async Task<NpgsqlConnectionStringBuilder> StartThrowawayClusterAsync()
    {
        var bin = FindPostgresBin() ?? throw new InvalidOperationException(
            "PostgreSQL is needed for the integration tests and was not found under /usr/lib/postgresql/*/bin. " +
            $"Install it (apt-get install -y postgresql-15) or set {EnvironmentVariable} to a connection string of a server where the tests may create databases.");
        RemoveAbandonedClusters();
        var root = Path.Combine(Path.GetTempPath(), ClusterPrefix + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            // PostgreSQL refuses to run as root: the cluster belongs to the postgres OS user.
            await RunAsync("chown", $"postgres:postgres {root}");
            await RunAsync("chmod", $"755 {root}");
        }

        var port = LocalProcess.FreePort();
        await RunPgAsync(asRoot, Path.Combine(bin, "initdb"), $"-D {root}/data -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync");
        await RunPgAsync(asRoot, Path.Combine(bin, "pg_ctl"),
            $"-D {root}/data -l {root}/server.log -w -t 60 -o \"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start");

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                RunPgAsync(asRoot, Path.Combine(bin, "pg_ctl"), $"-D {root}/data -m immediate -w stop").GetAwaiter().GetResult();
                Directory.Delete(root, recursive: true);
            }
            catch (Exception)
            {
                // Best effort at exit: the next run uses a new folder and port.
            }
        };

        return new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres", Pooling = false };
    }

    private const string ClusterPrefix = "odata-virtualization-pg-";

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

    private static Task RunPgAsync(bool asRoot, string program, string arguments)
        => asRoot ? RunAsync("runuser", $"-u postgres -- {program} {arguments}") : RunAsync(program, arguments);

    private static async Task RunAsync(string program, string arguments)
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
