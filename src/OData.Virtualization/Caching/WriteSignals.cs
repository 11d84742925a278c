using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Caching;

/// <summary>
/// Keeps every instance's write generation of a source (<see cref="DataSource.WriteGeneration"/>, part of each cache key
/// and remembered answer) the same, through Redis: a write increments the source's counter there and publishes it before
/// its answer is sent, each instance takes the published number at once and reads every counter each second (a message
/// lost while disconnected). So a read on another instance after a write does not answer from before it, and the
/// instances keep sharing cache entries. Without Redis there is nothing to share: each instance moves on its own writes.
/// </summary>
internal sealed class WriteSignals(DistributedLevel level, WriteNotices notices, IPublishedSources sources, TimeProvider time, ILogger<WriteSignals> logger) : BackgroundService
{
    private const string Prefix = "odata-virtualization:writes";

    /// <summary>How long a write waits, in all, for Redis to take its increment and message before answering anyway.</summary>
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan CatchUpEvery = TimeSpan.FromSeconds(1);

    private static readonly RedisChannel Channel = RedisChannel.Literal(Prefix);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!level.IsConfigured)
        {
            return;
        }

        notices.Listen(PublishAsync);
        var subscribed = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var redis = await level.ConnectionAsync().WaitAsync(stoppingToken);
                if (!subscribed)
                {
                    await redis.GetSubscriber().SubscribeAsync(Channel, (_, message) => Observe(message));
                    subscribed = true;
                }

                await CatchUpAsync(redis);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                logger.LogDebug(ex, "Write generations could not be read from Redis; trying again in {Delay}.", CatchUpEvery);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(CatchUpEvery, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PublishAsync(DataSource source)
    {
        using var budget = new CancellationTokenSource(PublishTimeout, time);
        try
        {
            var redis = await level.ConnectionAsync().WaitAsync(budget.Token);
            var shared = await redis.GetDatabase().StringIncrementAsync(Key(source.Name)).WaitAsync(budget.Token);
            source.ConfirmWrite(shared);
            await redis.GetSubscriber().PublishAsync(Channel, source.Name + "\n" + shared).WaitAsync(budget.Token);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            logger.LogWarning(ex, "A write to '{Source}' could not be announced to the other instances through Redis within {Timeout}: their cached reads of it may stay until they expire.", source.Name, PublishTimeout);
        }
    }

    private async Task CatchUpAsync(IConnectionMultiplexer redis)
    {
        var current = sources.Sources;
        if (current.Count == 0)
        {
            return;
        }

        var values = await redis.GetDatabase().StringGetAsync([.. current.Select(s => Key(s.Name))]);
        for (var i = 0; i < current.Count; i++)
        {
            if (values[i].TryParse(out long generation))
            {
                current[i].ObserveWrite(generation, counterRead: true);
            }
        }
    }

    private void Observe(RedisValue message)
    {
        var text = (string?)message;
        var newline = text?.LastIndexOf('\n') ?? -1;
        if (newline <= 0 || !long.TryParse(text.AsSpan(newline + 1), System.Globalization.CultureInfo.InvariantCulture, out var generation))
        {
            return;
        }

        var name = text![..newline];
        foreach (var source in sources.Sources)
        {
            if (string.Equals(source.Name, name, StringComparison.Ordinal))
            {
                source.ObserveWrite(generation);
            }
        }
    }

    private static RedisKey Key(string source) => Prefix + ":" + source;
}
