using Microsoft.AspNetCore.Http;
using OData.Virtualization.Caching;
using OData.Virtualization.Execution;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>
/// Answers a single-valued navigation property (<c>shipments(4)/carrier</c>): the related entity, with
/// <c>$select</c> and <c>$expand</c>; <c>204 No Content</c> when nothing is related (a NULL foreign key, or a related
/// row outside the caller's row filter), as OData 4.01 Protocol §11.2.7 says; 404 when the caller cannot see the parent.
/// </summary>
internal sealed class RelatedResponder(QueryExecutor executor, NavigationParents parents, AnswerSender answers, ResponseKeys keys, TimeProvider time)
{
    public async Task RespondAsync(ODataRequest request, PreparedRequest prepared)
    {
        var (set, query, format) = (prepared.Set, prepared.Query, prepared.Format);
        var now = time.GetUtcNow();
        var principal = request.Scope.Principal;
        var statement = prepared.Select(now); // compiled once per remembered request, as an entity's
        request.Timings.Parse = request.Timings.Elapsed;
        CacheKey key() => ResponseKeys.WithExpandShape(ResponseKeys.For(request.Scope, "related", set, request.ServiceRoot, format).Add("sql", statement), query, now);
        await answers.SendAsync(request, key, keys.Ttl(set), async (pipe, t, ct) =>
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var row = await executor.ReadEntityAsync(query, principal, statement, now, ct);
            if (row is null)
            {
                await parents.EnsureExistsAsync(query.Via!, principal, now, ct);
                t.Sql = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                return new RenderResult(StatusCodes.Status204NoContent, "text/plain");
            }

            t.Sql = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            t.Rows = 1;
            await using var stream = new StreamingJsonWriter(pipe);
            var contextUrl = format.Metadata == MetadataLevel.None ? null : ContextUrl.ForEntity(request.ServiceRoot, query);
            new EntityWriter(request.ServiceRoot, format).WriteBuffered(stream.Json, row, query, contextUrl);
            await stream.FlushAsync(ct);
            return new RenderResult(StatusCodes.Status200OK, format.ContentType);
        });
    }
}
