using System.Diagnostics;
using OData.Virtualization.Benchmarks.Infrastructure;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.Benchmarks.Paging;

/// <summary>
/// The paging and cache part (issue 3): our server alone (there is no baseline for these questions), configured as
/// for the issue-2 benchmark except for the cache. Walks of the whole 1,000,000-row table along <c>@odata.nextLink</c>
/// with the cache at its default and off, the same depth read by <c>$skip</c>, then cache hits against misses.
/// </summary>
internal static class PagingBenchmark
{
    private const string CacheTtlVariable = "OData__Cache__DefaultTtlSeconds";

    /// <summary>Runs the part. <paramref name="postgresVersion"/> is set when the database is already prepared (by the issue-2 part).</summary>
    public static async Task<PagingResults> RunAsync(BenchmarkSettings settings, string? postgresVersion, CancellationToken ct)
    {
        var part = settings.PagingPart;
        var results = new PagingResults { Started = DateTimeOffset.UtcNow, LoadBefore = MachineInfo.LoadAverage() };
        if (postgresVersion is null)
        {
            BenchmarkRun.Progress("PostgreSQL: starting (or connecting to) the cluster and loading the seed");
        }

        var cluster = await PostgresCluster.GetAsync();
        if (postgresVersion is null)
        {
            postgresVersion = await BenchmarkRun.PrepareDatabaseAsync(cluster, ct);
        }

        results.PostgresVersion = postgresVersion;
        results.Machine = MachineInfo.Collect();
        results.Commit = await MachineInfo.CommitAsync(PostgresCluster.RepositoryRoot(), ct);
        using var client = BenchmarkRun.CreateClient();

        BenchmarkRun.Progress("Paging: starting our server twice, the response cache at its default (10 s) and off");
        await using (var cached = ServerProcess.Start("our server (cache default)", Environment(cluster, ttlSeconds: null)))
        await using (var uncached = ServerProcess.Start("our server (cache off)", Environment(cluster, ttlSeconds: 0)))
        {
            await cached.WaitReadyAsync("odata/", TimeSpan.FromSeconds(90), client, ct);
            await uncached.WaitReadyAsync("odata/", TimeSpan.FromSeconds(90), client, ct);
            var walker = new PageWalker(client);
            foreach (var server in new[] { cached, uncached })
            {
                var warm = new Uri(server.Root, "odata/" + PagingWorkload.Full.ODataPath);
                await walker.WalkAsync(PagingWorkload.Full, warm, TimeSpan.FromSeconds(15), part.ServerWarmupPages, maxPageSize: 999, ct);
            }

            foreach (var walk in part.Walks)
            {
                var server = walk.Cached ? cached : uncached;
                var first = new Uri(server.Root, "odata/" + walk.ODataPath);

                // Warm: the same request with another page size, so that no page of the measured walk is in the cache yet.
                await walker.WalkAsync(walk, first, TimeSpan.FromSeconds(10), part.WarmupPages, maxPageSize: 999, ct);
                var cpu = server.CpuTime();
                var result = await walker.WalkAsync(walk, first, part.WalkBudget, maxPages: 2_000, maxPageSize: null, ct);
                result = result with { ServerCpuSeconds = (server.CpuTime() - cpu).TotalSeconds };
                results.Walks.Add(result);
                BenchmarkRun.Progress($"walk {walk.Id,-15} {result.Rows,9:N0} rows in {result.Pages.Count} pages, {result.WallSeconds,5:0.0} s, {result.RowsPerSecond,7:N0} rows/s; "
                    + $"page median first {result.Edge} {result.FirstMedian:0.00} ms, last {result.Edge} {result.LastMedian:0.00} ms, ratio {result.LastToFirst:0.00}"
                    + (result.EveryRowOnce ? string.Empty : $"  (NOT every row once: complete={result.Complete}, distinct={result.DistinctRows:N0}, out of order={result.OrderViolations})"));
            }

            results.ServerMemory[cached.Name] = cached.Memory();
            results.ServerMemory[uncached.Name] = uncached.Memory();
            if (settings.PagesCsvPath is { } csv)
            {
                await WritePagesAsync(csv, results.Walks, ct);
            }

            if (part.OffsetPairs > 0)
            {
                BenchmarkRun.Progress($"Client-driven paging: $skip=0 against $skip=999000 ({part.OffsetPairs} pairs, cache off)");
                results.Offset = await MeasureOffsetAsync(walker, uncached, part.OffsetPairs, ct);
                BenchmarkRun.Progress($"$skip=0 {results.Offset.FirstMedian:0.00} ms, $skip=999000 {results.Offset.DeepMedian:0.00} ms, ratio {results.Offset.Ratio:0.0}");
            }

            results.CacheCounters[cached.Name] = await client.GetStringAsync(new Uri(cached.Root, "status/cache"), ct);
            results.CacheCounters[uncached.Name] = await client.GetStringAsync(new Uri(uncached.Root, "status/cache"), ct);
        }

        BenchmarkRun.Progress("Cache: a fresh server with a 300 s TTL; filtered 50-row pages, hits and misses interleaved");
        await using (var server = ServerProcess.Start("our server (cache 300 s)", Environment(cluster, ttlSeconds: 300)))
        {
            await server.WaitReadyAsync("odata/", TimeSpan.FromSeconds(90), client, ct);
            var accounts = await CacheBenchmark.BusyAccountsAsync(cluster, ct);
            results.Cache = await CacheBenchmark.RunAsync(new PageWalker(client), server, accounts, part, ct);
            var c = results.Cache;
            BenchmarkRun.Progress(Invariant($"Cache under load: wrk, {LoadBenchmark.Connections} connections, {part.LoadRounds} rounds of {part.LoadSeconds} s of hits and of misses"));
            var hot = CacheBenchmark.HotUrls(server, accounts, part);
            var walker = new PageWalker(client);
            async Task RefillAsync(CancellationToken token)
            {
                foreach (var url in hot)
                {
                    await walker.FetchAsync(url, maxPageSize: null, token);
                }
            }

            results.Load = await LoadBenchmark.RunAsync(server, cluster, hot, CacheBenchmark.LoadMisses(server, accounts, part), RefillAsync, part, BenchmarkRun.ApiKey, ct);
            results.CacheCounters[server.Name] = await client.GetStringAsync(new Uri(server.Root, "status/cache"), ct);
            BenchmarkRun.Progress($"hit {c.HitMedian:0.000} ms, miss (new account) {c.NewAccountMissMedian:0.000} ms, miss (warm account) {c.WarmMissMedian:0.000} ms; "
                + $"hit/miss {c.HitMedian / c.NewAccountMissMedian:0.000} / {c.HitMedian / c.WarmMissMedian:0.000}; unexpected X-Cache: {c.Unexpected.Count}");
        }

        results.LoadAfter = MachineInfo.LoadAverage();
        results.Duration = DateTimeOffset.UtcNow - results.Started;
        return results;
    }

