using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Publishing;

/// <summary>
/// Listens on every PostgreSQL source for <c>NOTIFY odata_schema_changed</c> (sent by an event trigger the operator
/// installs, see docs/operations.md) and asks for a refresh. One connection of its own per source, outside the pool;
/// it reconnects with exponential backoff (1 s to 60 s, with jitter) and asks for a refresh after every (re)connect,
/// because notifications sent while it was not listening are lost.
/// </summary>
internal sealed class SchemaChangeListener(SchemaRefresher refresher, IOptionsMonitor<VirtualizationOptions> options, TimeProvider time, ILogger<SchemaChangeListener> logger) : BackgroundService
{
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, Listener> _listeners = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _reconcile = new();
    private CancellationToken _stopping;

    /// <summary>Each PostgreSQL source's listener and its state (<c>listening</c>, <c>connecting</c>, <c>reconnecting</c>), for the admin endpoint.</summary>
    public IReadOnlyDictionary<string, string> States => _listeners.ToDictionary(l => l.Key, l => l.Value.State, StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        using var subscription = options.OnChange(_ => Reconcile());
        Reconcile();
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        foreach (var listener in _listeners.Values)
        {
            await listener.Cancel.CancelAsync();
        }

        await Task.WhenAll(_listeners.Values.Select(l => l.Loop));
    }

    /// <summary>Starts a listener per PostgreSQL source, and restarts or stops those whose source changed or went away.</summary>
    private void Reconcile()
    {
        lock (_reconcile)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            var settings = options.CurrentValue;
            var channel = settings.Refresh.NotifyChannel;
            var wanted = string.IsNullOrWhiteSpace(channel)
                ? []
                : settings.Sources.Where(s => DataSource.TryParseProvider(s.Value.Provider) == SourceProvider.PostgreSql && !string.IsNullOrWhiteSpace(s.Value.ConnectionString))
                    .ToDictionary(s => s.Key, s => s.Value, StringComparer.OrdinalIgnoreCase);
            foreach (var (name, listener) in _listeners)
            {
                if (!wanted.TryGetValue(name, out var source) || source.ConnectionString != listener.ConnectionString || channel != listener.Channel)
                {
                    listener.Cancel.Cancel();
                    _listeners.TryRemove(name, out _);
                }
            }

            foreach (var (name, source) in wanted)
            {
                if (!_listeners.ContainsKey(name))
                {
                    var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
                    var listener = new Listener(source.ConnectionString!, channel, cancel);
                    _listeners[name] = listener;
                    listener.Loop = Task.Run(() => ListenAsync(name, source, listener, cancel.Token), CancellationToken.None);
                }
            }
        }
    }

    private async Task ListenAsync(string name, SourceOptions source, Listener listener, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        var failedBefore = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(source.ConnectionString)
                {
                    // A connection of its own: it waits for notifications for hours and must not hold a pooled one.
                    Pooling = false,
                    Timeout = source.ConnectTimeoutSeconds,
                    // Notices a dead server (or a silently dropped connection) while waiting.
                    KeepAlive = 30,
                    ApplicationName = "odata-virtualization-listener",
                };
                // Named like the source's own data source: Npgsql's pool metrics would otherwise label this
                // connection with its connection string (host, user, database) in /metrics.
                var dataSourceBuilder = new NpgsqlDataSourceBuilder(builder.ConnectionString) { Name = name + "-listener" };
                await using var dataSource = dataSourceBuilder.Build();
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                connection.Notification += (_, e) =>
                {
                    RefreshLog.Notified(logger, name, e.Channel, e.Payload);
                    refresher.Request($"NOTIFY {e.Channel} on source '{name}'");
                };
                await using (var command = new NpgsqlCommand("LISTEN \"" + listener.Channel.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"", connection))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                listener.State = "listening";
                RefreshLog.Listening(logger, name, listener.Channel);
                backoff = TimeSpan.FromSeconds(1);
                failedBefore = false;

                // Whatever changed between the last discovery and this LISTEN was not notified: look once.
                refresher.Request($"the schema-change listener of source '{name}' connected");
                while (!cancellationToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(cancellationToken);
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: a cancelled wait may surface as an NpgsqlException too.
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Whatever went wrong (the server went away, authentication, a network cut), try again later.
                listener.State = "reconnecting";
                var wait = backoff + TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)(backoff.TotalMilliseconds / 4) + 1));
                if (!failedBefore)
                {
                    // Once per outage: a source that stays down would otherwise log every minute.
                    RefreshLog.ListenerFailed(logger, name, ex.Message, (int)Math.Ceiling(wait.TotalSeconds));
                    failedBefore = true;
                }

                try
                {
                    await Task.Delay(wait, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = backoff * 2 < s_maxBackoff ? backoff * 2 : s_maxBackoff;
            }
        }
    }

    private sealed class Listener(string connectionString, string channel, CancellationTokenSource cancel)
    {
        public string ConnectionString { get; } = connectionString;

        public string Channel { get; } = channel;

        public CancellationTokenSource Cancel { get; } = cancel;

        public Task Loop { get; set; } = Task.CompletedTask;

        public volatile string State = "connecting";
    }
}
