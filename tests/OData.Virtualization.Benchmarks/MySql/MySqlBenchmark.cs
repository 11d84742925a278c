using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MySqlConnector;
using OData.Virtualization.Benchmarks.Infrastructure;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.Benchmarks.MySql;

/// <summary>
/// The MySQL rows (<c>--only mysql-point,mysql-page50,mysql-page800,mysql-first,mysql-last</c>): a throwaway MariaDB with
/// <c>seed-data/mysql/bank.sql</c> (20,000 transactions, default collation <c>utf8mb4_general_ci</c>), our server in its
/// own process, and the same answers written by hand over direct SQL on the same MariaDB (<see cref="MySqlBaselineServer"/>),
/// requested in turn (interleaved) after a warm-up; the medians and their ratio.
/// </summary>
internal static class MySqlBenchmark
{
    private const string Prefix = "mysql-";

    private static readonly string[] s_ids = ["mysql-point", "mysql-page50", "mysql-page800", "mysql-first", "mysql-last"];

    /// <summary>The MySQL scenarios named by <c>--only</c>, or null when it names none.</summary>
    public static IReadOnlyList<string>? Requested(string[] args)
    {
        var at = Array.IndexOf(args, "--only");
        if (at < 0 || at + 1 >= args.Length)
        {
            return null;
        }

        var ids = args[at + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!ids.Any(id => id.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            return null;
        }

        var unknown = ids.Where(id => !s_ids.Contains(id, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"--only: the MySQL rows run alone; unknown '{string.Join("', '", unknown)}'. Known: {string.Join(",", s_ids)}.");
        }

        return ids;
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> ids, string[] args)
    {
        var rounds = 3_000;
        var budget = TimeSpan.FromSeconds(args.Contains("--quick") ? 5 : 25);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(12));
        var ct = cancel.Token;
        var clock = Stopwatch.StartNew();
        Progress(clock, "MariaDB: starting a throwaway server and loading seed-data/mysql/bank.sql");
        await using var maria = await MariaDbServer.StartAsync();
        await maria.ExecuteAsync("CREATE DATABASE bank CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;");
        await maria.ExecuteAsync(await File.ReadAllTextAsync(Path.Combine(PostgresCluster.RepositoryRoot(), "seed-data", "mysql", "bank.sql"), ct), "bank");
        await maria.ExecuteAsync("CREATE USER bench_reader@'127.0.0.1' IDENTIFIED BY 'bench-Read-1'; GRANT SELECT ON bank.* TO bench_reader@'127.0.0.1';");
        var reader = maria.ConnectionString("bank", "bench_reader", "bench-Read-1");
        var version = await ScalarAsync(maria.ConnectionString("bank"), "SELECT VERSION()");

        using var client = BenchmarkRun.CreateClient();
        using var walker = BenchmarkRun.CreateClient();
        walker.DefaultRequestHeaders.Add("Prefer", "odata.maxpagesize=100");
        var benchmarkDll = Path.Combine(AppContext.BaseDirectory, "OData.Virtualization.Benchmarks.dll");
        Progress(clock, "Starting our server and the direct-SQL server (separate processes, loopback Kestrel)");
        await using var ours = ServerProcess.Start("our server (MariaDB)", OurEnvironment(reader));
        await using var direct = ServerProcess.Start("direct SQL (MariaDB)", new Dictionary<string, string>(), ["--mysql-baseline-server", reader], benchmarkDll);
        await ours.WaitReadyAsync("odata/", TimeSpan.FromSeconds(90), client, ct);
        await direct.WaitReadyAsync(MySqlBaselineServer.ReadyPath.TrimStart('/'), TimeSpan.FromSeconds(60), client, ct);

        // The last page of a walk: the nextLink after row 19,900, resolved once (the link is signed).
        var beforeLast = await GetJsonAsync(walker, new Uri(ours.Root, "odata/transactions?$skip=19800"), ct);
        var lastLink = new Uri(beforeLast.GetProperty("@odata.nextLink").GetString()!);
        var scenarios = new Dictionary<string, (string Name, HttpClient Client, Uri Ours, Uri Direct, double? Target)>(StringComparer.Ordinal)
        {
            ["mysql-point"] = ("Point read by key", client, new Uri(ours.Root, "odata/transactions(10000)"), new Uri(direct.Root, "mysql/point/10000"), 1.5),
            ["mysql-page50"] = ("Filtered 50-row page with $count (a quarter of 2024, indexed)", client, new Uri(ours.Root, "odata/transactions?$filter=booked_at ge 2024-01-01T00:00:00Z and booked_at lt 2024-04-01T00:00:00Z&$top=50&$count=true"), new Uri(direct.Root, "mysql/page50"), 1.3),
            ["mysql-page800"] = ("800-row page", client, new Uri(ours.Root, "odata/transactions?$top=800"), new Uri(direct.Root, "mysql/page800"), 1.3),
            ["mysql-first"] = ("nextLink walk: first 100-row page", walker, new Uri(ours.Root, "odata/transactions"), new Uri(direct.Root, "mysql/after/0/100"), null),
            ["mysql-last"] = ("nextLink walk: last 100-row page (after row 19,900)", walker, lastLink, new Uri(direct.Root, "mysql/after/19900/100"), null),
        };

        Progress(clock, "Checking that the direct SQL answers with our rows");
        foreach (var id in ids)
        {
            var (_, c, o, d, _) = scenarios[id];
            var (ourKeys, directKeys) = (Keys(await GetJsonAsync(c, o, ct)), Keys(await GetJsonAsync(c, d, ct)));
            if (!ourKeys.SequenceEqual(directKeys) || ourKeys.Count == 0)
            {
                throw new InvalidOperationException($"{id}: the direct SQL answers {directKeys.Count} rows, ours {ourKeys.Count}, not the same: comparing speed would mean nothing.");
            }
        }

        var lines = new List<string>
        {
            $"MariaDB {version}, seed-data/mysql/bank.sql (20,000 transactions), interleaved sequential requests after a warm-up; budget {budget.TotalSeconds:0} s per scenario.",
            string.Empty,
            "| Scenario | Ours median (ms) | Direct SQL median (ms) | Ours p95 | Direct p95 | Ours ÷ direct | Target (issue 2) | n |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        };
        var medians = new Dictionary<string, (double Ours, double Direct)>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var (name, c, o, d, target) = scenarios[id];
            await Measurement.InterleavedAsync(c, [o, d], 300, TimeSpan.FromSeconds(3), ct);
            var (times, _) = await Measurement.InterleavedAsync(c, [o, d], rounds, budget, ct);
            var (ourMedian, directMedian) = (Percentile(times[0], 0.5), Percentile(times[1], 0.5));
            medians[id] = (ourMedian, directMedian);
            var ratio = ourMedian / directMedian;
            lines.Add(Invariant($"| `{id}` {name} | {ourMedian:0.000} | {directMedian:0.000} | {Percentile(times[0], 0.95):0.000} | {Percentile(times[1], 0.95):0.000} | {ratio:0.00} | {(target is { } t ? Invariant($"≤ {t:0.0}") + (ratio <= t ? " met" : " **not met**") : "—")} | {times[0].Count} |"));
            Progress(clock, Invariant($"{id,-14} ours {ourMedian,8:0.000} ms  direct {directMedian,8:0.000} ms  ratio {ratio:0.00}  (n={times[0].Count})"));
        }

        if (medians.TryGetValue("mysql-first", out var first) && medians.TryGetValue("mysql-last", out var last))
        {
            lines.Add(string.Empty);
            lines.Add(Invariant($"Last page ÷ first page of the walk: ours {last.Ours / first.Ours:0.00}, direct SQL {last.Direct / first.Direct:0.00} (a keyset seek: the last page costs what the first does)."));
        }

        Console.WriteLine();
        Console.WriteLine(string.Join(Environment.NewLine, lines));
        Progress(clock, "Done (MySQL rows only)");
        return 0;
    }

    private static Dictionary<string, string> OurEnvironment(string connectionString) => new(StringComparer.Ordinal)
    {
        ["OData__Sources__bank__Provider"] = "MariaDB",
        ["OData__Sources__bank__ConnectionString"] = connectionString,
        ["OData__Cache__DefaultTtlSeconds"] = "0",
        ["OData__Security__ApiKeys__benchmark__KeyHash"] = "sha256$" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(BenchmarkRun.ApiKey))).ToLowerInvariant(),
        ["OData__Limits__RequestsPerMinute"] = "0",
        ["OData__Limits__ConcurrentRequests"] = "0",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
    };

    private static List<long> Keys(JsonElement body)
        => body.TryGetProperty("value", out var rows)
            ? rows.EnumerateArray().Select(r => r.GetProperty("transaction_id").GetInt64()).ToList()
            : [body.GetProperty("transaction_id").GetInt64()];

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, Uri url, CancellationToken ct)
    {
        using var response = await client.GetAsync(url, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<string> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture)!;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(p * sorted.Count))];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Progress(Stopwatch clock, string message) => Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.0} s] {message}");
}
