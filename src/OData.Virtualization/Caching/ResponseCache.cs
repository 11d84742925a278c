using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Caching;

/// <summary>
/// The short-TTL response cache. FusionCache holds the entries — a size-bounded memory level, and optionally
/// Redis as a shared second level with its backplane, so an entry refreshed on one instance is seen by the
/// others. Freshness, single flight and the fail-safe are decided here, on the server's <see cref="TimeProvider"/>,
/// so that they are exact and testable without sleeping.
/// </summary>
/// <remarks>
/// An entry is fresh for its TTL after <see cref="CachedResponse.CreatedAt"/>. After that the next request
/// refreshes it; concurrent identical requests wait for that one refresh (one statement at the source). If the
/// refresh fails because the source is down or slow, the old entry is served, marked stale, until
/// <c>MaxStalenessSeconds</c> past its TTL; then the failure is the answer (a 503).
/// </remarks>
internal sealed class ResponseCache : IDisposable
{
    private readonly IFusionCache _cache;
    private readonly MemoryCache _memory;
    private readonly TimeProvider _time;
    private readonly IOptionsMonitor<VirtualizationOptions> _options;
    private readonly ILogger<ResponseCache> _logger;
    private readonly ConcurrentDictionary<string, RefreshFlight> _inflight = new(StringComparer.Ordinal);

