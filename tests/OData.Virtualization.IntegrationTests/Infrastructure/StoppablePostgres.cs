using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>
/// A second, tiny PostgreSQL cluster of one test's own, which the test may stop and start again (the shared
/// cluster must stay up for everyone else). Started like <see cref="PostgresCluster"/>: initdb/pg_ctl, as the
/// postgres OS user when running as root, on a free loopback port. Removed when disposed.
/// </summary>
public sealed class StoppablePostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _root;
    private readonly bool _asRoot = Environment.UserName == "root";

    private StoppablePostgres(string bin, string root, int port)
    {
        _bin = bin;
        _root = root;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A connection string to <paramref name="database"/> (pooled, as a server would use it).</summary>
    public string ConnectionString(string database)
        => new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database }.ConnectionString;

    public static async Task<StoppablePostgres> StartAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_ctl"))).OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        Assert.True(bin is not null, "PostgreSQL (initdb/pg_ctl under /usr/lib/postgresql/*/bin) is needed to stop and restart a source: apt-get install -y postgresql-15.");
        var root = Path.Combine(Path.GetTempPath(), "odata-virtualization-pg-outage-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var cluster = new StoppablePostgres(bin!, root, LocalProcess.FreePort());
        if (cluster._asRoot)
        {
            await RunAsync("chown", $"postgres:postgres {root}");
            await RunAsync("chmod", $"755 {root}");
        }

        await cluster.RunPgAsync("initdb", $"-D {root}/data -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync");
        await cluster.StartAgainAsync();
        return cluster;
    }

    /// <summary>Starts the (stopped) cluster on its port.</summary>
    public Task StartAgainAsync()
        => RunPgAsync("pg_ctl", $"-D {_root}/data -l {_root}/server.log -w -t 60 -o \"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off\" start");

    /// <summary>Stops the cluster (fast shutdown: open sessions are terminated, as in a real outage).</summary>
    public Task StopAsync() => RunPgAsync("pg_ctl", $"-D {_root}/data -m fast -w -t 60 stop");

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
            // Already stopped.
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the next run uses a new folder.
        }
    }

    private Task RunPgAsync(string program, string arguments)
    {
        var path = Path.Combine(_bin, program);
        return _asRoot ? RunAsync("runuser", $"-u postgres -- {path} {arguments}") : RunAsync(path, arguments);
    }

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
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{program} {arguments}' failed ({process.ExitCode}): {await error} {await output}");
        }
    }
}
