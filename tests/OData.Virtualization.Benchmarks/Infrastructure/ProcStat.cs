using System.Globalization;

namespace OData.Virtualization.Benchmarks.Infrastructure;

/// <summary>CPU times from <c>/proc/&lt;pid&gt;/stat</c>, for the servers and for PostgreSQL's processes.</summary>
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
}
