using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Model;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Execution;

/// <summary>Runs compiled statements on a source's pooled connections.</summary>
internal sealed class QueryExecutor(CacheStatistics statistics, ServerMetrics metrics, ServerTracing tracing, ILogger<QueryExecutor> logger)
{
    /// <summary>
    /// Runs the optional count and the data statement in one round trip where the provider batches
    /// (PostgreSQL), and returns the open reader positioned before the first data row.
    /// </summary>
    public Task<OpenQuery> OpenAsync(DataSource source, SqlStatement? count, SqlStatement data, CancellationToken cancellationToken)
        => source.Resilience.ExecuteAsync(static (state, ct) => new ValueTask<OpenQuery>(state.Executor.OpenOnceAsync(state.Source, state.Count, state.Data, ct)), (Executor: this, Source: source, Count: count, Data: data), cancellationToken).AsTask();

    private async Task<OpenQuery> OpenOnceAsync(DataSource source, SqlStatement? count, SqlStatement data, CancellationToken cancellationToken)
    {
        // Until the first row can be read: the rows themselves are read while the response is written.
        using var activity = tracing.StartSql(source, count, data);
        var slot = await TakeSlotAsync(source, cancellationToken);
        DbConnection connection;
        try
        {
            connection = await source.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (!ServerTracing.Failed(activity, ex))
        {
            slot.Dispose();
            throw;
        }
        try
        {
            Log(source, count);
            Log(source, data);
            if (count is not null && connection.CanCreateBatch)
            {
                var batch = connection.CreateBatch();
                batch.Timeout = source.Options.CommandTimeoutSeconds;
                batch.BatchCommands.Add(CreateBatchCommand(batch, source, count));
                batch.BatchCommands.Add(CreateBatchCommand(batch, source, data));
                var batchReader = await batch.ExecuteReaderAsync(cancellationToken);
                await batchReader.ReadAsync(cancellationToken);
                var total = Convert.ToInt64(batchReader.GetValue(0), CultureInfo.InvariantCulture);
                await batchReader.NextResultAsync(cancellationToken);
                return new OpenQuery(connection, batch, batchReader, total, slot);
            }

            long? counted = null;
            if (count is not null)
            {
                await using var countCommand = source.CreateCommand(connection, count);
                counted = Convert.ToInt64(await countCommand.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            }

            var command = source.CreateCommand(connection, data);
            var reader = await command.ExecuteReaderAsync(CommandBehavior.Default, cancellationToken);
            return new OpenQuery(connection, command, reader, counted, slot);
        }
        catch (Exception ex) when (!ServerTracing.Failed(activity, ex))
        {
            await connection.DisposeAsync();
            slot.Dispose();
            throw;
        }
    }

    public Task<long> CountAsync(DataSource source, SqlStatement count, CancellationToken cancellationToken)
        => source.Resilience.ExecuteAsync(static (state, ct) => new ValueTask<long>(state.Executor.CountOnceAsync(state.Source, state.Count, ct)), (Executor: this, Source: source, Count: count), cancellationToken).AsTask();

    private async Task<long> CountOnceAsync(DataSource source, SqlStatement count, CancellationToken cancellationToken)
    {
        using var activity = tracing.StartSql(source, null, count);
        try
        {
            using var slot = await TakeSlotAsync(source, cancellationToken);
            await using var connection = await source.OpenConnectionAsync(cancellationToken);
            Log(source, count);
            await using var command = source.CreateCommand(connection, count);
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ServerTracing.Failed(activity, ex))
        {
            throw;
        }
    }

    /// <summary>
    /// Loads the expanded levels of <paramref name="rows"/>: one statement per expanded navigation property
    /// and level for the whole batch of parents, never one per row.
    /// </summary>
    public async Task LoadExpandsAsync(DbConnection connection, EntityQuery query, IReadOnlyList<BufferedRow> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (rows.Count == 0 || query.Expands.Count == 0)
        {
            return;
        }

        foreach (var row in rows)
        {
            row.Expanded = new List<BufferedRow>[query.Expands.Count];
        }

        for (var e = 0; e < query.Expands.Count; e++)
        {
            var expand = query.Expands[e];
            var localIndexes = expand.Navigation.Join.Select(j => query.ReadColumns.IndexOfColumn(j.Local)).ToArray();
            var parentValues = rows.Select(r => localIndexes.Select(i => r.Values[i]).ToArray()).ToList();
            var statement = SqlCompiler.Expand(expand, parentValues, now);
            var source = expand.Query.Set.Source;
            Log(source, statement);

            var childColumns = expand.Query.ReadColumns;
            var byParent = new Dictionary<object?[], List<BufferedRow>>(JoinKeyComparer.Instance);
            var children = new List<BufferedRow>();
            using (tracing.StartSql(source, null, statement))
            await using (var command = source.CreateCommand(connection, statement))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    var values = new object?[childColumns.Count];
                    for (var i = 0; i < values.Length; i++)
                    {
                        values[i] = ValueWriter.ReadBoxed(reader, i, childColumns[i].Type);
                    }

                    var joinValues = new object?[expand.Navigation.Join.Count];
                    for (var j = 0; j < joinValues.Length; j++)
                    {
                        joinValues[j] = ValueWriter.ReadBoxed(reader, childColumns.Count + j, expand.Navigation.Join[j].Remote.Type);
                    }

                    var child = new BufferedRow(values);
                    children.Add(child);
                    var joinKey = joinValues;
                    if (!byParent.TryGetValue(joinKey, out var list))
                    {
                        byParent[joinKey] = list = [];
                    }

                    list.Add(child);
                }
            }

            foreach (var row in rows)
            {
                var joinKey = new object?[localIndexes.Length];
                for (var j = 0; j < localIndexes.Length; j++)
                {
                    joinKey[j] = row.Values[localIndexes[j]];
                }

                row.Expanded![e] = byParent.GetValueOrDefault(joinKey) ?? [];
            }

            await LoadExpandsAsync(connection, expand.Query, children, now, cancellationToken);
        }
    }

