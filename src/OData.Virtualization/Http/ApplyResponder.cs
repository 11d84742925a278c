using System.Globalization;
using Microsoft.AspNetCore.Http;
using OData.Virtualization.Caching;
using OData.Virtualization.Execution;
using OData.Virtualization.Paging;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>
/// Answers <c>/set?$apply=…</c>: one page of aggregated rows from one <c>GROUP BY</c> statement (and its count, in the
/// same round trip where the provider batches), rendered once and kept in the response cache like any page. Pages
/// continue by <c>$skip</c>: aggregated rows have no key to continue after (decision 79).
/// </summary>
internal sealed class ApplyResponder(QueryExecutor executor, AnswerSender answers, ResponseKeys keys, PagePlanner pages, TimeProvider time)
{
    public async Task RespondAsync(ODataRequest request, PreparedRequest prepared)
    {
        var apply = prepared.Apply!;
        var set = prepared.Set;
        var format = prepared.Format;
        var now = time.GetUtcNow();
        var (pageSize, applied) = pages.PageSize(request.Context.Request, prepared.Query, request.Scope.MaxPageSize);
        var skip = apply.Skip ?? 0;
        long? rows = apply.Top;
        var mayHaveNext = false;
        if (pageSize is { } size && (apply.Top is null || apply.Top > size))
        {
            rows = size;
            mayHaveNext = true; // one row more is read: if it comes, another page follows
        }

        var data = SqlCompiler.Apply(apply, now, mayHaveNext ? rows + 1 : rows, skip > 0 ? skip : null);
        var count = apply.Count ? SqlCompiler.ApplyCount(apply, now) : null;
        request.Timings.Parse = request.Timings.Elapsed;
        CacheKey key() => ResponseKeys.For(request.Scope, "apply", set, request.ServiceRoot, format)
            .Add("apply", request.Context.Request.Query["$apply"].ToString())
            .Add("sql", data)
            .Add("count", count)
            .Add("page", pageSize?.ToString(CultureInfo.InvariantCulture));
        await answers.SendAsync(request, key, keys.Ttl(set), async (pipe, t, ct) =>
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await using var open = await executor.OpenAsync(set, request.Scope.Principal, count, data, ct);
            t.Sql = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            await using var stream = new StreamingJsonWriter(pipe);
            var writer = stream.Json;
            writer.WriteStartObject();
            if (format.Metadata != MetadataLevel.None)
            {
                writer.WriteString("@odata.context", AggregateWriter.Context(request.ServiceRoot, apply));
            }

            if (open.Count is { } total)
            {
                CountAnnotation.Write(writer, "@odata.count", total, format);
            }

            writer.WritePropertyName("value");
            writer.WriteStartArray();
            long written = 0;
            var limit = rows ?? long.MaxValue;
            while (written < limit && await open.ReadAsync(ct))
            {
                AggregateWriter.WriteRow(writer, open.Reader, apply, format);
                written++;
                await stream.FlushIfNeededAsync(ct);
            }

            writer.WriteEndArray();
            if (mayHaveNext && written == limit && await open.ReadAsync(ct))
            {
                writer.WriteString("@odata.nextLink", PagePlanner.OffsetLink(request.ServiceRoot, request.Relative, skip + written, apply.Top - written));
            }

            writer.WriteEndObject();
            await stream.FlushAsync(ct);
            t.Rows = written;
            var headers = applied is { } preference
                ? new Dictionary<string, string> { ["Preference-Applied"] = "odata.maxpagesize=" + preference.ToString(CultureInfo.InvariantCulture) }
                : null;
            return new RenderResult(StatusCodes.Status200OK, format.ContentType, headers);
        });
    }
}
