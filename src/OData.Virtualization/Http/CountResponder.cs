using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using OData.Virtualization.Caching;
using OData.Virtualization.Execution;
using OData.Virtualization.Query;

namespace OData.Virtualization.Http;

/// <summary>Answers <c>/set/$count</c>: the number of entities the query options select, as plain text.</summary>
internal sealed class CountResponder(QueryExecutor executor, NavigationParents parents, AnswerSender answers, ResponseKeys keys, TimeProvider time)
{
    public async Task RespondAsync(ODataRequest request, PreparedRequest prepared)
    {
        var set = prepared.Set;
        var now = time.GetUtcNow();
        var count = SqlCompiler.Count(prepared.Query, now);
        request.Timings.Parse = request.Timings.Elapsed;
        CacheKey key() => ResponseKeys.For(request.Scope, "count", set, request.ServiceRoot, null).Add("sql", count);
        await answers.SendAsync(request, key, keys.Ttl(set), async (pipe, t, ct) =>
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var total = await executor.CountAsync(set, request.Scope.Principal, count, ct);
            if (total == 0 && prepared.Query.Via is { } via)
            {
                await parents.EnsureExistsAsync(via, request.Scope.Principal, now, ct); // nothing related, or no parent: a 404
            }

            t.Sql = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            pipe.Write(Encoding.UTF8.GetBytes(total.ToString(CultureInfo.InvariantCulture)));
            return new RenderResult(StatusCodes.Status200OK, "text/plain;charset=utf-8");
        });
    }
}
