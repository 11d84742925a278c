using System.Data.Common;
using OData.Virtualization.Execution;
using OData.Virtualization.Model;
using OData.Virtualization.Paging;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>
/// Renders a collection: one page (or, with paging off, the whole result) from the data reader, with <c>@odata.count</c>
/// when asked and an <c>@odata.nextLink</c> that continues by key. Expanded parents are read in batches on the
/// statement's own connection, their related rows loaded between batches.
/// </summary>
internal sealed class PageRenderer(QueryExecutor executor, PagePlanner pages)
{
    /// <summary>Parents whose related rows are loaded with one statement per expanded property.</summary>
    private const int ExpandBatchSize = 1_000;

    /// <summary>Runs the page's statements and renders the response into <paramref name="stream"/>; returns the rows written.</summary>
    public async Task<long> RenderAsync(PageRender render, StreamingJsonWriter stream, Func<Task>? beforeFirstByte, CancellationToken ct)
    {
        var plan = render.Plan;
        var query = plan.Query;
        var (page, count) = render.Compiled ?? (render.Statements ?? new PageStatements()).Compile(plan, render.Now);
        var limit = plan.PageRows ?? long.MaxValue;
        var expanding = query.Expands.Count > 0;
        await using var open = expanding
            ? await executor.OpenParentsAsync(query, render.Principal, count, page.Statement, plan.PageRows is { } rows ? rows + (plan.MayHaveNext ? 1 : 0) : null, render.Now, ct)
            : await executor.OpenAsync(query.Set, render.Principal, count, page.Statement, ct, Windowed(render, count));
        if (beforeFirstByte is not null)
        {
            await beforeFirstByte();
        }

        var writer = stream.Json;
        var format = render.Format;
        var entities = new EntityWriter(render.ServiceRoot, format);
        writer.WriteStartObject();
        if (format.Metadata != MetadataLevel.None)
        {
            writer.WriteString("@odata.context", ContextUrl.ForCollection(render.ServiceRoot, query));
        }

        if (open.Count is { } total)
        {
            CountAnnotation.Write(writer, "@odata.count", total, format);
        }

        writer.WritePropertyName("value");
        writer.WriteStartArray();
        object?[]? last = null;
        long written = 0;
        if (!expanding)
        {
            var order = plan.MayHaveNext ? new object?[page.OrderOrdinals.Count] : null;
            while (written < limit && await open.ReadAsync(ct))
            {
                entities.WriteFromReader(writer, open.Reader, query);
                written++;
                if (order is not null && written == limit)
                {
                    // Only a full page's last row can be followed by a next link: its values alone are read.
                    ReadOrderValues(open.Reader, page, order);
                }

                await stream.FlushIfNeededAsync(ct);
            }

            last = order;
        }
        else
        {
            Func<DbDataReader, object?[]>? readOrder = plan.MayHaveNext ? reader => ReadOrderValues(reader, page, new object?[page.OrderOrdinals.Count]) : null;
            while (written < limit)
            {
                var batch = await open.ReadBatchAsync(query.ReadColumns, (int)Math.Min(ExpandBatchSize, limit - written), readOrder, ct);
                if (batch.Count == 0)
                {
                    break;
                }

                await open.LoadExpandsAsync(query, batch, render.Now, ct);
                foreach (var row in batch)
                {
                    entities.WriteBuffered(writer, row, query);
                    await stream.FlushIfNeededAsync(ct);
                }

                written += batch.Count;
                last = batch[^1].Order;
            }
        }

        writer.WriteEndArray();

        // One row more than the page was asked for: if it came, another page follows.
        if (plan.MayHaveNext && written == limit && (expanding ? await open.HasMoreAsync(query.ReadColumns, ct) : await open.ReadAsync(ct)))
        {
            var token = pages.Codec.Encode(new SkipToken(plan.Fingerprint, plan.Returned + written, plan.PageSize!.Value, last!));
            writer.WriteString("@odata.nextLink", PagePlanner.NextLink(render.ServiceRoot, render.RelativeTarget, token) + render.NextLinkSuffix);
        }
        else if (render.DeltaLink is { } delta)
        {
            writer.WriteString("@odata.deltaLink", delta);
        }

        writer.WriteEndObject();
        await stream.FlushAsync(ct);
        return written;
    }

    /// <summary>
    /// The page with its count beside each row, for a first page of PostgreSQL whose count was asked for and whose
    /// statement returns a row whenever one matches (no OFFSET, a limit above 0); null otherwise.
    /// </summary>
    private static WindowedPage? Windowed(PageRender render, SqlStatement? count)
    {
        var (plan, now) = (render.Plan, render.Now);
        var query = plan.Query;
        if (count is null || query.Set.Source.Provider != Sources.SourceProvider.PostgreSql || query.Paging?.After is not null
            || query.Skip is > 0 || query.Top is 0 || plan.PageRows is 0)
        {
            return null;
        }

        var windowed = render.Statements is { } statements ? statements.CompileWindowed(plan, now) : SqlCompiler.Page(query, now, windowCount: true);
        return new WindowedPage(windowed.Statement, windowed.CountOrdinal);
    }

    private static object?[] ReadOrderValues(DbDataReader reader, SqlCompiler.PageStatement page, object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            var type = page.Terms[i].Type ?? ColumnType.Of(ValueKind.String);
            values[i] = ValueWriter.ReadBoxed(reader, page.OrderOrdinals[i], type);
        }

        return values;
    }
}
