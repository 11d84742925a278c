using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using NpgsqlTypes;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Publishing;

namespace OData.Virtualization.ChangeTracking;

/// <summary>
/// Consumes the deployment's logical replication slot (pgoutput, the publication over the tracked tables): each
/// committed transaction's changed keys go to the change store, and only then is its LSN acknowledged, so a crash
/// loses nothing (the slot sends again what was not acknowledged; decision 102). Rolled-back transactions never arrive.
/// One instance captures (it holds the store's writer lock); the others stand by and take over when it goes.
/// With tracking off it returns at once and opens nothing.
/// </summary>
internal sealed partial class ChangeCapture(
    ChangeFeed feed,
    ModelHost models,
    IOptions<VirtualizationOptions> settings,
    ChangeMetrics metrics,
    TimeProvider time,
    ILogger<ChangeCapture> logger) : BackgroundService
{
    private readonly ChangeTrackingOptions _options = settings.Value.ChangeTracking;
    private readonly Lock _status = new();
    private bool _standbyLogged;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!feed.Enabled)
        {
            return;
        }

        // The tracked tables are known once the model is published (hosted services start side by side).
        var published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        models.Published += _ => published.TrySetResult();
        if (models.Sources.Count > 0)
        {
            published.TrySetResult();
        }

        await published.Task.WaitAsync(stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        var interval = TimeSpan.FromSeconds(Math.Max(1, _options.CheckIntervalSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CaptureAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever failed, the capture restarts from the slot (nothing unacknowledged is lost); a background
                // service that threw would stop the whole host.
                if (feed.State != CaptureState.Failed)
                {
                    feed.Report(CaptureState.Recovering, "the replication connection failed; capture resumes from the slot");
                    ChangeLog.CaptureFailed(logger, ex.Message, (int)interval.TotalSeconds);
                }
            }

            await Task.Delay(interval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task CaptureAsync(CancellationToken ct)
    {
        var tables = TrackedTables.Resolve(_options, models.Current);
        if (tables.Count == 0)
        {
            feed.Report(CaptureState.Failed, "none of OData:ChangeTracking:Sets is published");
            return;
        }

        _setNames = tables.ToDictionary(t => t.Store, t => t.Set, StringComparer.Ordinal);
        var connectionString = _options.ReplicationConnectionString ?? tables[0].Source.Options.ConnectionString!;
        await using var source = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await source.OpenAsync(ct);
        var problems = await PreflightAsync(source, tables, ct);
        if (problems.Count > 0)
        {
            var text = string.Join(" ", problems.Select((p, i) => $"({i + 1}) {p}"));
            if (feed.Problem != text)
            {
                ChangeLog.CannotStart(logger, text);
            }

            feed.Report(CaptureState.Failed, text);
            return;
        }

        var store = feed.Store;
        await store.EnsureAsync(ct);
        await using var writer = await store.TryBecomeWriterAsync(ct);
        if (writer is null)
        {
            if (!_standbyLogged)
            {
                ChangeLog.StandingBy(logger);
                _standbyLogged = true;
            }

            if (feed.State != CaptureState.Failed)
            {
                feed.Report(CaptureState.Starting);
            }

            return;
        }

        await using var replication = new LogicalReplicationConnection(connectionString);
        await replication.Open(ct);
        var slot = await SlotAsync(source, replication, writer, store, ct);
        var epoch = await store.EpochAsync(writer, ct) ?? await store.BeginEpochAsync(writer, time.GetUtcNow(), ct);
        feed.Report(CaptureState.Running);
        ChangeLog.Capturing(logger, string.Join(", ", tables.Select(t => t.Set)), _options.SlotName, _options.PublicationName, epoch);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watch = WatchAsync(source, replication, tables, stop.Token);
        try
        {
            await StreamAsync(replication, slot, writer, store, tables, ct);
        }
        finally
        {
            await stop.CancelAsync();
            await watch;
        }
    }

    /// <summary>The slot, created when missing (a new epoch: links issued before it cannot be answered).</summary>
    private async Task<PgOutputReplicationSlot> SlotAsync(NpgsqlConnection source, LogicalReplicationConnection replication, NpgsqlConnection writer, ChangeStore store, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT plugin FROM pg_replication_slots WHERE slot_name = @slot AND database = current_database()", source);
        command.Parameters.AddWithValue("slot", _options.SlotName);
        if (await command.ExecuteScalarAsync(ct) is string plugin)
        {
            if (plugin != "pgoutput")
            {
                throw new InvalidOperationException($"The replication slot '{_options.SlotName}' decodes with '{plugin}', not pgoutput. Drop it (SELECT pg_drop_replication_slot('{_options.SlotName}');) or set OData:ChangeTracking:SlotName to another name.");
            }

            return new PgOutputReplicationSlot(_options.SlotName);
        }

        var slot = await replication.CreatePgOutputReplicationSlot(_options.SlotName, slotSnapshotInitMode: LogicalSlotSnapshotInitMode.NoExport, cancellationToken: ct);
        await store.BeginEpochAsync(writer, time.GetUtcNow(), ct);
        ChangeLog.SlotCreated(logger, _options.SlotName);
        return slot;
    }

    /// <summary>
    /// Every check interval: the slot's lag (warned past the limit), retention, the slot moved past idle WAL, and the
    /// tables' REPLICA IDENTITY (an operator who runs the statement readiness shows need not restart the server).
    /// </summary>
    private async Task WatchAsync(NpgsqlConnection source, LogicalReplicationConnection replication, IReadOnlyList<TrackedTable> tables, CancellationToken ct)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, _options.CheckIntervalSeconds));
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await using (var command = new NpgsqlCommand("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = @slot", source))
                {
                    command.Parameters.AddWithValue("slot", _options.SlotName);
                    if (await command.ExecuteScalarAsync(ct) is long lag)
                    {
                        metrics.SlotLag(lag);
                        if (lag > _options.SlotLagWarningBytes)
                        {
                            ChangeLog.SlotLag(logger, _options.SlotName, lag, _options.SlotLagWarningBytes);
                        }
                    }
                }

                foreach (var table in tables)
                {
                    await ReplicaIdentityProblemAsync(source, table, ct);
                }

                Warn(RowFilterWarnings(tables));
                var purged = await feed.Store.PurgeAsync(time.GetUtcNow() - _options.Retention, ct);
                if (purged > 0)
                {
                    ChangeLog.Purged(logger, purged, _options.Retention);
                }

                lock (_status)
                {
                    // Between transactions, everything received is stored: WAL of tables we do not track (or of nothing)
                    // is acknowledged too, so that an idle tracked table does not hold back the source's disk.
                    if (!_inTransaction && replication.LastReceivedLsn > _acknowledged)
                    {
                        _acknowledged = replication.LastReceivedLsn;
                        replication.SetReplicationStatus(_acknowledged);
                    }
                }

                await Task.Delay(interval, time, ct);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or NpgsqlException or ObjectDisposedException)
        {
            // The capture ends (or fails and restarts with a watch of its own).
        }
    }

    private bool _inTransaction;
    private Dictionary<string, string> _setNames = [];
    private NpgsqlLogSequenceNumber _acknowledged;
}
