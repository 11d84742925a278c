using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.Benchmarks.ChangeTracking;

/// <summary>
/// Change tracking (issue 14), run alone with <c>--only delta</c>: a PostgreSQL cluster of its own with
/// <c>wal_level=logical</c>, our server (Release, a process of its own) tracking one table, and 10,000 changed rows.
/// (1) Capture lag: the rows change in 1,000 transactions of 10 rows, one every 5 ms, while a client follows the delta
/// link back to back; each row's lag is from its transaction's commit (as the writer sees it return) to the first
/// delta that shows it. (2) One transaction changes all 10,000 rows: the time until a delta shows all of them, and the
/// time to serve that delta (its pages of 2,000) to a client.
/// </summary>
internal static class DeltaBenchmark
{
    private const int Rows = 10_000;
    private const int PerTransaction = 10;

    public static async Task<string> RunAsync(CancellationToken ct)
    {
        await using var cluster = await PostgresCluster.StartAsync("-c wal_level=logical -c max_replication_slots=4 -c max_wal_senders=4");
        await cluster.ExecuteAsync("postgres", "CREATE DATABASE delta_bench TEMPLATE template0 ENCODING 'UTF8'");
        await cluster.ExecuteAsync("delta_bench", $"""
            CREATE TABLE accounts (id integer PRIMARY KEY, branch text NOT NULL, name text NOT NULL, balance integer NOT NULL);
            INSERT INTO accounts SELECT i, CASE WHEN i % 2 = 0 THEN 'north' ELSE 'south' END, 'account ' || i, i FROM generate_series(1, {Rows}) AS i;
            """);
        await cluster.ExecuteAsync("delta_bench", "VACUUM ANALYZE accounts");
        var connection = cluster.ConnectionString("delta_bench");
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OData__Sources__bank__Provider"] = "PostgreSQL",
            ["OData__Sources__bank__ConnectionString"] = connection,
            ["OData__Security__AllowAnonymous"] = "true",
            ["OData__Limits__RequestsPerMinute"] = "0",
            ["OData__Paging__DefaultPageSize"] = "2000",
            ["OData__ChangeTracking__Sets__0"] = "accounts",
            ["OData__ChangeTracking__StoreConnectionString"] = connection,
            ["OData__ChangeTracking__CheckIntervalSeconds"] = "1",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        await using var server = ServerProcess.Start("our server (tracking accounts)", environment);
        await server.WaitReadyAsync("odata/", TimeSpan.FromSeconds(60), cancellationToken: ct);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(server.Root, "odata/") };
        var link = await TrackAsync(client, ct);

