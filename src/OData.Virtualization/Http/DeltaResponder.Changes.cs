using System.Text;
using System.Text.Json;
using OData.Virtualization.ChangeTracking;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>Following a delta link: the entities changed since it was issued, the removed ones, then the next link.</summary>
internal sealed partial class DeltaResponder
{
    /// <summary>The most changed keys in one delta page when the set has no page size.</summary>
    private const int DefaultDeltaPage = 1_000;

    private async Task DeltaAsync(ODataRequest request, PreparedRequest prepared, DeltaToken token)
    {
        var (set, ct) = (prepared.Set, request.Aborted);
        var store = TrackedTable.StoreName(set);
        var now = time.GetUtcNow();
        var position = await feed.Store.PositionAsync(ct);
        var gone = position is null || position.Epoch != token.Epoch
            ? "change tracking was restarted since it was issued (a new replication slot, or a TRUNCATE of the table)"
            : token.From < position.PurgedThrough || now.ToUnixTimeSeconds() - token.Issued > (long)feed.Options.Retention.TotalSeconds
                ? $"it is older than the {feed.Options.Retention.TotalDays:0.##} days for which changes are kept"
                : null;
        if (gone is not null)
        {
            metrics.DeltaRequest(set.Name, "gone");
            throw new ODataProblem(410, "DeltaLinkExpired", $"This delta link can no longer be answered: {gone}. Read '{set.Name}' again with Prefer: odata.track-changes, and follow the new @odata.deltaLink.", "$deltatoken");
        }

        if (feed.State == CaptureState.Failed)
        {
            throw new ODataProblem(503, "ChangeTrackingUnavailable", "Changes cannot be captured at the moment, so no delta can be complete; the operator is told why at start-up and in readiness. Try again later: this link stays valid.");
        }

        var upper = token.Upper ?? position!.Seq;
        var pageSize = Math.Clamp(prepared.Page?.PageSize ?? DefaultDeltaPage, 1, 5_000);
        var after = long.TryParse(token.After, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seq) ? seq : (long?)null;
        var keys = await feed.Store.ChangesAsync(store, token.From, upper, after, pageSize + 1, ct);
        var more = keys.Count > pageSize;
        if (more)
        {
            keys.RemoveAt(keys.Count - 1);
        }

        var query = prepared.Query with { Paging = null, Top = null, Skip = null, Count = false };
        var changed = keys.Where(k => !k.Deleted).ToList();
        var (selected, left, hidden) = changed.Count == 0 ? ([], [], []) : await SortChangedAsync(request, query, changed, now);
        var removed = new List<(string Id, string Reason)>();
        removed.AddRange((await RemovedIdsAsync(request, query, left, judgeHidden: false, now)).Select(id => (id, "changed")));
        removed.AddRange((await RemovedIdsAsync(request, query, hidden, judgeHidden: true, now)).Select(id => (id, "changed")));
        removed.AddRange((await RemovedIdsAsync(request, query, keys.Where(k => k.Deleted).ToList(), judgeHidden: false, now)).Select(id => (id, "deleted")));

        var next = more
            ? token with { Upper = upper, After = keys[^1].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture) }
            : token with { From = upper, Upper = null, After = null, Issued = now.ToUnixTimeSeconds() };
        metrics.DeltaRequest(set.Name, "delta");
        await WriteAsync(request, prepared, query with { ChangedKeys = KeysJson(selected) }, selected.Count, removed, more ? "@odata.nextLink" : "@odata.deltaLink", Link(request, next));
    }

    /// <summary>
    /// Which changed keys the caller may see (its row filter), split into those its query still selects and those it
    /// no longer does (removed, reason <c>changed</c>), and those it may not see now, or deleted since (hidden).
    /// </summary>
    private async Task<(List<ChangedKey> Selected, List<ChangedKey> Left, List<ChangedKey> Hidden)> SortChangedAsync(ODataRequest request, EntityQuery query, List<ChangedKey> changed, DateTimeOffset now)
    {
        var statement = SqlCompiler.ChangedKeyStates(query, KeysJson(changed), now);
        var matches = new Dictionary<string, bool>(StringComparer.Ordinal);
        await using (var open = await executor.OpenAsync(query.Set, request.Scope.Principal, null, statement, request.Aborted))
        {
            while (await open.ReadAsync(request.Aborted))
            {
                matches[open.Reader.GetString(0)] = open.Reader.GetBoolean(1);
            }
        }

        var selected = changed.Where(k => matches.TryGetValue(k.Key, out var match) && match).ToList();
        var left = changed.Where(k => matches.TryGetValue(k.Key, out var match) && !match).ToList();
        var hidden = changed.Where(k => !matches.ContainsKey(k.Key)).ToList();
        return (selected, left, hidden);
    }

    /// <summary>The old images of <paramref name="keys"/> (JSON objects), for the row filter to judge.</summary>
    private static List<string> OldRows(IEnumerable<ChangedKey> keys)
        => keys.Where(k => k.OldRows is { Length: > 2 }).Select(k => k.OldRows![1..^1]).ToList();

    /// <summary>
    /// The <c>@id</c>s of rows to report removed (deleted, or no longer selected): those the caller may have held, that
    /// is, rows of which some state since the link passed its row filter and the query's <c>$filter</c>/<c>$search</c>.
    /// Where the table logs old rows (REPLICA IDENTITY FULL), SQL judges every state the row had (decision 106). Without
    /// them a row is reported by its key (the client drops an id it does not hold), except to a caller with a row filter,
    /// who is never told of a row it could not see; <paramref name="judgeHidden"/> marks rows the caller cannot see now.
    /// </summary>
    private async Task<List<string>> RemovedIdsAsync(ODataRequest request, EntityQuery query, List<ChangedKey> keys, bool judgeHidden, DateTimeOffset now)
    {
        var judged = OldRows(keys);
        // On a FULL table a row without old images had no state before this one in the window (it was inserted in it).
        var full = feed.HasFullIdentity(TrackedTable.StoreName(query.Set));
        var unjudged = query.Set.RowFilter is null && !judgeHidden && !full ? keys.Where(k => k.OldRows is null).Select(k => k.Key).ToList() : [];
        var ids = await RemovedIdsAsync(request, query, judged, judge: true, now);
        ids.AddRange(await RemovedIdsAsync(request, query, unjudged, judge: false, now));
        return ids.Distinct(StringComparer.Ordinal).ToList(); // a row's several old images name it once
    }

    private async Task<List<string>> RemovedIdsAsync(ODataRequest request, EntityQuery query, List<string> rows, bool judge, DateTimeOffset now)
    {
        var set = query.Set;
        var ids = new List<string>();
        if (rows.Count == 0)
        {
            return ids;
        }

        var statement = SqlCompiler.RemovedKeys(query, "[" + string.Join(',', rows) + "]", judge, now);
        await using var open = await executor.OpenAsync(set, request.Scope.Principal, null, statement, request.Aborted);
        while (await open.ReadAsync(request.Aborted))
        {
            var key = new List<(PublishedColumn, object)>(set.Key.Count);
            for (var i = 0; i < set.Key.Count; i++)
            {
                key.Add((set.Key[i], ValueWriter.ReadBoxed(open.Reader, i, set.Key[i].Type)!));
            }

            ids.Add(request.ServiceRoot + set.Name + ContextUrl.KeyPredicate(key));
        }

        return ids;
    }

    /// <summary>
    /// The delta response (JSON Format 4.0 §15, as this service answers OData-Version 4.0): the changed entities with the
    /// caller's <c>$select</c>, each removed one as <c>{"@odata.context":"…/$deletedEntity","id":…,"reason":…}</c>, then
    /// the next page's link or the new delta link.
    /// </summary>
    private async Task WriteAsync(ODataRequest request, PreparedRequest prepared, EntityQuery query, int changedCount, List<(string Id, string Reason)> removed, string linkName, string link)
    {
        var (response, ct) = (request.Context.Response, request.Aborted);
        var set = prepared.Set;
        var format = prepared.Format;
        await using var open = changedCount == 0 ? null : await executor.OpenAsync(set, request.Scope.Principal, null, SqlCompiler.Page(query, time.GetUtcNow()).Statement, ct);
        response.ContentType = format.ContentType;
        response.Headers["X-Cache"] = "BYPASS";
        request.BodyStarted = true;
        await using var stream = new StreamingJsonWriter(response.BodyWriter);
        var writer = stream.Json;
        var entities = new EntityWriter(request.ServiceRoot, format);
        writer.WriteStartObject();
        writer.WriteString("@odata.context", ContextUrl.ForCollection(request.ServiceRoot, query) + "/$delta");
        writer.WritePropertyName("value");
        writer.WriteStartArray();
        long written = 0;
        while (open is not null && await open.ReadAsync(ct))
        {
            entities.WriteFromReader(writer, open.Reader, query);
            written++;
            await stream.FlushIfNeededAsync(ct);
        }

        var deletedContext = request.ServiceRoot + "$metadata#" + set.Name + "/$deletedEntity";
        foreach (var (id, reason) in removed)
        {
            writer.WriteStartObject();
            writer.WriteString("@odata.context", deletedContext);
            writer.WriteString("id", id);
            writer.WriteString("reason", reason);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString(linkName, link);
        writer.WriteEndObject();
        await stream.FlushAsync(ct);
        request.Timings.Rows = written + removed.Count;
        metrics.Served(set.Name, written + removed.Count);
    }

    private static string KeysJson(IEnumerable<ChangedKey> keys)
    {
        var text = new StringBuilder("[");
        foreach (var key in keys)
        {
            text.Append(text.Length > 1 ? "," : string.Empty).Append(key.Key);
        }

        return text.Append(']').ToString();
    }
}