    public ResponseCache(IOptionsMonitor<VirtualizationOptions> options, TimeProvider time, CacheStatistics statistics, DistributedLevel distributed, ILogger<ResponseCache> logger, ILoggerFactory loggers)
    {
        _options = options;
        _time = time;
        _logger = logger;
        Statistics = statistics;
        var settings = options.CurrentValue.Cache;

        // Sizes are counted in kilobytes.
        _memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = Math.Max(1, settings.SizeLimitMegabytes) * 1024L });
        var fusion = new FusionCacheOptions { CacheName = "odata-virtualization", CacheKeyPrefix = "odv:", DefaultEntryOptions = new FusionCacheEntryOptions { IsFailSafeEnabled = false } };
        // Redis, when configured, as a second level that fails fast (DistributedLevel).
        distributed.Configure(fusion);
        _cache = new FusionCache(fusion, _memory, loggers.CreateLogger<FusionCache>());
        distributed.AttachTo(_cache, settings.EncryptionKeys, loggers);
    }

    public CacheStatistics Statistics { get; }

    /// <summary>
    /// Answers from a fresh entry, or runs <paramref name="factory"/> once for all concurrent identical requests
    /// and caches its result for <paramref name="ttl"/>; serves a stale entry when the source fails.
    /// </summary>
    /// <remarks>
    /// <paramref name="evictFirst"/> stores the entry at low priority: when the memory level is full, such entries go
    /// before any other, least recently used first. For continuation pages, which a walk requests once each: without
    /// it, a Power BI walk or a flood of one-off pages evicted the first pages that list views keep repeating (the
    /// least recently used at the moment the walk filled the cache).
    /// </remarks>
    public async Task<(CachedResponse Response, CacheOutcome Outcome)> GetOrCreateAsync(
        string key,
        TimeSpan ttl,
        Func<CancellationToken, Task<CachedResponse>> factory,
        CancellationToken cancellationToken,
        bool evictFirst = false)
    {
        var settings = _options.CurrentValue.Cache;
        var maxStale = TimeSpan.FromSeconds(Math.Max(0, settings.MaxStalenessSeconds));
        var existing = await TryGetAsync(key, cancellationToken);
        var now = _time.GetUtcNow();
        if (existing is not null && now < existing.CreatedAt + ttl)
        {
            return Count(existing, CacheOutcome.Hit);
        }

        var staleAfter = existing is not null && now < existing.CreatedAt + ttl + maxStale && settings.StaleAnswerAfterMilliseconds > 0
            ? TimeSpan.FromMilliseconds(settings.StaleAnswerAfterMilliseconds)
            : Timeout.InfiniteTimeSpan;
        while (true)
        {
            var mine = new RefreshFlight((flight, ct) => RefreshAsync(key, ttl, maxStale, factory, evictFirst, flight, ct));
            var flight = _inflight.GetOrAdd(key, mine);
            var created = ReferenceEquals(flight, mine);
            if (!flight.TryJoin())
            {
                // Cancelled: its last waiter had gone. Not this request's answer; start another.
                _inflight.TryRemove(KeyValuePair.Create(key, flight));
                continue;
            }

            var gone = true;
            try
            {
                var (response, refreshed) = await flight.Task.WaitAsync(staleAfter, _time, cancellationToken);
                gone = false;
                var outcome = !created ? CacheOutcome.Joined
                    : !refreshed ? CacheOutcome.Hit
                    : response.Body.Length > settings.MaxEntryKilobytes * 1024L || ttl <= TimeSpan.Zero ? CacheOutcome.Bypass : CacheOutcome.Miss;
                return Count(response, outcome);
            }
            catch (TimeoutException) when (!flight.Task.IsCompleted && existing is not null)
            {
                // The source is slow or busy (a locked table, every slot taken): the stale entry now, and the refresh
                // finishes for the cache without this caller.
                gone = false;
                flight.Keep();
                ServerLog.ServedStale(_logger, key, $"the refresh took longer than {settings.StaleAnswerAfterMilliseconds} ms");
                return Count(existing, CacheOutcome.Stale);
            }
            catch (Exception ex) when (IsSourceFailure(ex) && existing is not null && _time.GetUtcNow() < existing.CreatedAt + ttl + maxStale)
            {
                gone = false;
                ServerLog.ServedStale(_logger, key, ex.Message);
                return Count(existing, CacheOutcome.Stale);
            }
            finally
            {
                flight.Leave(gone && cancellationToken.IsCancellationRequested);
            }
        }
    }

    /// <summary>A fresh entry for <paramref name="key"/>, counted as a hit; null when there is none.</summary>
    public async Task<CachedResponse?> TryGetFreshAsync(string key, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var entry = await TryGetAsync(key, cancellationToken);
        if (entry is null || _time.GetUtcNow() >= entry.CreatedAt + ttl)
        {
            return null;
        }

        Statistics.Count(CacheOutcome.Hit);
        return entry;
    }

    /// <summary>Whether a failure means the source could not answer (so a stale entry may stand in).</summary>
    public static bool IsSourceFailure(Exception exception) => exception is SourceUnavailableException
        or TimeoutException
        or Polly.CircuitBreaker.BrokenCircuitException
        or Execution.SourceBusyException
        or Npgsql.NpgsqlException { IsTransient: true }
        or Npgsql.PostgresException { SqlState: "57014" or "57P01" or "57P02" or "57P03" }
        || (exception is Npgsql.PostgresException postgres && postgres.SqlState.StartsWith("08", StringComparison.Ordinal));

    public void Dispose()
    {
        _cache.Dispose();
        _memory.Dispose();
    }

    private (CachedResponse, CacheOutcome) Count(CachedResponse response, CacheOutcome outcome)
    {
        Statistics.Count(outcome);
        return (response, outcome);
    }

    private async Task<CachedResponse?> TryGetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var maybe = await _cache.TryGetAsync<CachedResponse>(key, token: cancellationToken);
            return maybe.HasValue ? maybe.Value : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A cache that cannot be read (Redis down) is a miss, never an error for the client.
            ServerLog.CacheUnavailable(_logger, ex.Message);
            return null;
        }
    }

    private async Task<(CachedResponse Response, bool Refreshed)> RefreshAsync(string key, TimeSpan ttl, TimeSpan maxStale, Func<CancellationToken, Task<CachedResponse>> factory, bool evictFirst, RefreshFlight flight, CancellationToken cancellationToken)
    {
        try
        {
            // Another refresh may have finished (and left) between this request's lookup and its taking the flight.
            if (await TryGetAsync(key, CancellationToken.None) is { } fresh && _time.GetUtcNow() < fresh.CreatedAt + ttl)
            {
                return (fresh, false);
            }

            // Bounded by the sources' statement timeouts; cancelled when every caller has gone (RefreshFlight).
            var response = await factory(cancellationToken);
            var settings = _options.CurrentValue.Cache;
            var sizeKb = (response.Body.Length / 1024) + 1;
            if (ttl > TimeSpan.Zero && sizeKb <= settings.MaxEntryKilobytes)
            {
                // Kept (physically) for the TTL plus the staleness window, so that the fail-safe has something to serve.
                var options = new FusionCacheEntryOptions
                {
                    Duration = ttl + maxStale + TimeSpan.FromSeconds(1),
                    Size = sizeKb,
                    IsFailSafeEnabled = false,
                    Priority = evictFirst ? CacheItemPriority.Low : CacheItemPriority.Normal,
                };
                try
                {
                    await _cache.SetAsync(key, response, options, CancellationToken.None); // the answer is in hand: keep it
                }
                catch (Exception ex)
                {
                    ServerLog.CacheUnavailable(_logger, ex.Message);
                }
            }

            return (response, true);
        }
        finally
        {
            // Only this flight: a cancelled one may have been replaced already.
            _inflight.TryRemove(KeyValuePair.Create(key, flight));
        }
    }
}
