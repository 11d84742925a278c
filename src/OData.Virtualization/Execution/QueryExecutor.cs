using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Model;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Execution;

/// <summary>
/// The only way to a source's connections. Every statement runs while its request holds one of the source's statement
/// slots, on one pooled connection that the returned <see cref="OpenQuery"/> owns until it is disposed, inside the
/// source's resilience pipeline (retries and circuit breaker) until the first row can be read. A request never holds
/// more than one connection: <c>$expand</c> reads its related rows on the parents' connection (see <see cref="OpenQuery"/>).
/// Every method takes the <c>principal</c> the statement runs for (the caller's name): no principal holds more than its
/// share of a source's slots (<see cref="SlotShares"/>).
/// </summary>
internal sealed partial class QueryExecutor(CacheStatistics statistics, ServerMetrics metrics, ServerTracing tracing, ILogger<QueryExecutor> logger)
{
    /// <summary>
    /// Runs the optional count and the data statement in one round trip where the provider batches (PostgreSQL), and
    /// returns the open reader positioned before the first data row: rows are read while the response is written.
    /// </summary>
    /// <remarks>
    /// <paramref name="windowed"/>: the same page with its count beside each row; used instead of the two statements
    /// where PostgreSQL estimates it cheaper (<see cref="CountShapes"/>). Read the rows with <see cref="OpenQuery.ReadAsync"/>.
    /// </remarks>
    public Task<OpenQuery> OpenAsync(PublishedSet set, string principal, SqlStatement? count, SqlStatement data, CancellationToken cancellationToken, WindowedPage? windowed = null)
        => OpenAsync(set, principal, count, data, ParentReading.None, cancellationToken, windowed);

    /// <summary>The first page and its count in one choice of statements (<see cref="CountShapes"/>).</summary>
    internal CountShapes Counts { get; } = new();

    /// <summary>
    /// Like <see cref="OpenAsync(PublishedSet, string, SqlStatement?, SqlStatement, CancellationToken)"/>, for parents whose related
    /// rows are loaded between batches on the same connection (<see cref="OpenQuery.ReadBatchAsync"/>). At most
    /// <paramref name="rows"/> parent rows are read (null: all): a bounded page is read whole and its reader closed; a
    /// larger or unbounded read goes through a server-side cursor (PostgreSQL) or a second statement on the same
    /// connection (SQLite), so that memory stays flat. A bounded page on PostgreSQL sends its expanded levels in its own
    /// batch where it can (<see cref="ExpandBatch"/>): one round trip. <paramref name="data"/> is the page statement
    /// <see cref="SqlCompiler.Page"/> compiled for <paramref name="query"/> at <paramref name="now"/>.
    /// </summary>
    public Task<OpenQuery> OpenParentsAsync(EntityQuery query, string principal, SqlStatement? count, SqlStatement data, long? rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var set = query.Set;
        // SQLite reads related rows beside an open reader; MySQL, like PostgreSQL, runs one statement at a time on a
        // connection, so a bounded page is read whole first (and a larger one, which only PostgreSQL can hold in a
        // cursor, is read beside its reader on SQLite alone).
        var bounded = rows is { } limit && limit <= OpenQuery.MaxBufferedParents;
        if (set.Source.Provider == SourceProvider.MySql && !bounded && query.Expands.Count > 0)
        {
            // The related rows cannot be read beside an open reader on MySQL, and reading an unbounded page whole would
            // hold it all in memory (decision 97).
            throw Errors.ODataProblem.NotImplemented(
                $"$expand on pages of more than {OpenQuery.MaxBufferedParents - 1} rows from a MySQL or MariaDB source (ask for smaller pages: $top or Prefer: odata.maxpagesize)");
        }

        var reading = set.Source.Provider switch
        {
            SourceProvider.Sqlite => ParentReading.Alongside,
            _ when bounded => ParentReading.Buffered,
            SourceProvider.PostgreSql => ParentReading.Cursor,
            _ => ParentReading.Alongside,
        };
        var batched = reading == ParentReading.Buffered ? ExpandBatch.Plan(query, now) : null;
        return OpenAsync(set, principal, count, data, reading, cancellationToken, batched: batched);
    }

