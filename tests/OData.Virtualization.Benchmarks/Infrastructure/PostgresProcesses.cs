using System.Globalization;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.Benchmarks.Infrastructure;

/// <summary>The cluster's postmaster and its children (backends, background workers): their CPU time together.</summary>
internal sealed class PostgresProcesses(int postmaster)
{
    public static async Task<PostgresProcesses> FindAsync(ClusterInfo cluster, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("postgres"));
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SHOW data_directory", connection);
        var dataDirectory = (string)(await command.ExecuteScalarAsync(ct))!;
        var pid = (await File.ReadAllLinesAsync(Path.Combine(dataDirectory, "postmaster.pid"), ct))[0];
        return new PostgresProcesses(int.Parse(pid, CultureInfo.InvariantCulture));
    }

    /// <summary>User and system time of the postmaster, of its live children, and of the children it has reaped.</summary>
    public TimeSpan CpuTime()
    {
        long ticks = 0;
        var parent = postmaster.ToString(CultureInfo.InvariantCulture);
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid) || ProcStat.Fields(pid) is not { } fields)
            {
                continue;
            }

            if (pid == postmaster)
            {
                ticks += ProcStat.Ticks(fields, ProcStat.UserTime, ProcStat.SystemTime, ProcStat.ChildrenUserTime, ProcStat.ChildrenSystemTime);
            }
            else if (fields[ProcStat.ParentId] == parent)
            {
                ticks += ProcStat.Ticks(fields, ProcStat.UserTime, ProcStat.SystemTime);
            }
        }

        return ProcStat.Time(ticks);
    }
}
