using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using OData.Virtualization.Benchmarks.Baseline;
using OData.Virtualization.Benchmarks.Infrastructure;
using OData.Virtualization.Benchmarks.Paging;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.Benchmarks;

/// <summary>
/// The benchmark: PostgreSQL with the seed, our server and the baseline each in their own process on loopback
/// Kestrel, the same requests to both (interleaved), then one fresh server process streaming 1,000,000 rows; then
/// the paging and cache part (<see cref="PagingBenchmark"/>), which <c>--paging</c> runs alone.
/// </summary>
internal static class BenchmarkRun
{
    /// <summary>The client's API key (random per run); our server knows only its hash. Sent to the baseline too, which ignores it.</summary>
    private static readonly string s_apiKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The key our servers accept in this run (<c>X-API-Key</c>), for clients other than <see cref="CreateClient"/>.</summary>
    internal static string ApiKey => s_apiKey;

    private static readonly Stopwatch s_clock = new();

    /// <summary>One at a time, a request slower than this (hand-written) is measured under load until its last answer is in.</summary>
    internal const double SlowMilliseconds = 20;

    private static readonly string s_skipTokenKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    public static async Task<int> MainAsync(string[] args)
    {
        var settings = BenchmarkSettings.Parse(args);
        using var cancel = new CancellationTokenSource(settings.Deadline);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        s_clock.Start();
        try
        {
            if (settings.DeltaOnly)
            {
                Progress("Change tracking: a cluster with wal_level=logical, 10,000 changed rows");
                Console.WriteLine();
                Console.WriteLine(await ChangeTracking.DeltaBenchmark.RunAsync(cancel.Token));
                Progress("Done (--only delta)");
                return 0;
            }

            string? postgresVersion = null;
            if (!settings.PagingOnly)
            {
                var results = await RunAsync(settings, cancel.Token);
                if (settings.Diagnose)
                {
                    return 0;
                }

                Publish(settings, Report.Render(settings, results), Report.StartMarker, Report.EndMarker);
                postgresVersion = results.PostgresVersion;
            }

            if (settings.Only is not null)
            {
                // A partial run (--only): the scenarios named, nothing else.
                Progress("Done (--only: no memory and no paging part)");
                return 0;
            }

            var paging = await PagingBenchmark.RunAsync(settings, postgresVersion, cancel.Token);
            Publish(settings, PagingReport.Render(settings, paging), PagingReport.StartMarker, PagingReport.EndMarker);
            Progress("Done");
            return 0;
        }
        catch (BenchmarkStopped stopped)
        {
            await Console.Error.WriteLineAsync($"The benchmark stopped after {s_clock.Elapsed.TotalSeconds:0} s: {stopped.Message}");
            return 4;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"The benchmark was stopped after {s_clock.Elapsed.TotalSeconds:0} s (deadline {settings.Deadline.TotalSeconds:0} s, or Ctrl+C).");
            return 3;
        }
    }

    /// <summary>Prints a results block and, with <c>--write</c>, replaces its marked region of the file.</summary>
    private static void Publish(BenchmarkSettings settings, string markdown, string startMarker, string endMarker)
    {
        Console.WriteLine();
        Console.WriteLine(markdown);
        if (settings.WritePath is { } path)
        {
            Report.WriteInto(path, markdown, startMarker, endMarker);
            Console.WriteLine($"Results written into {Path.GetFullPath(path)}");
        }
    }

    private static async Task<BenchmarkResults> RunAsync(BenchmarkSettings settings, CancellationToken ct)
    {
        var results = new BenchmarkResults { Started = DateTimeOffset.UtcNow, LoadBefore = MachineInfo.LoadAverage() };

        Progress("PostgreSQL: starting (or connecting to) the cluster and loading the seed");
        var cluster = await PostgresCluster.GetAsync();
        results.PostgresVersion = await PrepareDatabaseAsync(cluster, ct);
        results.Machine = MachineInfo.Collect();
        results.Commit = await MachineInfo.CommitAsync(PostgresCluster.RepositoryRoot(), ct);

        using var client = CreateClient();

        var benchmarkDll = Path.Combine(AppContext.BaseDirectory, "OData.Virtualization.Benchmarks.dll");
        var work = Directory.CreateTempSubdirectory("odv-bench-");
        try
        {
            Progress("Capturing the SQL our server emits for each request (a server with SQL logging at Debug)");
            results.Sql = await CaptureSqlAsync(client, OurEnvironment(cluster, OurMode.Pages, debugSql: true), settings.Scenarios, ct);
            if (settings.BaselineMemory)
            {
                foreach (var (id, statements) in await CaptureSqlAsync(client, OurEnvironment(cluster, OurMode.Streaming, debugSql: true), [Workload.FullTable], ct))
                {
                    results.Sql[id] = statements;
                }
            }

            var planFile = Path.Combine(work.FullName, "baseline.json");
            await File.WriteAllTextAsync(planFile, JsonSerializer.Serialize(new BaselinePlan(BaselineConnectionString(cluster), results.Sql)), ct);

            Progress("Starting our server and the baselines (separate processes, loopback Kestrel)");
            await using (var ours = ServerProcess.Start("our server", OurEnvironment(cluster, OurMode.Pages, debugSql: false)))
            await using (var baseline = ServerProcess.Start("the baseline", BaselineEnvironment(), ["--baseline-server", planFile], benchmarkDll))
            {
                await ours.WaitReadyAsync("odata/", TimeSpan.FromSeconds(90), client, ct);
                await baseline.WaitReadyAsync(BaselineServer.ReadyPath.TrimStart('/'), TimeSpan.FromSeconds(60), client, ct);

                Progress("Checking that the baselines answer with our rows");
                var ourSqlComparable = new HashSet<Scenario>();
                foreach (var scenario in settings.Scenarios)
                {
                    var hand = await CompareAsync(client, scenario, Side.HandWritten, OursUrl(ours, scenario), HandUrl(baseline, scenario), ct);
                    results.Checks.Add(hand);
                    if (!hand.Same)
                    {
                        throw new BenchmarkStopped($"The hand-written answer to '{scenario.Id}' is not ours ({hand.Note}): its statement "
                            + $"(Baseline/HandWritten.cs) or our server is wrong, and comparing their speed would mean nothing. Fix that first.");
                    }

                    var ourSql = await CompareAsync(client, scenario, Side.OurSql, OursUrl(ours, scenario), BaselineUrl(baseline, scenario), ct);
                    results.Checks.Add(ourSql);
                    if (ourSql.Same)
                    {
                        ourSqlComparable.Add(scenario);
                    }
                }

                if (settings.Diagnose)
                {
                    Progress("Diagnosis: request variants, round-robin (and a second server of ours with paging off)");
                    await using var streaming = ServerProcess.Start("our server (paging off)", OurEnvironment(cluster, OurMode.Streaming, debugSql: false));
                    await streaming.WaitReadyAsync("odata/", TimeSpan.FromSeconds(90), client, ct);
                    await Diagnostics.RunAsync(client, ours, streaming, baseline, settings, ct);
                    results.Duration = s_clock.Elapsed;
                    return results;
                }

                Uri[] Urls(Scenario scenario) => ourSqlComparable.Contains(scenario)
                    ? [OursUrl(ours, scenario), HandUrl(baseline, scenario), BaselineUrl(baseline, scenario)]
                    : [OursUrl(ours, scenario), HandUrl(baseline, scenario)];

                Progress($"Warming up (up to {settings.Warmup} requests to each side per scenario)");
                foreach (var scenario in settings.Scenarios)
                {
                    await Measurement.InterleavedAsync(client, Urls(scenario), settings.Warmup, settings.WarmupBudget, ct);
                }

                for (var pass = 1; pass <= settings.Passes; pass++)
                {
                    foreach (var scenario in settings.Scenarios)
                    {
                        var (times, serverTimings) = await Measurement.InterleavedAsync(client, Urls(scenario), settings.MaxPairs, settings.PassBudget, ct);
                        var result = new LatencyResult(scenario, pass, times[0], times[1], times.Length > 2 ? times[2] : [])
                        {
                            OursServerTimings = serverTimings,
                        };
                        results.Latency.Add(result);
                        Progress(Invariant($"pass {pass} {scenario.Id,-9} ours {result.OursMedian,8:0.000} ms  hand-written {result.HandMedian,8:0.000} ms  our SQL {result.OurSqlMedian,8:0.000} ms  ")
                            + Invariant($"ours÷hand {result.RatioHand:0.00}  ours÷our-SQL {result.RatioOurSql:0.00}  (n={result.Ours.Count})"));
                    }
                }

                PostgresProcesses? postgres = null;
                try
                {
                    postgres = await PostgresProcesses.FindAsync(cluster, ct);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or NpgsqlException)
                {
                    Progress($"PostgreSQL's processes cannot be read here ({e.Message}): no PostgreSQL CPU per request.");
                }

                results.LoadClient = ConcurrentLoad.Client;
                Progress($"Throughput: {settings.Workers} clients, each side alone for {settings.ConcurrentBudget.TotalSeconds:0.#} s, {settings.ConcurrentSegments} repeat(s), after {settings.ConcurrentWarmup.TotalSeconds:0.#} s unmeasured, with {results.LoadClient}");
                foreach (var scenario in settings.Scenarios)
                {
                    var comparable = ourSqlComparable.Contains(scenario);
                    var throughput = new ThroughputResult(scenario, settings.Workers) { OurSql = comparable ? new ThroughputCell() : null };
                    // Slow requests (tens of ms or more, one at a time) are measured until their last answer is in.
                    var slow = results.Latency.Where(l => l.Scenario == scenario).Select(l => l.HandMedian).DefaultIfEmpty(0).Max() > SlowMilliseconds;
                    Side[] sides = comparable ? [Side.Ours, Side.HandWritten, Side.OurSql] : [Side.Ours, Side.HandWritten];
                    (Uri Url, ServerProcess Process) Target(Side side) => side switch
                    {
                        Side.Ours => (OursUrl(ours, scenario), ours),
                        Side.HandWritten => (HandUrl(baseline, scenario), baseline),
                        _ => (BaselineUrl(baseline, scenario), baseline),
                    };

                    if (!slow && settings.ConcurrentWarmup > TimeSpan.Zero)
                    {
                        foreach (var side in sides)
                        {
                            _ = await ConcurrentLoad.RunAsync(client, Target(side).Url, s_apiKey, settings.Workers, settings.ConcurrentWarmup, slow: false, ct);
                        }
                    }

                    for (var segment = 0; segment < settings.ConcurrentSegments; segment++)
                    {
                        // Reverse the order every repeat, so that a drift in machine load does not favour one side.
                        foreach (var side in segment % 2 == 0 ? sides : sides.Reverse())
                        {
                            var (url, process) = Target(side);
                            var serverBefore = process.CpuTime();
                            var postgresBefore = postgres?.CpuTime();
                            var outcome = await ConcurrentLoad.RunAsync(client, url, s_apiKey, settings.Workers, settings.ConcurrentBudget, slow, ct);
                            throughput.Cell(side).Add(outcome, process.CpuTime() - serverBefore, postgres?.CpuTime() - postgresBefore);
                        }
                    }

                    results.Throughput.Add(throughput);
                    Progress(Invariant($"{settings.Workers} clients {scenario.Id,-9} ours {throughput.Ours.PerSecond,7:0}/s  hand-written {throughput.Hand.PerSecond,7:0}/s  ")
                        + Invariant($"our SQL {throughput.OurSql?.PerSecond ?? double.NaN,7:0}/s  ours÷hand {throughput.RatioHand:0.00}  ours÷our-SQL {throughput.RatioOurSql:0.00}  ")
                        + Invariant($"CPU/request ours {throughput.Ours.ServerMicroseconds:0}+{throughput.Ours.PostgresMicroseconds:0} µs, hand {throughput.Hand.ServerMicroseconds:0}+{throughput.Hand.PostgresMicroseconds:0} µs (server+PostgreSQL)"));
                }
            }

            if (settings.Only is not null)
            {
                results.LoadAfter = MachineInfo.LoadAverage();
                results.Duration = s_clock.Elapsed;
                return results;
            }

            Progress("Memory: a fresh server process streams all 1,000,000 transactions");
            await using (var fresh = ServerProcess.Start("our server (fresh)", OurEnvironment(cluster, OurMode.Streaming, debugSql: false)))
            {
                await fresh.WaitReadyAsync("odata/", TimeSpan.FromSeconds(90), client, ct);
                results.Memory.Add(await MeasureStreamAsync(client, fresh, "Our server", OursUrl(fresh, Workload.FullTable), [new Uri(fresh.Root, "odata/"), new Uri(fresh.Root, "odata/transactions?$top=1")], ct));
            }

            if (settings.BaselineMemory)
            {
                await using var fresh = ServerProcess.Start("the baseline (fresh)", BaselineEnvironment(), ["--baseline-server", planFile], benchmarkDll);
                await fresh.WaitReadyAsync(BaselineServer.ReadyPath.TrimStart('/'), TimeSpan.FromSeconds(60), client, ct);
                results.Memory.Add(await MeasureStreamAsync(client, fresh, "Baseline", BaselineUrl(fresh, Workload.FullTable), [BaselineUrl(fresh, Workload.Point)], ct));
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }

        results.LoadAfter = MachineInfo.LoadAverage();
        results.Duration = s_clock.Elapsed;
        return results;
    }

    /// <summary>The benchmark's client: one connection pool, no decompression, authenticated with the run's API key.</summary>
    internal static HttpClient CreateClient()
    {
        var client = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseProxy = false,
        })
        { Timeout = TimeSpan.FromMinutes(3) };
        client.DefaultRequestHeaders.Add("X-API-Key", s_apiKey);
        return client;
    }

    internal static async Task<string> PrepareDatabaseAsync(ClusterInfo cluster, CancellationToken ct)
    {
        // A freshly loaded table has no visibility map and no statistics yet: vacuum so that both servers meet the
        // state a production database is in (index-only scans for counts), whatever autovacuum has done so far.
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("bank"));
        await connection.OpenAsync(ct);
        await using (var vacuum = new NpgsqlCommand("VACUUM ANALYZE", connection) { CommandTimeout = 300 })
        {
            await vacuum.ExecuteNonQueryAsync(ct);
        }

        await using var version = new NpgsqlCommand("SELECT version()", connection);
        return (string)(await version.ExecuteScalarAsync(ct))!;
    }

    private static async Task<Dictionary<string, string[]>> CaptureSqlAsync(
        HttpClient client, Dictionary<string, string> environment, IReadOnlyList<Scenario> scenarios, CancellationToken ct)
    {
        var captured = new Dictionary<string, string[]>(StringComparer.Ordinal);
        await using var server = ServerProcess.Start("our server (SQL capture)", environment);
        await server.WaitReadyAsync("odata/", TimeSpan.FromSeconds(90), client, ct);
        foreach (var scenario in scenarios)
        {
            if (scenario.NextLinkOf && !s_paths.ContainsKey(scenario.Id))
            {
                s_paths[scenario.Id] = await ResolveNextLinkAsync(client, server, scenario, ct);
            }

            var from = server.Lines.Count; // what came before this request is not read
            var url = OursUrl(server, scenario);
            if (scenario == Workload.FullTable)
            {
                // Only the statement is wanted: hang up as soon as the response starts.
                using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            }
            else
            {
                using var response = await client.GetAsync(url, ct);
                response.EnsureSuccessStatusCode();
            }

            // However many statements the request ran: every SQL line logged until the log has been quiet for a second.
            var statements = new List<string>();
            var read = from;
            var quietSince = Stopwatch.StartNew();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(15) && (statements.Count == 0 || quietSince.Elapsed < TimeSpan.FromSeconds(1)))
            {
                var lines = server.Lines;
                for (; read < lines.Count; read++)
                {
                    quietSince.Restart();
                    if (!lines[read].StartsWith('{'))
                    {
                        continue;
                    }

                    using var entry = JsonDocument.Parse(lines[read]);
                    if (entry.RootElement.TryGetProperty("EventId", out var eventId) && eventId.GetInt32() == 2000)
                    {
                        statements.Add(entry.RootElement.GetProperty("State").GetProperty("Sql").GetString()!);
                    }
                }

                await Task.Delay(100, ct);
            }

            if (statements.Count == 0)
            {
                throw new InvalidOperationException($"Our server logged no SQL statement for {url}.\n{server.Tail()}");
            }

            captured[scenario.Id] = [.. statements];
        }

        return captured;
    }

    /// <summary>
    /// The measured URL of a keyset scenario: the <c>@odata.nextLink</c> of its first request, asked with
    /// <c>Prefer: odata.maxpagesize=100</c> (every server of ours in a run signs with the same key, so any of them
    /// continues it).
    /// </summary>
    private static async Task<string> ResolveNextLinkAsync(HttpClient client, ServerProcess server, Scenario scenario, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Root, "odata/" + scenario.ODataPath));
        request.Headers.Add("Prefer", "odata.maxpagesize=" + Workload.DeepPage.ToString(CultureInfo.InvariantCulture));
        using var response = await client.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
        var link = json["@odata.nextLink"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"Our server gave no @odata.nextLink for {scenario.ODataPath} with Prefer: odata.maxpagesize={Workload.DeepPage}.");
        var odata = new Uri(server.Root, "odata/").AbsoluteUri;
        return link.StartsWith(odata, StringComparison.Ordinal) ? link[odata.Length..] : new Uri(link).PathAndQuery.TrimStart('/')["odata/".Length..];
    }

    /// <summary>
    /// Compares a baseline's answer with ours: the same JSON but for <c>@odata.context</c> (its host differs) and
    /// <c>@odata.nextLink</c> (signed by our server; a hand-written endpoint has none), or the same count.
    /// </summary>
    private static async Task<ResultCheck> CompareAsync(HttpClient client, Scenario scenario, Side side, Uri ours, Uri baseline, CancellationToken ct)
    {
        var oursText = await client.GetStringAsync(ours, ct);
        using var response = await client.GetAsync(baseline, ct);
        var baselineText = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            var failed = new ResultCheck(scenario, side, false, "–", oursText.Length, baselineText.Length, $"answered {(int)response.StatusCode}: {Truncate(baselineText)}");
            Progress($"WARNING: {scenario.Id}: the {Label(side)} baseline {failed.Note}");
            return failed;
        }

        bool same;
        string rows;
        string? note = null;
        if (scenario.IsCount)
        {
            same = string.Equals(oursText.Trim(), baselineText.Trim(), StringComparison.Ordinal);
            rows = "count " + oursText.Trim();
            note = same ? null : $"count {baselineText.Trim()}, ours {oursText.Trim()}";
        }
        else
        {
            var oursJson = JsonNode.Parse(oursText)!.AsObject();
            var baselineJson = JsonNode.Parse(baselineText)!.AsObject();
            foreach (var annotation in new[] { "@odata.context", "@odata.nextLink" })
            {
                oursJson.Remove(annotation);
                baselineJson.Remove(annotation);
            }

            same = JsonNode.DeepEquals(oursJson, baselineJson);
            rows = oursJson["value"] is JsonArray array ? $"{array.Count} rows" : "1 entity";
            if (oursJson["@odata.count"] is { } count)
            {
                rows += $", count {count}";
            }

            if (!same)
            {
                var theirs = baselineJson["value"] is JsonArray other ? $"{other.Count} rows" : "1 entity";
                if (baselineJson["@odata.count"] is { } otherCount)
                {
                    theirs += $", count {otherCount}";
                }

                note = theirs == rows ? $"{rows} on both sides, but different values" : $"{theirs}, ours {rows}";
            }
        }

        if (!same)
        {
            Progress($"WARNING: {scenario.Id}: the {Label(side)} baseline's answer differs from ours ({note}).\n  ours:     {Truncate(oursText)}\n  baseline: {Truncate(baselineText)}");
        }

        return new ResultCheck(scenario, side, same, rows, oursText.Length, baselineText.Length, note);

        static string Truncate(string text) => text.Length > 400 ? text[..400] + "…" : text;
    }

    internal static string Label(Side side) => side switch
    {
        Side.Ours => "our server",
        Side.HandWritten => "hand-written",
        _ => "our-SQL",
    };

    private static async Task<MemoryResult> MeasureStreamAsync(HttpClient client, ServerProcess server, string label, Uri url, Uri[] warmUrls, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        for (var i = 0; i < 3; i++)
        {
            foreach (var warm in warmUrls)
            {
                await Measurement.GetAsync(client, warm, buffer, ct);
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var (idle, peakBefore) = server.Memory();

        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        long sampledMax = 0;
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                sampledMax = Math.Max(sampledMax, server.Memory().Rss);
                try
                {
                    await Task.Delay(50, stopSampling.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }, CancellationToken.None);

        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var rows = new RowCounter("\"transaction_id\":"u8.ToArray());
        long bytes = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, ct)) > 0)
        {
            bytes += read;
            rows.Feed(buffer.AsSpan(0, read));
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await stopSampling.CancelAsync();
        await sampler;
        var (after, peakAfter) = server.Memory();
        var result = new MemoryResult(label, idle, peakBefore, peakAfter, Math.Max(sampledMax, after), bytes, rows.Count, seconds);
        Progress($"{label}: {rows.Count:N0} rows, {bytes / 1e6:0} MB in {seconds:0.0} s; RSS idle {idle / 1e6:0} MB, peak (VmHWM) {peakAfter / 1e6:0} MB");
        return result;
    }

    internal static Dictionary<string, string> OurEnvironment(ClusterInfo cluster, OurMode mode, bool debugSql)
    {
        // As the integration tests' PostgresFixture configures it (both seed databases), through environment variables.
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OData__Sources__erp__Provider"] = "PostgreSQL",
            ["OData__Sources__erp__ConnectionString"] = cluster.ConnectionString("erp"),
            ["OData__Sources__erp__Publish__0"] = "*.*",
            ["OData__Sources__erp__Publish__1"] = "!*.audit_log",
            ["OData__Sources__erp__EntitySets__sales.order_summaries__Key__0"] = "order_id",
            ["OData__Sources__bank__Provider"] = "PostgreSQL",
            ["OData__Sources__bank__ConnectionString"] = cluster.ConnectionString("bank"),
            ["OData__Sources__bank__EntitySets__core.account_overview__Key__0"] = "iban",
            // The response cache off: every request reaches PostgreSQL, as every baseline request does.
            ["OData__Cache__DefaultTtlSeconds"] = "0",
            // Authenticated as a production client would be (an API key), without the per-principal rate limits
            // that would otherwise answer a benchmark's thousands of requests a minute with 429.
            ["OData__Security__ApiKeys__benchmark__KeyHash"] = "sha256$" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s_apiKey))).ToLowerInvariant(),
            // An operator's key too: GET /status/cache (the cache counters of the paging part) needs an administrator.
            ["OData__Security__ApiKeys__benchmark__Roles__0"] = "odata-admin",
            ["OData__Limits__RequestsPerMinute"] = "0",
            // 16 statements at once for the one principal and the one set, as the baselines (no limit) run 16: by default
            // one principal holds 8 slots and one set 6, and 16 clients of slow $skip pages then wait and get 503.
            ["OData__Sources__bank__MaxConcurrentQueriesPerPrincipal"] = "16",
            ["OData__Sources__bank__MaxConcurrentQueriesPerSet"] = "16",
            ["OData__Limits__ConcurrentRequests"] = "0",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            // One signing key for every server of ours in the run, so that a nextLink resolved on one is valid on all.
            ["OData__Paging__SkipTokenKey"] = s_skipTokenKey,
        };
        if (mode == OurMode.Streaming)
        {
            // Server paging off: GET /odata/transactions streams all 1,000,000 rows in one response.
            environment["OData__Paging__MaxPageSize"] = "0";
        }

        if (debugSql)
        {
            environment["Logging__LogLevel__OData.Virtualization"] = "Debug";
            environment["Logging__Console__FormatterName"] = "json";
        }

        return environment;
    }

    private static Dictionary<string, string> BaselineEnvironment() => new(StringComparer.Ordinal)
    {
        ["Logging__LogLevel__Default"] = "Warning",
    };

    /// <summary>The session our server's PostgresDataSource opens (UTC, read-only, statement timeout), for the baseline.</summary>
    private static string BaselineConnectionString(ClusterInfo cluster)
        => new NpgsqlConnectionStringBuilder(cluster.ConnectionString("bank"))
        {
            Timeout = 5,
            CommandTimeout = 30,
            Timezone = "UTC",
            ApplicationName = "odata-baseline",
            Options = "-c default_transaction_read_only=on -c statement_timeout=30000",
        }.ConnectionString;

    /// <summary>The measured URL under <c>/odata/</c> per scenario id, where it is resolved at run time (a nextLink).</summary>
    private static readonly Dictionary<string, string> s_paths = new(StringComparer.Ordinal);

    /// <summary>The path measured on our server for <paramref name="scenario"/> (under <c>/odata/</c>).</summary>
    internal static string MeasuredPath(Scenario scenario) => s_paths.GetValueOrDefault(scenario.Id, scenario.ODataPath);

    private static Uri OursUrl(ServerProcess server, Scenario scenario) => new(server.Root, "odata/" + MeasuredPath(scenario));

    private static Uri BaselineUrl(ServerProcess server, Scenario scenario) => new(server.Root, "baseline/" + scenario.Id);

    private static Uri HandUrl(ServerProcess server, Scenario scenario) => new(server.Root, "hand/" + scenario.Id);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    internal static void Progress(string message) => Console.WriteLine($"[{s_clock.Elapsed.TotalSeconds,6:0.0} s] {message}");

    /// <summary>How our server is configured: default paging (the timed requests), or paging off (the one big response).</summary>
    internal enum OurMode
    {
        Pages,
        Streaming,
    }

    /// <summary>Counts occurrences of a pattern whose only border is its first byte (true for <c>"name":</c>).</summary>
    private sealed class RowCounter(byte[] pattern)
    {
        private int _matched;

        public long Count { get; private set; }

        public void Feed(ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes)
            {
                if (b == pattern[_matched])
                {
                    if (++_matched == pattern.Length)
                    {
                        Count++;
                        _matched = 0;
                    }
                }
                else
                {
                    _matched = b == pattern[0] ? 1 : 0;
                }
            }
        }
    }

    /// <summary>A condition under which measuring would mean nothing (a hand-written answer that is not ours).</summary>
    private sealed class BenchmarkStopped(string message) : Exception(message);
}
