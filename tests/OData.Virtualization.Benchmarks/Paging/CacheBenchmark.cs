using System.Diagnostics;
using Npgsql;
using OData.Virtualization.Benchmarks.Infrastructure;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.Benchmarks.Paging;

/// <summary>
/// A cache hit against a miss for the filtered 50-row page with <c>$count</c>. A hit is one of a few URLs requested
/// before; a miss is a URL never requested before (a new account, or a new <c>$skip</c> on one account). Both are
/// checked by the response's <c>X-Cache</c> header. The service document, interleaved too, shows the floor of any
/// request to our server. Then the server's CPU for a block of hits and a block of misses.
/// </summary>
internal static class CacheBenchmark
{
    /// <summary>The rows of one busy account (440) allow this many distinct <c>$skip</c> values with a full 50-row page.</summary>
    private const int WarmSkips = 390;

    /// <summary>Distinct <c>$skip</c> values per account for the CPU block's misses.</summary>
    private const int SkipsPerAccount = 8;

    /// <summary>The seed's 500 "busy" accounts (440 transactions each), read from the database.</summary>
    public static async Task<IReadOnlyList<string>> BusyAccountsAsync(ClusterInfo cluster, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("bank"));
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT iban FROM core.transactions GROUP BY iban HAVING count(*) >= 400 ORDER BY iban", connection);
        var accounts = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            accounts.Add(reader.GetString(0));
        }

        return accounts.Count >= 100 ? accounts : throw new InvalidOperationException($"Expected the seed's 500 busy accounts; found {accounts.Count}.");
    }

    public static async Task<CacheResult> RunAsync(PageWalker walker, ServerProcess server, IReadOnlyList<string> accounts, PagingSettings part, CancellationToken ct)
    {
        var result = new CacheResult();
        var keys = new MissKeys(accounts, part.HotPages);
        var hot = HotUrls(server, accounts, part);
        var nextHot = 0;

        // Each hot page once (a miss that fills the entry), then once more (a hit); the warm account once, so that
        // PostgreSQL has its rows in memory before the measured misses on it.
        foreach (var url in hot)
        {
            await ExpectAsync(walker, url, "MISS", result, ct);
            await ExpectAsync(walker, url, "HIT", result, ct);
        }

        await ExpectAsync(walker, Url(server, accounts[0], 0), "MISS", result, ct);

        // Warm-up (not recorded): both paths run compiled and with warm pools.
        var warmup = Stopwatch.StartNew();
        for (var i = 0; i < part.CacheWarmup && warmup.Elapsed < TimeSpan.FromSeconds(5); i++)
        {
            await ExpectAsync(walker, Url(server, keys.NextOther()), "MISS", result, ct);
            await ExpectAsync(walker, hot[nextHot++ % hot.Count], "HIT", result, ct);
        }

        var clock = Stopwatch.StartNew();
        for (var round = 0; round < part.CacheRounds && clock.Elapsed < part.CacheBudget && keys.CanMeasure; round++)
        {
            // Alternate which goes first, so that a drift in machine load does not favour one side.
            var order = round % 2 == 0
                ? new[] { Kind.NewAccount, Kind.Hit, Kind.Warm, Kind.Hit, Kind.Floor }
                : [Kind.Floor, Kind.Hit, Kind.NewAccount, Kind.Hit, Kind.Warm];
            foreach (var kind in order)
            {
                var (url, expected, list) = kind switch
                {
                    Kind.Floor => (new Uri(server.Root, "odata/"), (string?)null, result.Floor),
                    Kind.Hit => (hot[nextHot++ % hot.Count], "HIT", result.Hits),
                    Kind.NewAccount => (Url(server, keys.NextAccount()), "MISS", result.NewAccountMisses),
                    _ => (Url(server, keys.NextWarm()), "MISS", result.WarmMisses),
                };
                if (await ExpectAsync(walker, url, expected, result, ct) is { } timed)
                {
                    list.Add(timed);
                }
            }
        }

        // CPU per request: the server's CPU time over a block of hits, then over as many misses.
        var blocks = Math.Min(part.CpuBlock, keys.OthersLeft);
        var before = server.CpuTime();
        for (var i = 0; i < blocks; i++)
        {
            await ExpectAsync(walker, hot[nextHot++ % hot.Count], "HIT", result, ct);
        }

        var middle = server.CpuTime();
        for (var i = 0; i < blocks; i++)
        {
            await ExpectAsync(walker, Url(server, keys.NextOther()), "MISS", result, ct);
        }

        result.HitCpu = middle - before;
        result.MissCpu = server.CpuTime() - middle;
        result.CpuRequests = blocks;

        // The same under a burst (what the cache is for): 8 clients at once, a block of hits, then as many misses.
        var burst = Math.Min(part.CpuBlock * 2, keys.OthersLeft);
        var hitIndex = nextHot;
        var start = server.CpuTime();
        await BurstAsync(walker, burst, () => (hot[Interlocked.Increment(ref hitIndex) % hot.Count], "HIT"), result, ct);
        var half = server.CpuTime();
        await BurstAsync(walker, burst, () =>
        {
            lock (keys)
            {
                return (Url(server, keys.NextOther()), "MISS");
            }
        }, result, ct);
        result.BurstHitCpu = half - start;
        result.BurstMissCpu = server.CpuTime() - half;
        result.BurstRequests = burst;
        return result;
    }

    /// <summary>Sends <paramref name="count"/> requests from <see cref="BurstClients"/> clients at once.</summary>
    private static async Task BurstAsync(PageWalker walker, int count, Func<(Uri Url, string Expected)> next, CacheResult result, CancellationToken ct)
    {
        var left = count;
        var workers = Enumerable.Range(0, BurstClients).Select(async _ =>
        {
            var own = new PageWalker(walker.Client);
            var unexpected = new CacheResult();
            while (Interlocked.Decrement(ref left) >= 0)
            {
                var (url, expected) = next();
                await ExpectAsync(own, url, expected, unexpected, ct);
            }

            lock (result)
            {
                result.Unexpected.AddRange(unexpected.Unexpected);
            }
        });
        await Task.WhenAll(workers);
    }

    /// <summary>Clients at once in the burst measurement.</summary>
    internal const int BurstClients = 8;

    /// <summary>Sends the request; returns its time if <c>X-Cache</c> says what was expected, else records the surprise.</summary>
    private static async Task<TimedRequest?> ExpectAsync(PageWalker walker, Uri url, string? expected, CacheResult result, CancellationToken ct)
    {
        var (milliseconds, _, outcome, timing) = await walker.FetchAsync(url, maxPageSize: null, ct);
        if (string.Equals(outcome, expected, StringComparison.Ordinal))
        {
            return new TimedRequest(milliseconds, timing);
        }

        result.Unexpected.Add($"expected {expected}, got {outcome ?? "no X-Cache"}: {url.PathAndQuery}");
        return null;
    }

    /// <summary>The pages the measurements keep hitting: the first page of the accounts after account 0.</summary>
    public static IReadOnlyList<Uri> HotUrls(ServerProcess server, IReadOnlyList<string> accounts, PagingSettings part)
        => accounts.Skip(1).Take(part.HotPages).Select(a => Url(server, a, 0)).ToList();

    /// <summary>
    /// Cache keys for the load measurement, disjoint from those of <see cref="MissKeys"/>: the accounts after the hot
    /// ones with <c>$skip</c> 9…390 (each still a full 50-row page), one account after another for each <c>$skip</c>.
    /// </summary>
    public static IEnumerator<Uri> LoadMisses(ServerProcess server, IReadOnlyList<string> accounts, PagingSettings part)
    {
        for (var skip = SkipsPerAccount + 1; skip <= WarmSkips; skip++)
        {
            foreach (var account in accounts.Skip(1 + part.HotPages))
            {
                yield return Url(server, account, skip);
            }
        }
    }

    private static Uri Url(ServerProcess server, string account, int skip) => new(server.Root, "odata/" + PagingWorkload.FilteredPage(account, skip));

    private static Uri Url(ServerProcess server, (string Account, int Skip) key) => Url(server, key.Account, key.Skip);

    private enum Kind
    {
        Hit,
        NewAccount,
        Warm,
        Floor,
    }

    /// <summary>
    /// Cache keys never requested before, from disjoint pools: account 0 with <c>$skip</c> 1…390 (warm misses);
    /// the accounts after the hot ones with no <c>$skip</c> (new-account misses), and with <c>$skip</c> 1…8 (the rest).
    /// </summary>
    private sealed class MissKeys(IReadOnlyList<string> accounts, int hot)
    {
        private readonly int _firstOther = 1 + hot;
        private int _warm;
        private int _account;
        private int _other;

        public bool CanMeasure => _warm < WarmSkips && _firstOther + _account < accounts.Count;

        public int OthersLeft => ((accounts.Count - _firstOther) * SkipsPerAccount) - _other;

        public (string, int) NextWarm() => (accounts[0], 1 + _warm++);

        public (string, int) NextAccount() => (accounts[_firstOther + _account++], 0);

        public (string, int) NextOther()
        {
            var index = _other++;
            return (accounts[_firstOther + (index / SkipsPerAccount)], 1 + (index % SkipsPerAccount));
        }
    }
}
