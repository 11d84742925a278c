using System.Runtime.InteropServices;

namespace OData.Virtualization.Benchmarks.Infrastructure;

/// <summary>The machine the numbers come from.</summary>
internal sealed record MachineInfo(int Cores, string CpuModel, string Memory, string Runtime, string Os, string Npgsql)
{
    public static MachineInfo Collect()
    {
        var cpu = ReadField("/proc/cpuinfo", "model name") ?? "unknown";
        var memory = ReadField("/proc/meminfo", "MemTotal") is { } total && long.TryParse(total.Split(' ')[0], out var kb)
            ? $"{kb / 1024.0 / 1024.0:0.0} GiB"
            : "unknown";
        return new MachineInfo(
            Environment.ProcessorCount,
            cpu,
            memory,
            RuntimeInformation.FrameworkDescription,
            RuntimeInformation.OSDescription,
            typeof(Npgsql.NpgsqlConnection).Assembly.GetName().Version?.ToString(3) ?? "?");
    }

    /// <summary>The 1-, 5- and 15-minute load averages: how busy the machine was with other work.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary><c>git rev-parse --short HEAD</c> in the checkout (read-only), or "unknown".</summary>
    public static async Task<string> CommitAsync(string repository, CancellationToken ct)
    {
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("git", ["-C", repository, "rev-parse", "--short", "HEAD"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var git = System.Diagnostics.Process.Start(start)!;
            var output = await git.StandardOutput.ReadToEndAsync(ct);
            await git.WaitForExitAsync(ct);
            return git.ExitCode == 0 ? output.Trim() : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    private static string? ReadField(string file, string name)
    {
        try
        {
            return File.ReadLines(file)
                .Where(l => l.StartsWith(name, StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