        // (1) Capture lag, under a steady stream of small transactions.
        await using var source = new NpgsqlConnection(connection);
        await source.OpenAsync(ct);
        var committed = new long[Rows + 1];
        var seen = new long[Rows + 1];
        var polls = 0;
        var writer = Task.Run(async () =>
        {
            var next = Stopwatch.GetTimestamp();
            for (var first = 1; first <= Rows; first += PerTransaction)
            {
                await using var update = new NpgsqlCommand("UPDATE accounts SET balance = balance + 1 WHERE id BETWEEN @first AND @last", source);
                update.Parameters.AddWithValue("first", first);
                update.Parameters.AddWithValue("last", first + PerTransaction - 1);
                await update.ExecuteNonQueryAsync(ct);
                var now = Stopwatch.GetTimestamp();
                for (var id = first; id < first + PerTransaction; id++)
                {
                    committed[id] = now;
                }

                next += Stopwatch.Frequency / 200; // one transaction every 5 ms
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, ct);
                }
            }
        }, ct);
        var remaining = Rows;
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 120);
        while (remaining > 0 && Stopwatch.GetTimestamp() < deadline)
        {
            var (ids, nextLink) = await WalkAsync(client, link, ct);
            polls++;
            link = nextLink;
            var at = Stopwatch.GetTimestamp();
            foreach (var id in ids.Where(id => seen[id] == 0))
            {
                seen[id] = at;
                remaining--;
            }
        }

        await writer;
        if (remaining > 0)
        {
            throw new InvalidOperationException($"{remaining} of {Rows} changed rows were not in any delta after 120 s.");
        }

        var lags = Enumerable.Range(1, Rows).Select(id => Stopwatch.GetElapsedTime(committed[id], seen[id]).TotalMilliseconds).Order().ToArray();

        // (2) One transaction of 10,000 rows: until all are in a delta, then one client's walk of that delta.
        var before = link;
        var start = Stopwatch.GetTimestamp();
        await using (var bulk = new NpgsqlCommand("UPDATE accounts SET balance = balance + 1", source))
        {
            await bulk.ExecuteNonQueryAsync(ct);
        }

        var commitAt = Stopwatch.GetTimestamp();
        var updateTook = Stopwatch.GetElapsedTime(start, commitAt);
        int shown;
        do
        {
            shown = (await WalkAsync(client, before, ct)).Ids.Count;
        }
        while (shown < Rows && Stopwatch.GetElapsedTime(commitAt) < TimeSpan.FromSeconds(120));

        var bulkVisible = Stopwatch.GetElapsedTime(commitAt);
        var walks = new List<double>();
        var pages = 0;
        for (var i = 0; i < 5; i++)
        {
            var walkStart = Stopwatch.GetTimestamp();
            var (ids, _, walked) = await WalkCountingAsync(client, before, ct);
            walks.Add(Stopwatch.GetElapsedTime(walkStart).TotalMilliseconds);
            pages = walked;
            if (ids.Count != Rows)
            {
                throw new InvalidOperationException($"The delta showed {ids.Count} rows, not {Rows}.");
            }
        }

        walks.Sort();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| Change tracking (issue 14) | value |");
        text.AppendLine("|---|---|");
        text.AppendLine(CultureInfo.InvariantCulture, $"| Capture lag, commit → first delta that shows the row ({Rows:N0} rows in {Rows / PerTransaction:N0} transactions, one per 5 ms; {polls} polls back to back) | median {Percentile(lags, 0.50):0} ms, p99 {Percentile(lags, 0.99):0} ms, max {lags[^1]:0} ms |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| One transaction of {Rows:N0} rows: commit → all in a delta | {bulkVisible.TotalMilliseconds:0} ms (the UPDATE itself: {updateTook.TotalMilliseconds:0} ms) |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| Serving that delta ({Rows:N0} rows, {pages} pages of 2,000, one client), median of 5 | {walks[2]:0} ms ({Rows / walks[2] * 1000:N0} rows/s) |");
        return text.ToString();
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static async Task<string> TrackAsync(HttpClient client, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "accounts?$top=0");
            request.Headers.Add("Prefer", "odata.track-changes");
            using var response = await client.SendAsync(request, ct);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            if (body.RootElement.TryGetProperty("@odata.deltaLink", out var link))
            {
                return link.GetString()!;
            }

            await Task.Delay(100, ct);
        }

        throw new InvalidOperationException("The tracked read got no delta link within 60 s: capture did not start (see the server's output).");
    }

    private static async Task<(List<int> Ids, string DeltaLink)> WalkAsync(HttpClient client, string link, CancellationToken ct)
    {
        var (ids, next, _) = await WalkCountingAsync(client, link, ct);
        return (ids, next);
    }

    /// <summary>Follows a delta link through its next links: the changed ids, the new delta link, the pages read.</summary>
    private static async Task<(List<int> Ids, string DeltaLink, int Pages)> WalkCountingAsync(HttpClient client, string link, CancellationToken ct)
    {
        var ids = new List<int>();
        var pages = 0;
        while (true)
        {
            using var response = await client.GetAsync(link, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{link}: {(int)response.StatusCode} {text}");
            }

            pages++;
            using var body = JsonDocument.Parse(text);
            ids.AddRange(body.RootElement.GetProperty("value").EnumerateArray().Where(e => e.TryGetProperty("balance", out _)).Select(e => e.GetProperty("id").GetInt32()));
            if (body.RootElement.TryGetProperty("@odata.nextLink", out var next))
            {
                link = next.GetString()!;
                continue;
            }

            return (ids, body.RootElement.GetProperty("@odata.deltaLink").GetString()!, pages);
        }
    }
}