    private static async Task<OffsetResult> MeasureOffsetAsync(PageWalker walker, ServerProcess server, int pairs, CancellationToken ct)
    {
        var firstUrl = new Uri(server.Root, "odata/" + PagingWorkload.FirstOffsetPage);
        var deepUrl = new Uri(server.Root, "odata/" + PagingWorkload.DeepOffsetPage);
        await walker.FetchAsync(firstUrl, maxPageSize: null, ct);
        await walker.FetchAsync(deepUrl, maxPageSize: null, ct);
        var first = new List<double>(pairs);
        var deep = new List<double>(pairs);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < pairs && clock.Elapsed < TimeSpan.FromSeconds(30); i++)
        {
            foreach (var isDeep in i % 2 == 0 ? new[] { false, true } : [true, false])
            {
                var (milliseconds, _, _, _) = await walker.FetchAsync(isDeep ? deepUrl : firstUrl, maxPageSize: null, ct);
                (isDeep ? deep : first).Add(milliseconds);
            }
        }

        return new OffsetResult(first, deep);
    }

    private static async Task WritePagesAsync(string path, IReadOnlyList<WalkResult> walks, CancellationToken ct)
    {
        var lines = new List<string> { "walk,page,milliseconds,rows,bytes,x_cache,server_timing" };
        foreach (var walk in walks)
        {
            lines.AddRange(walk.Pages.Select((p, i) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{walk.Walk.Id},{i + 1},{p.Milliseconds:0.000},{p.Rows},{p.Bytes},{p.CacheOutcome},\"{p.ServerTiming?.Replace("\"", "'", StringComparison.Ordinal)}\"")));
        }

        await File.WriteAllLinesAsync(path, lines, ct);
        BenchmarkRun.Progress($"Pages written into {Path.GetFullPath(path)}");
    }

    /// <summary>As the issue-2 benchmark configures our server (API key, no per-caller limits), with the cache's TTL set or left at its default.</summary>
    private static Dictionary<string, string> Environment(ClusterInfo cluster, int? ttlSeconds)
    {
        var environment = BenchmarkRun.OurEnvironment(cluster, BenchmarkRun.OurMode.Pages, debugSql: false);
        environment.Remove(CacheTtlVariable);
        if (ttlSeconds is { } ttl)
        {
            environment[CacheTtlVariable] = ttl.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return environment;
    }

    private static string Invariant(FormattableString text) => text.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
