using System.Data.Common;
using OData.Virtualization.Model;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Execution;

/// <summary>Parents in batches and their related rows (<c>$expand</c>), all on this query's one connection.</summary>
internal sealed partial class OpenQuery
{
    /// <summary>The levels that came in the page's batch (<see cref="ExpandBatch"/>), their rows by join key once read.</summary>
    private ExpandBatch? _batched;
    private Dictionary<ExpandedQuery, Dictionary<object?[], List<BufferedRow>>>? _batchedRows;

    /// <summary>
    /// Sends the optional count, the page and the expanded levels of <paramref name="levels"/> in one batch, in one
    /// read-only snapshot: one round trip. The page is read whole by <see cref="ReadBatchAsync"/> (a bounded page), then
    /// the levels' rows.
    /// </summary>
    internal Task StartBatchedAsync(SqlStatement? count, SqlStatement data, ExpandBatch levels, CancellationToken cancellationToken)
        => Noting(StartBatchedCoreAsync(count, data, levels, cancellationToken));

    private async Task StartBatchedCoreAsync(SqlStatement? count, SqlStatement data, ExpandBatch levels, CancellationToken cancellationToken)
    {
        if (!_connection.CanCreateBatch)
        {
            await StartAsync(count, data, ParentReading.Buffered, cancellationToken);
            return;
        }

        _reading = ParentReading.Buffered;
        _data = data;
        _batched = levels;
        _executor.Sending(_source, count);
        _executor.Sending(_source, data);
        var batch = _connection.CreateBatch();
        _command = batch;
        batch.Timeout = _source.Options.CommandTimeoutSeconds;
        batch.BatchCommands.Add(SourceCommands.BatchCommand(batch, _source, new SqlStatement(ExpandBatch.Begin, [])));
        if (count is not null)
        {
            batch.BatchCommands.Add(SourceCommands.BatchCommand(batch, _source, count));
        }

        batch.BatchCommands.Add(SourceCommands.BatchCommand(batch, _source, data));
        foreach (var (_, statement) in levels.Levels)
        {
            _executor.Sending(_source, statement);
            batch.BatchCommands.Add(SourceCommands.BatchCommand(batch, _source, statement));
        }

        batch.BatchCommands.Add(SourceCommands.BatchCommand(batch, _source, new SqlStatement(ExpandBatch.Commit, [])));
        _reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (count is not null)
        {
            // BEGIN has no result: the reader starts at the count.
            await _reader.ReadAsync(cancellationToken);
            Count = QueryExecutor.ToCount(_reader.GetValue(0));
            await _reader.NextResultAsync(cancellationToken);
        }
    }

    /// <summary>After the page's rows: the rows of each level in the batch, by the join values of their parent.</summary>
    private async Task ReadBatchedLevelsAsync(CancellationToken cancellationToken)
    {
        _batchedRows = new(ReferenceEqualityComparer.Instance);
        foreach (var (expand, _) in _batched!.Levels)
        {
            if (!await Reader.NextResultAsync(cancellationToken))
            {
                throw new InvalidOperationException("The batch ended before the rows of an expanded level.");
            }

            _batchedRows[expand] = (await ReadRelatedAsync(Reader, expand, cancellationToken)).ByParent;
        }
    }
    /// <summary>
    /// The next at most <paramref name="max"/> parent rows (none when the statement has no more), each with the values
    /// <paramref name="readOrder"/> takes from its row (what a next link continues after). Between two batches the
    /// connection is free for <see cref="LoadExpandsAsync"/>.
    /// </summary>
    public Task<IReadOnlyList<BufferedRow>> ReadBatchAsync(IReadOnlyList<PublishedColumn> columns, int max, Func<DbDataReader, object?[]>? readOrder, CancellationToken cancellationToken)
        => Noting(ReadBatchCoreAsync(columns, max, readOrder, cancellationToken));

    private async Task<IReadOnlyList<BufferedRow>> ReadBatchCoreAsync(IReadOnlyList<PublishedColumn> columns, int max, Func<DbDataReader, object?[]>? readOrder, CancellationToken cancellationToken)
    {
        switch (_reading)
        {
            case ParentReading.Buffered:
            {
                if (_buffered is null)
                {
                    // The page statement is bounded (its LIMIT is the page and one row more): read it whole, then free
                    // the connection for the related rows.
                    _buffered = await ReadRowsAsync(Reader, columns, OpenQuery.MaxBufferedParents, readOrder, cancellationToken);
                    if (_batched is not null)
                    {
                        await ReadBatchedLevelsAsync(cancellationToken);
                    }

                    await CloseReaderAsync();
                }

                var take = Math.Min(max, _buffered.Count - _consumed);
                var batch = _buffered.GetRange(_consumed, take);
                _consumed += take;
                return batch;
            }

            case ParentReading.Cursor:
            {
                if (_exhausted)
                {
                    return [];
                }

                var batch = await FetchAsync(columns, max, readOrder, cancellationToken);
                _exhausted = batch.Count < max;
                return batch;
            }

            default:
                return await ReadRowsAsync(Reader, columns, max, readOrder, cancellationToken);
        }
    }

    /// <summary>Whether the statement has a row after those read (it is read and dropped: call once, at the end of a page).</summary>
    public Task<bool> HasMoreAsync(IReadOnlyList<PublishedColumn> columns, CancellationToken cancellationToken) => Noting(HasMoreCoreAsync(columns, cancellationToken));

