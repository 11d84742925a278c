using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;

namespace OData.Virtualization.Caching;

/// <summary>
/// The response cache's optional second level: Redis (<c>OData:Cache:Redis</c>) and FusionCache's backplane over it.
/// An accelerator, never a dependency: when Redis is down or hung, a lookup gives up within
/// <see cref="OperationTimeout"/> and the cache stops asking it for <see cref="BreakDuration"/>, so a miss costs what it
/// costs without Redis (the memory level and the source answer); readiness and <c>odata.cache.distributed.available</c>
/// say that it is down.
/// </summary>
/// <remarks>
/// Without these settings a Redis outage stalled every miss for 5.5–17 s: StackExchange.Redis queued each command in
/// its backlog until its 5 s timeout, three times per miss (lookup, second lookup, write), and nothing failed.
/// </remarks>
internal sealed class DistributedLevel : IDistributedCacheStatus, IDisposable
{
    /// <summary>Longest a lookup in Redis may take before it counts as a miss (FusionCache's hard timeout).</summary>
    public static readonly TimeSpan OperationTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>After a Redis error, how long the cache leaves Redis (and the backplane) alone before trying again.</summary>
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);

    /// <summary>StackExchange.Redis's connect timeout, at most: a connection is (re)made in the background.</summary>
    private const int ConnectTimeoutMilliseconds = 2_000;

    /// <summary>StackExchange.Redis's command timeouts, at most: bounds writes too (FusionCache's timeout bounds lookups).</summary>
    private const int CommandTimeoutMilliseconds = 500;

    private readonly ConfigurationOptions? _redis;
    private readonly TimeProvider _time;
    private readonly ILogger<DistributedLevel> _logger;
    private readonly Lock _lock = new();
    private volatile Task<IConnectionMultiplexer>? _connecting;
    private RedisCache? _cache;
    /// <summary>When Redis last failed (a <see cref="TimeProvider"/> timestamp); 0 when it has not since it last answered.</summary>
    private long _failedAt;
    private bool _reportedDown;
    private bool _disposed;

    public DistributedLevel(IOptionsMonitor<VirtualizationOptions> options, TimeProvider time, ILogger<DistributedLevel> logger)
    {
        _time = time;
        _logger = logger;
        var configuration = options.CurrentValue.Cache.Redis;
        _redis = string.IsNullOrWhiteSpace(configuration) ? null : FailFast(ConfigurationOptions.Parse(configuration));
        if (_redis is not null)
        {
            // Connect now, in the background: the gauge and readiness then tell the truth before the first miss.
            _ = ConnectAsync();
        }
    }

    /// <summary>Whether <c>OData:Cache:Redis</c> is set (read at start-up, like the rest of the cache's shape).</summary>
    public bool IsConfigured => _redis is not null;

    /// <summary>Null without Redis; otherwise connected, and no Redis operation failed within <see cref="BreakDuration"/>.</summary>
    public bool? IsAvailable => _redis is null ? null
        : _connecting is { IsCompletedSuccessfully: true } connecting && connecting.Result.IsConnected && !FailedRecently();

    /// <summary>
    /// The operator's configuration string with what fails fast: no waiting for the first connection, commands fail at
    /// once while disconnected instead of queueing, and short timeouts, unless the operator's are shorter still.
    /// </summary>
    public static ConfigurationOptions FailFast(ConfigurationOptions redis)
    {
        redis.AbortOnConnectFail = false;
        redis.BacklogPolicy = BacklogPolicy.FailFast;
        redis.ConnectTimeout = Math.Min(redis.ConnectTimeout, ConnectTimeoutMilliseconds);
        redis.SyncTimeout = Math.Min(redis.SyncTimeout, CommandTimeoutMilliseconds);
        redis.AsyncTimeout = Math.Min(redis.AsyncTimeout, CommandTimeoutMilliseconds);
        return redis;
    }

    /// <summary>FusionCache's side: its circuit breakers and a hard timeout on lookups. Nothing without Redis.</summary>
    public void Configure(FusionCacheOptions options)
    {
        if (_redis is null)
        {
            return;
        }

        options.DistributedCacheCircuitBreakerDuration = BreakDuration;
        options.BackplaneCircuitBreakerDuration = BreakDuration;
        // Fail-safe is off (the response cache decides staleness itself), so only the hard timeout applies; the soft one
        // would need fail-safe and a fallback value.
        options.DefaultEntryOptions.DistributedCacheHardTimeout = OperationTimeout;
    }

    /// <summary>Adds Redis and the backplane to <paramref name="cache"/>, entries sealed with <paramref name="encryptionKeys"/>.</summary>
    public void AttachTo(IFusionCache cache, IReadOnlyList<string> encryptionKeys, ILoggerFactory loggers)
    {
        if (_redis is null)
        {
            return;
        }

        lock (_lock)
        {
            _cache ??= new RedisCache(Options.Create(new RedisCacheOptions { ConnectionMultiplexerFactory = ConnectAsync, InstanceName = "odata-virtualization:" }));
        }

        cache.SetupDistributedCache(_cache, new EncryptingSerializer(new FusionCacheSystemTextJsonSerializer(), encryptionKeys));
        // Its own connection: the backplane disposes the one it holds when it unsubscribes.
        cache.SetupBackplane(new RedisBackplane(new RedisBackplaneOptions { ConfigurationOptions = _redis.Clone() }, loggers.CreateLogger<RedisBackplane>()));
        cache.Events.Distributed.CircuitBreakerChange += (_, change) =>
        {
            if (!change.IsClosed)
            {
                Failed();
            }
        };
    }

    /// <summary>Asks Redis for a PONG within <paramref name="timeout"/>; a failure counts as a Redis error.</summary>
    public async Task<bool> PingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_redis is null)
        {
            return false;
        }

        try
        {
            var connection = await ConnectAsync().WaitAsync(timeout, _time, cancellationToken);
            await connection.GetDatabase().PingAsync().WaitAsync(timeout, _time, cancellationToken);
            Recovered();
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Failed();
            return false;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        _cache?.Dispose();
        if (_connecting is { IsCompletedSuccessfully: true } connecting)
        {
            connecting.Result.Dispose();
        }
    }

    /// <summary>The connection to Redis (made once, shared with the cache's lookups); only when <see cref="IsConfigured"/>.</summary>
    public Task<IConnectionMultiplexer> ConnectionAsync() => ConnectAsync();

    /// <summary>
    /// The connection Redis lookups use, connecting in the background at first use. A connection that could not even
    /// be created (not a Redis that is down: that connects later by itself) is tried again on the next use.
    /// </summary>
    private Task<IConnectionMultiplexer> ConnectAsync()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                _connecting = ConnectNewAsync(_redis!);
            }

            return _connecting;
        }
    }

    private async Task<IConnectionMultiplexer> ConnectNewAsync(ConfigurationOptions redis)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(redis.Clone());
        connection.ConnectionFailed += (_, _) => Failed();
        connection.ConnectionRestored += (_, _) => Recovered();
        if (!connection.IsConnected)
        {
            Failed();
        }

        return connection;
    }

    private bool FailedRecently()
    {
        var failedAt = Interlocked.Read(ref _failedAt);
        return failedAt != 0 && _time.GetElapsedTime(failedAt) < BreakDuration;
    }

    private void Failed()
    {
        Interlocked.Exchange(ref _failedAt, _time.GetTimestamp());
        lock (_lock)
        {
            if (_reportedDown)
            {
                return;
            }

            _reportedDown = true;
        }

        ServerLog.SharedCacheDown(_logger, (long)BreakDuration.TotalSeconds);
    }

    private void Recovered()
    {
        if (_connecting is not { IsCompletedSuccessfully: true } connecting || !connecting.Result.IsConnected)
        {
            return;
        }

        Interlocked.Exchange(ref _failedAt, 0);
        lock (_lock)
        {
            if (!_reportedDown)
            {
                return;
            }

            _reportedDown = false;
        }

        ServerLog.SharedCacheBack(_logger);
    }
}