    /// <summary>
    /// Connects through the source's pipeline (retries, circuit breaker), then sends the statements. A pooled connection
    /// is at hand at once, and Polly costs nothing when its callback completes at once; around the statements' round
    /// trip its strategies' state machines were 4.6 KB of a point read's 15.5 KB allocated per request. A statement that
    /// fails transiently on that connection (one that died in the pool, a server restart) is sent again, connection and
    /// all, inside the pipeline, which retries it and counts its outcome as before; so is every statement while the
    /// circuit is not closed.
    /// </summary>
    private async Task<OpenQuery> OpenAsync(PublishedSet set, string principal, SqlStatement? count, SqlStatement data, ParentReading reading, CancellationToken cancellationToken, WindowedPage? windowed = null, ExpandBatch? batched = null)
    {
        var source = set.Source;
        if (source.Breaker.State.CircuitState != Polly.CircuitBreaker.CircuitState.Closed)
        {
            return await InPipelineAsync(set, principal, count, data, reading, windowed, batched, cancellationToken);
        }

        var activity = tracing.StartSql(source, count, data);
        OpenQuery? open = null;
        try
        {
            open = await ConnectAsync(set, principal, cancellationToken);
            await StartAsync(open, count, data, reading, windowed, batched, cancellationToken);
            return open;
        }
        catch (Exception ex) when (open is not null && SourceResilience.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
        {
            // Sent again below, through the pipeline.
        }
        catch (Exception ex)
        {
            ServerTracing.Failed(activity, ex);
            if (open is not null)
            {
                await open.DisposeAsync();
            }

            throw;
        }
        finally
        {
            activity?.Dispose();
        }

        await open.DisposeAsync();
        return await InPipelineAsync(set, principal, count, data, reading, windowed, batched, cancellationToken);
    }

    /// <summary>One of the source's statement slots and a connection, through its pipeline (completes at once from the pool).</summary>
    private ValueTask<OpenQuery> ConnectAsync(PublishedSet set, string principal, CancellationToken cancellationToken)
        => set.Source.Resilience.ExecuteAsync(
            static (state, ct) => OpenQuery.ConnectAsync(state.Executor, state.Set, state.Principal, ct),
            (Executor: this, Set: set, Principal: principal),
            cancellationToken);

    private Task<OpenQuery> InPipelineAsync(PublishedSet set, string principal, SqlStatement? count, SqlStatement data, ParentReading reading, WindowedPage? windowed, ExpandBatch? batched, CancellationToken cancellationToken)
        => set.Source.Resilience.ExecuteAsync(
            static (state, ct) => new ValueTask<OpenQuery>(state.Executor.OpenOnceAsync(state.Set, state.Principal, state.Count, state.Data, state.Reading, state.Windowed, state.Batched, ct)),
            (Executor: this, Set: set, Principal: principal, Count: count, Data: data, Reading: reading, Windowed: windowed, Batched: batched),
            cancellationToken).AsTask();

    private async Task<OpenQuery> OpenOnceAsync(PublishedSet set, string principal, SqlStatement? count, SqlStatement data, ParentReading reading, WindowedPage? windowed, ExpandBatch? batched, CancellationToken cancellationToken)
    {
        // Until the first row can be read: the rows themselves are read while the response is written.
        using var activity = tracing.StartSql(set.Source, count, data);
        var open = await OpenQuery.ConnectAsync(this, set, principal, cancellationToken);
        try
        {
            await StartAsync(open, count, data, reading, windowed, batched, cancellationToken);
            return open;
        }
        catch (Exception ex) when (!ServerTracing.Failed(activity, ex))
        {
            await open.DisposeAsync();
            throw;
        }
    }

    private static Task StartAsync(OpenQuery open, SqlStatement? count, SqlStatement data, ParentReading reading, WindowedPage? windowed, ExpandBatch? batched, CancellationToken cancellationToken)
        => batched is not null
            ? open.StartBatchedAsync(count, data, batched, cancellationToken)
            : open.StartAsync(count, data, reading, cancellationToken, windowed);

    /// <summary>A count alone (<c>/$count</c>), connected and sent as <see cref="OpenAsync(PublishedSet, string, SqlStatement?, SqlStatement, ParentReading, CancellationToken, WindowedPage?, ExpandBatch?)"/> does.</summary>
    public async Task<long> CountAsync(PublishedSet set, string principal, SqlStatement count, CancellationToken cancellationToken)
    {
        if (set.Source.Breaker.State.CircuitState == Polly.CircuitBreaker.CircuitState.Closed)
        {
            using var activity = tracing.StartSql(set.Source, null, count);
            OpenQuery? open = null;
            try
            {
                open = await ConnectAsync(set, principal, cancellationToken);
                return await open.ScalarAsync(count, cancellationToken);
            }
            catch (Exception ex) when (open is not null && SourceResilience.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                // Sent again below, through the pipeline.
            }
            catch (Exception ex) when (ServerTracing.Failed(activity, ex))
            {
                throw;
            }
            finally
            {
                if (open is not null)
                {
                    await open.DisposeAsync();
                }
            }
        }

        return await set.Source.Resilience.ExecuteAsync(
            static (state, ct) => new ValueTask<long>(state.Executor.CountOnceAsync(state.Set, state.Principal, state.Count, ct)),
            (Executor: this, Set: set, Principal: principal, Count: count),
            cancellationToken);
    }

    private async Task<long> CountOnceAsync(PublishedSet set, string principal, SqlStatement count, CancellationToken cancellationToken)
    {
        using var activity = tracing.StartSql(set.Source, null, count);
        try
        {
            await using var open = await OpenQuery.ConnectAsync(this, set, principal, cancellationToken);
            return await open.ScalarAsync(count, cancellationToken);
        }
        catch (Exception ex) when (ServerTracing.Failed(activity, ex))
        {
            throw;
        }
    }

    /// <summary>
    /// Reads the one row <paramref name="query"/> selects by key (null when there is none) with its expanded levels, all
    /// on one connection.
    /// </summary>
    public async Task<BufferedRow?> ReadEntityAsync(EntityQuery query, string principal, SqlStatement statement, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var open = await OpenAsync(query.Set, principal, null, statement, cancellationToken);
        if (!await open.ReadAsync(cancellationToken))
        {
            return null;
        }

        var row = RowReader.Read(open.Reader, query.ReadColumns);
        await open.CloseReaderAsync();
        await open.LoadExpandsAsync(query, [row], now, cancellationToken);
        return row;
    }

    /// <summary>
    /// Waits for one of <paramref name="set"/>'s shares of its source's slots, then one of <paramref name="principal"/>'s,
    /// then for a slot, all within one connect timeout; then the source is busy (503, or a stale cached answer). Shares
    /// come first, the set's before the principal's: a request waiting for its own set's or principal's statements holds
    /// nothing another set or principal could use.
    /// </summary>
    internal static async ValueTask<Slot> TakeSlotAsync(PublishedSet set, string principal, CancellationToken cancellationToken)
    {
        // A request whose client is already gone never starts its SQL.
        cancellationToken.ThrowIfCancellationRequested();
        var source = set.Source;
        var timeout = TimeSpan.FromSeconds(source.Options.ConnectTimeoutSeconds);
        var started = Stopwatch.GetTimestamp();
        var setShare = await source.SetShares.TakeAsync(set.Name, timeout, cancellationToken)
            ?? throw new SourceBusyException(source.Name, set: set.Name);
        IDisposable? share = null;
        try
        {
            share = await source.Shares.TakeAsync(principal, Left(timeout, started), cancellationToken)
                ?? throw new SourceBusyException(source.Name, source.Shares.Share);
            if (!source.Slots.Wait(0, CancellationToken.None) && !await source.Slots.WaitAsync(Left(timeout, started), cancellationToken))
            {
                throw new SourceBusyException(source.Name);
            }
        }
        catch
        {
            share?.Dispose();
            setShare.Dispose();
            throw;
        }

        return new Slot(source.Slots, share, setShare);
    }

    private static TimeSpan Left(TimeSpan timeout, long started)
    {
        var left = timeout - Stopwatch.GetElapsedTime(started);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    internal Activity? StartSql(DataSource source, SqlStatement statement) => tracing.StartSql(source, null, statement);

    /// <summary>Counts, measures and (at Debug) logs a statement about to be sent.</summary>
    internal void Sending(DataSource source, SqlStatement? statement)
    {
        if (statement is not null)
        {
            statistics.CountStatement();
            metrics.StatementSent(source.Name);
            ServerLog.ExecutingSql(logger, source.Name, statement.Text, statement.Parameters.Count);
        }
    }

    internal static long ToCount(object? value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
}

/// <summary>A first page with <c>COUNT(*) OVER ()</c> beside each row, at <paramref name="CountOrdinal"/>.</summary>
internal sealed record WindowedPage(SqlStatement Statement, int CountOrdinal);

/// <summary>How the rows of a statement are read when related rows must be loaded on the same connection.</summary>
internal enum ParentReading
{
    /// <summary>No related rows: the reader streams.</summary>
    None,

    /// <summary>Read whole (a bounded page), then the reader is closed and the connection is free.</summary>
    Buffered,

    /// <summary>Through a server-side cursor in a read-only transaction, one batch per FETCH (PostgreSQL).</summary>
    Cursor,

    /// <summary>The reader stays open while related rows are read by other statements on the same connection (SQLite).</summary>
    Alongside,
}
