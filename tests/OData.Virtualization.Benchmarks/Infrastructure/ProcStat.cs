using System.Globalization;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.Benchmarks.Infrastructure;

/// <summary>CPU times from <c>/proc/&lt;pid&gt;/stat</c> and memory from <c>/proc/&lt;pid&gt;/status</c>, for the servers and for PostgreSQL's processes.</summary>
internal static class ProcStat
{
    /// <summary>USER_HZ, fixed at 100 by the Linux ABI.</summary>
    private const int ClockTicksPerSecond = 100;

    /// <summary>Field indexes in <see cref="Fields"/> (the fields from the state on, field 3 of proc(5)).</summary>
    public const int ParentId = 1, UserTime = 11, SystemTime = 12, ChildrenUserTime = 13, ChildrenSystemTime = 14;

    /// <summary>The fields after the command name (which may contain spaces); null when the process has ended.</summary>
    public static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The sum of some tick counters of <paramref name="fields"/>.</summary>
    public static long Ticks(string[] fields, params int[] indexes) => indexes.Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));

    public static TimeSpan Time(long ticks) => TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond);

    /// <summary>
    /// CPU time (user + system) <paramref name="server"/> has used so far (10 ms resolution: compare over hundreds of
    /// requests).
    /// </summary>
    public static TimeSpan CpuTime(this ServerProcess server)
        => Time(Ticks(Fields(server.Id) ?? throw new InvalidOperationException($"{server.Name} has exited."), UserTime, SystemTime));

    /// <summary>Resident set size of <paramref name="server"/> now and its high-water mark (peak) since it started, in bytes.</summary>
    public static (long Rss, long Peak) Memory(this ServerProcess server)
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{server.Id}/status"))
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
}
