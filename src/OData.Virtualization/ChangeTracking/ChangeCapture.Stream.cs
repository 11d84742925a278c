using System.Text;
using System.Text.Json;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using OData.Virtualization.Diagnostics;

namespace OData.Virtualization.ChangeTracking;

/// <summary>Reading the slot: relations, row changes, commits.</summary>
internal sealed partial class ChangeCapture
{
    /// <summary>A relation of the publication: its set and the ordinals of its key columns (null: not tracked).</summary>
    private sealed record Relation(TrackedTable? Table, string[] Columns, int[] KeyOrdinals);

    private async Task StreamAsync(LogicalReplicationConnection replication, PgOutputReplicationSlot slot, NpgsqlConnection writer, ChangeStore store, IReadOnlyList<TrackedTable> tables, CancellationToken ct)
    {
        var relations = new Dictionary<uint, Relation>();
        var pending = new List<CapturedChange>();
        var truncated = false;
        var options = new PgOutputReplicationOptions(_options.PublicationName, PgOutputProtocolVersion.V1);
        await foreach (var message in replication.StartReplication(slot, options, ct))
        {
            switch (message)
            {
                case BeginMessage:
                    lock (_status)
                    {
                        _inTransaction = true;
                    }

                    pending.Clear();
                    truncated = false;
                    break;
                case RelationMessage relation:
                    relations[relation.RelationId] = Describe(relation, tables);
                    break;
                case InsertMessage insert when Tracked(relations, insert.Relation) is { } r:
                    pending.Add(new CapturedChange(r.Table!.Store, (await ReadAsync(insert.NewRow, r, whole: false, ct)).Key, false, null));
                    break;
                case FullUpdateMessage update when Tracked(relations, update.Relation) is { } r:
                {
                    // REPLICA IDENTITY FULL: the row as it was, so that a caller whose row filter admitted it is told
                    // when it leaves (removed, reason changed), and no other caller hears of it.
                    var old = await ReadAsync(update.OldRow, r, whole: true, ct);
                    var now = await ReadAsync(update.NewRow, r, whole: false, ct);
                    AddUpdate(pending, r, old.Key, now.Key, old.Row);
                    break;
                }

                case IndexUpdateMessage update when Tracked(relations, update.Relation) is { } r:
                {
                    var old = await ReadAsync(update.Key, r, whole: false, ct);
                    var now = await ReadAsync(update.NewRow, r, whole: false, ct);
                    AddUpdate(pending, r, old.Key, now.Key, oldRow: null);
                    break;
                }

                case UpdateMessage update when Tracked(relations, update.Relation) is { } r:
                    pending.Add(new CapturedChange(r.Table!.Store, (await ReadAsync(update.NewRow, r, whole: false, ct)).Key, false, null));
                    break;
                case FullDeleteMessage delete when Tracked(relations, delete.Relation) is { } r:
                {
                    var old = await ReadAsync(delete.OldRow, r, whole: true, ct);
                    pending.Add(new CapturedChange(r.Table!.Store, old.Key, true, old.Row));
                    break;
                }

                case KeyDeleteMessage delete when Tracked(relations, delete.Relation) is { } r:
                    pending.Add(new CapturedChange(r.Table!.Store, (await ReadAsync(delete.Key, r, whole: false, ct)).Key, true, null));
                    break;
                case TruncateMessage truncate when truncate.Relations.Any(t => Tracked(relations, t) is not null):
                    truncated = true;
                    break;
                case CommitMessage commit:
                    await CommitAsync(replication, writer, store, pending, truncated, commit, ct);
                    break;
            }
        }
    }

    private async Task CommitAsync(LogicalReplicationConnection replication, NpgsqlConnection writer, ChangeStore store, List<CapturedChange> pending, bool truncated, CommitMessage commit, CancellationToken ct)
    {
        // Stored first, acknowledged after: a crash in between gets the transaction again (stored twice, which a
        // delta does not show: it sends each key once, in its current state).
        await store.AppendAsync(writer, pending, commit.TransactionEndLsn, commit.TransactionCommitTimestamp, ct);
        if (truncated)
        {
            // A TRUNCATE removes rows without naming them: no delta can list them, so every earlier link is answered 410.
            await store.BeginEpochAsync(writer, time.GetUtcNow(), ct);
        }

        foreach (var group in pending.GroupBy(c => c.Set))
        {
            metrics.Captured(_setNames.GetValueOrDefault(group.Key, group.Key), group.Count());
        }

        metrics.CaptureLag(Math.Max(0, (time.GetUtcNow() - commit.TransactionCommitTimestamp).TotalSeconds));
        lock (_status)
        {
            _inTransaction = false;
            _acknowledged = commit.TransactionEndLsn;
            replication.SetReplicationStatus(commit.TransactionEndLsn);
        }

        await replication.SendStatusUpdate(ct);
        pending.Clear();
    }

    /// <summary>
    /// An update: the key changed, with <paramref name="oldRow"/> (FULL) when it is known. An update that changed the
    /// key removes the old key (deleted, with the old row) and changes the new one.
    /// </summary>
    private static void AddUpdate(List<CapturedChange> pending, Relation relation, string oldKey, string newKey, string? oldRow)
    {
        if (oldKey != newKey && oldKey != "{}")
        {
            pending.Add(new CapturedChange(relation.Table!.Store, oldKey, true, oldRow));
            pending.Add(new CapturedChange(relation.Table!.Store, newKey, false, null));
            return;
        }

        pending.Add(new CapturedChange(relation.Table!.Store, newKey, false, oldRow));
    }

    private static Relation? Tracked(Dictionary<uint, Relation> relations, RelationMessage relation)
        => relations.TryGetValue(relation.RelationId, out var known) && known.Table is not null ? known : null;

    private static Relation Describe(RelationMessage relation, IReadOnlyList<TrackedTable> tables)
    {
        var table = tables.FirstOrDefault(t => t.Schema == relation.Namespace && t.Table == relation.RelationName);
        var columns = relation.Columns.Select(c => c.ColumnName).ToArray();
        var keys = table?.KeyColumns.Select(k => Array.IndexOf(columns, k)).ToArray() ?? [];
        return new Relation(keys.Contains(-1) ? null : table, columns, keys);
    }

    /// <summary>
    /// Reads a tuple (every value must be read, in order): its key as a JSON object of key column → text, and with
    /// <paramref name="whole"/> every column's (the old image a row filter judges a deleted row by).
    /// </summary>
    private static async Task<(string Key, string? Row)> ReadAsync(ReplicationTuple tuple, Relation relation, bool whole, CancellationToken ct)
    {
        var texts = new string?[relation.Columns.Length];
        var present = new bool[relation.Columns.Length];
        var i = 0;
        await foreach (var value in tuple)
        {
            var wanted = whole || relation.KeyOrdinals.Contains(i);
            if (wanted && !value.IsDBNull && !value.IsUnchangedToastedValue)
            {
                texts[i] = await value.Get<string>(ct);
                present[i] = true;
            }
            else if (wanted && value.IsDBNull)
            {
                present[i] = true;
            }

            i++;
        }

        var key = Json(relation.KeyOrdinals.Where(o => texts[o] is not null).Select(o => (relation.Columns[o], texts[o])));
        var row = whole ? Json(Enumerable.Range(0, texts.Length).Where(o => present[o]).Select(o => (relation.Columns[o], texts[o]))) : null;
        return (key, row);
    }

    private static string Json(IEnumerable<(string Name, string? Text)> values)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (name, text) in values)
            {
                json.WriteString(name, text);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