    /// <summary>Waits for one of the source's statement slots, up to its connect timeout; then the source is busy (503).</summary>
    private static async Task<IDisposable> TakeSlotAsync(DataSource source, CancellationToken cancellationToken)
    {
        if (!await source.Slots.WaitAsync(TimeSpan.FromSeconds(source.Options.ConnectTimeoutSeconds), cancellationToken))
        {
            throw new SourceBusyException(source.Name);
        }

        return new Slot(source.Slots);
    }

    private static DbBatchCommand CreateBatchCommand(DbBatch batch, DataSource source, SqlStatement statement)
    {
        var command = batch.CreateBatchCommand();
        command.CommandText = statement.Text;
        using var scratch = batch.Connection!.CreateCommand();
        for (var i = 0; i < statement.Parameters.Count; i++)
        {
            command.Parameters.Add(source.Dialect.CreateParameter(scratch, i, statement.Parameters[i]));
        }

        return command;
    }

    private void Log(DataSource source, SqlStatement? statement)
    {
        if (statement is not null)
        {
            statistics.CountStatement();
            metrics.StatementSent(source.Name);
            ServerLog.ExecutingSql(logger, source.Name, statement.Text, statement.Parameters.Count);
        }
    }
}

/// <summary>An open reader with the connection and command it needs; dispose when the response is written.</summary>
internal sealed class OpenQuery(DbConnection connection, IAsyncDisposable command, DbDataReader reader, long? count, IDisposable slot) : IAsyncDisposable
{
    public DbConnection Connection { get; } = connection;

    public DbDataReader Reader { get; } = reader;

    public long? Count { get; } = count;

    public async ValueTask DisposeAsync()
    {
        await Reader.DisposeAsync();
        await command.DisposeAsync();
        await Connection.DisposeAsync();
        slot.Dispose();
    }
}

/// <summary>A source slot, released once.</summary>
internal sealed class Slot(SemaphoreSlim semaphore) : IDisposable
{
    private int _released;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            semaphore.Release();
        }
    }
}

/// <summary>Every statement slot of a source stayed taken for the whole connect timeout.</summary>
internal sealed class SourceBusyException(string sourceName)
    : Exception($"The data source '{sourceName}' is answering as many statements as it is allowed to.")
{
    public string SourceName { get; } = sourceName;
}

/// <summary>
/// Compares join values across the two sides of a relationship, whose columns may differ in integer width
/// (an integer foreign key to a bigint key): integers compare by value.
/// </summary>
internal sealed class JoinKeyComparer : IEqualityComparer<object?[]>
{
    public static readonly JoinKeyComparer Instance = new();

    public bool Equals(object?[]? x, object?[]? y)
    {
        if (x is null || y is null || x.Length != y.Length)
        {
            return ReferenceEquals(x, y);
        }

        for (var i = 0; i < x.Length; i++)
        {
            if (!Equals(Normalize(x[i]), Normalize(y[i])))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode(object?[] obj)
    {
        var hash = new HashCode();
        foreach (var value in obj)
        {
            hash.Add(Normalize(value));
        }

        return hash.ToHashCode();
    }

    private static object? Normalize(object? value) => value switch
    {
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        _ => value,
    };
}
