using System.Globalization;
using Microsoft.AspNetCore.Http;
using OData.Virtualization.Execution;
using OData.Virtualization.Model;
using OData.Virtualization.Paging;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>
/// Answers a collection request: one page (or, with paging off, the whole result) rendered from the data reader,
/// with <c>@odata.count</c> when asked and an <c>@odata.nextLink</c> that continues by key.
/// </summary>
internal sealed class CollectionResponder(QueryExecutor executor, PagePlanner pages)
{
    /// <summary>Parents buffered per batch when <c>$expand</c> must join related rows in.</summary>
    private const int ExpandBatchSize = 1_000;

    public PagePlanner Pages => pages;

    /// <summary>Everything rendering needs, decided before the statement runs.</summary>
    public sealed record Request(PagePlan Plan, string ServiceRoot, string RelativeTarget, ResponseFormat Format, DateTimeOffset Now)
    {
        /// <summary>The page's statements, when the caller compiled them already (for its cache key).</summary>
        public (SqlCompiler.PageStatement Page, SqlStatement? Count)? Compiled { get; init; }
    }

    /// <summary>Runs the page's statements and renders the response into <paramref name="stream"/>; returns the rows written.</summary>
    public async Task<long> RenderAsync(Request request, StreamingJsonWriter stream, Func<Task>? beforeFirstByte, CancellationToken ct)
    {
        var plan = request.Plan;
        var query = plan.Query;
        var (page, count) = request.Compiled ?? (SqlCompiler.Page(query, request.Now), query.Count ? SqlCompiler.Count(query, request.Now) : null);
        await using var open = await executor.OpenAsync(query.Set.Source, count, page.Statement, ct);
        if (beforeFirstByte is not null)
        {
            await beforeFirstByte();
        }

        var writer = stream.Json;
        var format = request.Format;
        var entities = new EntityWriter(request.ServiceRoot, format);
        writer.WriteStartObject();
        if (format.Metadata != MetadataLevel.None)
        {
            writer.WriteString("@odata.context", ContextUrl.ForCollection(request.ServiceRoot, query));
        }

        if (open.Count is { } total)
        {
            writer.WritePropertyName("@odata.count");
            writer.WriteNumberValue(total);
        }

        writer.WritePropertyName("value");
        writer.WriteStartArray();
        var limit = plan.PageRows ?? long.MaxValue;
        var last = plan.MayHaveNext ? new object?[page.OrderOrdinals.Count] : null;
        long written;
        if (query.Expands.Count == 0)
        {
            written = 0;
            while (written < limit && await open.Reader.ReadAsync(ct))
            {
                entities.WriteFromReader(writer, open.Reader, query);
                written++;
                if (last is not null)
                {
                    ReadOrderValues(open, page, last);
                }

                await stream.FlushIfNeededAsync(ct);
            }
        }
        else
        {
            written = await WriteExpandedAsync(stream, open, query, page, entities, limit, last, request.Now, ct);
        }

        writer.WriteEndArray();

        // One row more than the page was asked for: if it came, another page follows.
        if (plan.MayHaveNext && written == limit && await open.Reader.ReadAsync(ct))
        {
            var token = pages.Codec.Encode(new SkipToken(plan.Fingerprint, plan.Returned + written, plan.PageSize!.Value, last!));
            writer.WriteString("@odata.nextLink", PagePlanner.NextLink(request.ServiceRoot, request.RelativeTarget, token));
        }

        writer.WriteEndObject();
        await stream.FlushAsync(ct);
        return written;
    }

    /// <summary>Sets the response headers that describe the page (before the body is written).</summary>
    public static void WriteHeaders(HttpResponse response, PagePlan plan, ResponseFormat format)
    {
        response.ContentType = format.ContentType;
        if (plan.PreferenceApplied is { } applied)
        {
            response.Headers["Preference-Applied"] = "odata.maxpagesize=" + applied.ToString(CultureInfo.InvariantCulture);
        }
    }

    private static void ReadOrderValues(OpenQuery open, SqlCompiler.PageStatement page, object?[] last)
    {
        for (var i = 0; i < last.Length; i++)
        {
            var ordinal = page.OrderOrdinals[i];
            var type = page.Terms[i].Type ?? ColumnType.Of(ValueKind.String);
            last[i] = ValueWriter.ReadBoxed(open.Reader, ordinal, type);
        }
    }

    private async Task<long> WriteExpandedAsync(
        StreamingJsonWriter stream,
        OpenQuery open,
        EntityQuery query,
        SqlCompiler.PageStatement page,
        EntityWriter entities,
        long limit,
        object?[]? last,
        DateTimeOffset now,
        CancellationToken ct)
    {
        // The parent reader stays open while related rows are read: they need a second connection.
        await using var related = await query.Set.Source.OpenConnectionAsync(ct);
        var columns = query.ReadColumns;
        var batch = new List<BufferedRow>(ExpandBatchSize);
        long written = 0;
        var more = true;
        while (more && written < limit)
        {
            batch.Clear();
            while (batch.Count < ExpandBatchSize && written + batch.Count < limit && (more = await open.Reader.ReadAsync(ct)))
            {
                var values = new object?[columns.Count];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = ValueWriter.ReadBoxed(open.Reader, i, columns[i].Type);
                }

                if (last is not null)
                {
                    ReadOrderValues(open, page, last);
                }

                batch.Add(new BufferedRow(values));
            }

            await executor.LoadExpandsAsync(related, query, batch, now, ct);
            foreach (var row in batch)
            {
                entities.WriteBuffered(stream.Json, row, query);
                await stream.FlushIfNeededAsync(ct);
            }

            written += batch.Count;
        }

        return written;
    }
}
