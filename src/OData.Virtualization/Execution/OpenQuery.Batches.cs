using System.Data.Common;
using OData.Virtualization.Model;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Execution;

/// <summary>Parents in batches and their related rows (<c>$expand</c>), all on this query's one connection.</summary>
internal sealed partial class OpenQuery
{
    /// <summary>
    /// The next at most <paramref name="max"/> parent rows (none when the statement has no more), each with the values
    /// <paramref name="readOrder"/> takes from its row (what a next link continues after). Between two batches the
    /// connection is free for <see cref="LoadExpandsAsync"/>.
    /// </summary>
    public async Task<IReadOnlyList<BufferedRow>> ReadBatchAsync(IReadOnlyList<PublishedColumn> columns, int max, Func<DbDataReader, object?[]>? readOrder, CancellationToken cancellationToken)
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
    public async Task<bool> HasMoreAsync(IReadOnlyList<PublishedColumn> columns, CancellationToken cancellationToken) => _reading switch
    {
        ParentReading.Buffered => _buffered is not null && _consumed < _buffered.Count,
        ParentReading.Cursor => !_exhausted && (await FetchAsync(columns, 1, null, cancellationToken)).Count > 0,
        _ => await Reader.ReadAsync(cancellationToken),
    };

    /// <summary>
    /// Loads the expanded levels of <paramref name="rows"/>: one statement per expanded navigation property and level for
    /// the whole batch of parents, never one per row, on this query's connection.
    /// </summary>
    public async Task LoadExpandsAsync(EntityQuery query, IReadOnlyList<BufferedRow> rows, DateTimeOffset now, CancellationToken cancellationToken)
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
            var parentValues = rows.Select(r => localIndexes.Select(i => r.Values[i]).ToArray()).ToList();
            var statement = SqlCompiler.Expand(expand, parentValues, now);
            _executor.Sending(_source, statement);

            var childColumns = expand.Query.ReadColumns;
            var byParent = new Dictionary<object?[], List<BufferedRow>>(JoinKeyComparer.Instance);
            var children = new List<BufferedRow>();
            using (_executor.StartSql(_source, statement))
            await using (var command = _source.CreateCommand(_connection, statement))
            {
                command.Transaction = _transaction;
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var child = RowReader.Read(reader, childColumns);
                    var joinKey = new object?[join.Count];
                    for (var j = 0; j < joinKey.Length; j++)
                    {
                        joinKey[j] = ValueWriter.ReadBoxed(reader, childColumns.Count + j, join[j].Remote.Type);
                    }

                    children.Add(child);
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

            await LoadExpandsAsync(expand.Query, children, now, cancellationToken);
        }
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
        var rows = new List<BufferedRow>(Math.Min(max, 1_024));
        while (rows.Count < max && await reader.ReadAsync(cancellationToken))
        {
            var row = RowReader.Read(reader, columns);
            row.Order = readOrder?.Invoke(reader);
            rows.Add(row);
        }

        return rows;
    }
}
