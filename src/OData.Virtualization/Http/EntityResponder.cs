using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Http;
using OData.Virtualization.Caching;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Errors;
using OData.Virtualization.Execution;
using OData.Virtualization.Model;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>Answers the requests for one entity by key: the entity (<c>/set(key)</c>), one property, or its raw <c>$value</c>.</summary>
internal sealed class EntityResponder(QueryExecutor executor, NavigationParents parents, AnswerSender answers, ResponseKeys keys, TimeProvider time)
{
    public Task RespondAsync(ODataRequest request, PreparedRequest prepared)
    {
        var (set, query, format) = (prepared.Set, prepared.Query, prepared.Format);
        var now = time.GetUtcNow();
        var ttl = keys.Ttl(set);
        request.Timings.Parse = request.Timings.Elapsed;
        if (prepared.Kind == PreparedKind.Entity)
        {
            CacheKey entityKey() => ResponseKeys.WithExpandShape(ResponseKeys.For(request.Scope, "entity", set, request.ServiceRoot, format).Add("sql", prepared.Select(now)), query, now);
            return answers.SendAsync(request, entityKey, ttl, async (pipe, t, ct) =>
            {
                var started = Stopwatch.GetTimestamp();
                var row = await executor.ReadEntityAsync(query, request.Scope.Principal, prepared.Select(now), now, ct) ?? await NotFoundAsync(prepared, request.Scope.Principal, now, ct);
                t.Sql = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                t.Rows = 1;
                await using var stream = new StreamingJsonWriter(pipe);
                var contextUrl = format.Metadata == MetadataLevel.None ? null : ContextUrl.ForEntity(request.ServiceRoot, query);
                var etag = WriteResponder.TagOf(query, row);
                new EntityWriter(request.ServiceRoot, format).WriteBuffered(stream.Json, row, query, contextUrl, etag);
                await stream.FlushAsync(ct);
                return new RenderResult(StatusCodes.Status200OK, format.ContentType, ETag: etag);
            });
        }

        var rawValue = prepared.Kind == PreparedKind.Value;
        CacheKey propertyKey() => ResponseKeys.For(request.Scope, rawValue ? "value" : "property", set, request.ServiceRoot, format).Add("sql", prepared.Select(now));
        return answers.SendAsync(request, propertyKey, ttl, async (pipe, t, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            var row = await executor.ReadEntityAsync(query, request.Scope.Principal, prepared.Select(now), now, ct) ?? await NotFoundAsync(prepared, request.Scope.Principal, now, ct);
            t.Sql = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return await RenderPropertyAsync(pipe, request.ServiceRoot, prepared, row, ct);
        });
    }

    /// <summary>
    /// No row has the key: a 404 that says whether the entity or a parent on its navigation path is missing. The row is
    /// read in the renderer itself, not in a helper, so that a found row costs no state machine more (decision 129).
    /// </summary>
    private async Task<BufferedRow> NotFoundAsync(PreparedRequest prepared, string principal, DateTimeOffset now, CancellationToken ct)
        => throw await parents.NotFoundAsync(prepared.Query, principal, now, ct);

    private static async Task<RenderResult> RenderPropertyAsync(PipeWriter pipe, string serviceRoot, PreparedRequest prepared, BufferedRow row, CancellationToken ct)
    {
        var column = prepared.Column!;
        var value = row.Values[0];
        var format = prepared.Format;
        if (value is null && !column.Type.IsCollection)
        {
            return new RenderResult(StatusCodes.Status204NoContent, "text/plain");
        }

        if (prepared.Kind == PreparedKind.Value)
        {
            if (value is byte[] bytes)
            {
                pipe.Write(bytes);
                return new RenderResult(StatusCodes.Status200OK, "application/octet-stream");
            }

            // Not null here: only a collection gets this far with null, and a collection has no raw $value (a 400 when planned).
            pipe.Write(Encoding.UTF8.GetBytes(ValueWriter.FormatRaw(value!, column.Type)));
            return new RenderResult(StatusCodes.Status200OK, "text/plain;charset=utf-8");
        }

        await using var stream = new StreamingJsonWriter(pipe);
        var writer = stream.Json;
        writer.WriteStartObject();
        if (format.Metadata != MetadataLevel.None)
        {
            writer.WriteString("@odata.context", ContextUrl.ForProperty(serviceRoot, prepared.Set, prepared.Query.Key ?? KeyOf(row, prepared.Query), column));
        }

        writer.WritePropertyName("value");
        ValueWriter.WriteBoxed(writer, value, column.Type, format.Ieee754Compatible, format.StandardBase64);
        writer.WriteEndObject();
        await stream.FlushAsync(ct);
        return new RenderResult(StatusCodes.Status200OK, format.ContentType);
    }

    /// <summary>The key of the row a property was read from (a property reached by navigation names no key).</summary>
    private static IReadOnlyList<(PublishedColumn Column, object Value)> KeyOf(BufferedRow row, EntityQuery query)
        => query.Set.Key.Select(k => (k, row.Values[query.ReadColumns.IndexOfColumn(k)]!)).ToList();
}