    private async Task<bool> HasMoreCoreAsync(IReadOnlyList<PublishedColumn> columns, CancellationToken cancellationToken) => _reading switch
    {
        ParentReading.Buffered => _buffered is not null && _consumed < _buffered.Count,
        ParentReading.Cursor => !_exhausted && (await FetchAsync(columns, 1, null, cancellationToken)).Count > 0,
        _ => await ReadAsync(cancellationToken),
    };

    /// <summary>
    /// Loads the expanded levels of <paramref name="rows"/>: one statement per expanded navigation property and level for
    /// the whole batch of parents, never one per row, on this query's connection.
    /// </summary>
    public Task LoadExpandsAsync(EntityQuery query, IReadOnlyList<BufferedRow> rows, DateTimeOffset now, CancellationToken cancellationToken)
        => Noting(LoadExpandsCoreAsync(query, rows, now, cancellationToken));

    private async Task LoadExpandsCoreAsync(EntityQuery query, IReadOnlyList<BufferedRow> rows, DateTimeOffset now, CancellationToken cancellationToken)
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
            var join = expand.Navigation.Join;
            var localIndexes = join.Select(j => query.ReadColumns.IndexOfColumn(j.Local)).ToArray();
            Dictionary<object?[], List<BufferedRow>> byParent;
            List<BufferedRow> children;
            var batched = _batchedRows?.GetValueOrDefault(expand);
            if (batched is not null)
            {
                // Read in the page's batch, for every parent of the page: these parents' share of them.
                byParent = batched;
                children = [];
            }
            else
            {
                var parentValues = rows.Select(r => localIndexes.Select(i => r.Values[i]).ToArray()).ToList();
                var statement = SqlCompiler.Expand(expand, parentValues, now);
                _executor.Sending(_source, statement);
                using (_executor.StartSql(_source, statement))
                await using (var command = _source.CreateCommand(_connection, statement))
                {
                    command.Transaction = _transaction;
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    (byParent, children) = await ReadRelatedAsync(reader, expand, cancellationToken);
                }
            }

            // The related rows' own levels load from this list: none to collect when the level has none.
            var nested = expand.Query.Expands.Count > 0;
            var seen = batched is null || !nested ? null : new HashSet<BufferedRow>(ReferenceEqualityComparer.Instance);
            foreach (var row in rows)
            {
                var joinKey = new object?[localIndexes.Length];
                for (var j = 0; j < localIndexes.Length; j++)
                {
                    joinKey[j] = row.Values[localIndexes[j]];
                }

                var related = byParent.GetValueOrDefault(joinKey) ?? [];
                row.Expanded![e] = related;
                if (seen is not null)
                {
                    // A related row may belong to several parents (a to-one navigation): its own levels once.
                    children.AddRange(related.Where(seen.Add));
                }
            }

            if (nested)
            {
                await LoadExpandsCoreAsync(expand.Query, children, now, cancellationToken);
            }
        }
    }

    /// <summary>An expanded level's rows from <paramref name="reader"/>, in its order, and by their parents' join values.</summary>
    private static async Task<(Dictionary<object?[], List<BufferedRow>> ByParent, List<BufferedRow> Rows)> ReadRelatedAsync(DbDataReader reader, ExpandedQuery expand, CancellationToken cancellationToken)
    {
        var join = expand.Navigation.Join;
        var childColumns = expand.Query.ReadColumns;
        var byParent = new Dictionary<object?[], List<BufferedRow>>(JoinKeyComparer.Instance);
        var children = new List<BufferedRow>();

        // A join column the row read already (unmasked: a masked one holds the text the response shows) is taken from the
        // row; the statement selected the others after the read columns (ExpandedQuery.JoinOrdinals).
        var ordinals = expand.JoinOrdinals();

        while (await reader.ReadAsync(cancellationToken))
        {
            var child = RowReader.Read(reader, childColumns);
            var joinKey = new object?[join.Count];
            for (var j = 0; j < joinKey.Length; j++)
            {
                joinKey[j] = ordinals[j] < childColumns.Count ? child.Values[ordinals[j]] : ValueWriter.ReadBoxed(reader, ordinals[j], join[j].Remote.Type);
            }

            children.Add(child);
            if (!byParent.TryGetValue(joinKey, out var list))
            {
                byParent[joinKey] = list = [];
            }

            list.Add(child);
        }

        return (byParent, children);
    }

    private async Task<List<BufferedRow>> FetchAsync(IReadOnlyList<PublishedColumn> columns, int count, Func<DbDataReader, object?[]>? readOrder, CancellationToken cancellationToken)
    {
        var fetch = new SqlStatement($"FETCH FORWARD {count.ToString(System.Globalization.CultureInfo.InvariantCulture)} FROM {CursorName}", []);
        await using var command = _source.CreateCommand(_connection, fetch);
        command.Transaction = _transaction;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadRowsAsync(reader, columns, count, readOrder, cancellationToken);
    }

    private static async Task<List<BufferedRow>> ReadRowsAsync(DbDataReader reader, IReadOnlyList<PublishedColumn> columns, int max, Func<DbDataReader, object?[]>? readOrder, CancellationToken cancellationToken)
    {
        // Grown as rows come: a buffered page's max is the buffer's bound (thousands), its page usually tens of rows.
        var rows = new List<BufferedRow>(Math.Min(max, 64));
        while (rows.Count < max && await reader.ReadAsync(cancellationToken))
        {
            var row = RowReader.Read(reader, columns);
            row.Order = readOrder?.Invoke(reader);
            rows.Add(row);
        }

        return rows;
    }
}
