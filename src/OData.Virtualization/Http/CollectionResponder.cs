using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OData.Virtualization.Caching;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Paging;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>
/// Answers a collection request: a bounded page with caching on is rendered once into memory and kept (served with an
/// ETag); otherwise (caching off for the set, or server paging off) rows stream from the reader to the client.
/// </summary>
internal sealed class CollectionResponder(PageRenderer renderer, NavigationParents parents, AnswerSender answers, ResponseKeys keys, TimeProvider time, ILogger<CollectionResponder> logger)
{
    /// <param name="request">The request.</param>
    /// <param name="prepared">Its plan.</param>
    /// <param name="cacheable">
    /// False for a read of a tracked set that preferred change tracking but could not have it (capture not started):
    /// cached, it would be answered again without a delta link once tracking runs.
    /// </param>
    public async Task RespondAsync(ODataRequest request, PreparedRequest prepared, bool cacheable = true)
    {
        var plan = prepared.Page!;
        var format = prepared.Format;
        var (context, timings) = (request.Context, request.Timings);
        var now = time.GetUtcNow();
        var ttl = keys.Ttl(prepared.Set);
        var render = new PageRender(plan, request.Scope.Principal, request.ServiceRoot, request.Relative, format, now) { Statements = prepared.Pages };
        timings.Parse = timings.Elapsed;
        if (cacheable && plan.PageSize is not null && ttl > TimeSpan.Zero)
        {
            // Compiled once: for the cache key, and (on a miss) for the source.
            var (page, count) = prepared.Pages.Compile(plan, now);
            render = render with { Compiled = (page, count) };
            var key = ResponseKeys.For(request.Scope, "page", plan.Query.Set, request.ServiceRoot, format)
                .Add("page", page.Statement)
                .Add("count", count)
                .Add("position", plan.Fingerprint + "/" + plan.Returned.ToString(CultureInfo.InvariantCulture) + "/" + plan.PageSize.Value.ToString(CultureInfo.InvariantCulture));
            key = ResponseKeys.WithExpandShape(key, plan.Query, now);
            await answers.SendAsync(request, () => key, ttl, async (pipe, t, ct) =>
            {
                await using var stream = new StreamingJsonWriter(pipe);
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                t.Rows = await renderer.RenderAsync(render, stream, () =>
                {
                    t.Sql = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    return Task.CompletedTask;
                }, ct);
                if (t.Rows == 0 && plan.Returned == 0 && plan.Query.Via is { } via)
                {
                    // Nothing related, or a parent the caller cannot see (a 404; the rendered page is dropped).
                    await parents.EnsureExistsAsync(via, request.Scope.Principal, now, ct);
                }

                var headers = plan.PreferenceApplied is { } applied
                    ? new Dictionary<string, string> { ["Preference-Applied"] = "odata.maxpagesize=" + applied.ToString(CultureInfo.InvariantCulture) }
                    : null;
                return new RenderResult(StatusCodes.Status200OK, format.ContentType, headers);
            }, evictFirst: plan.Returned > 0); // a continuation page (from a $skiptoken): requested once per walk
            return;
        }

        if (plan.Query.Via is { } parent)
        {
            // Streamed: the status is sent before the first row is read, so the parent is asked for first.
            await parents.EnsureExistsAsync(parent, request.Scope.Principal, now, context.RequestAborted);
        }

        var response = context.Response;
        response.Headers["X-Cache"] = "BYPASS";
        answers.CountBypass();
        timings.Outcome = CacheOutcome.Bypass;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            WriteHeaders(response, plan, format);
            return;
        }

        // A streamed statement holds its slot while its client reads: however slowly the client reads, at most the
        // source's statement time limit after the first row (the database's own limit while it still sends). Past it,
        // the response is cut (an aborted chunked stream, which every client reports) and the slot is free.
        var source = plan.Query.Set.Source;
        using var hold = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        using var cut = hold.Token.Register(() =>
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                ServerLog.SlowReaderCut(logger, context.TraceIdentifier, source.Name, source.Options.CommandTimeoutSeconds);
                context.Abort();
            }
        });
        await using var streaming = new StreamingJsonWriter(response.BodyWriter);
        using var serialize = ServerTracing.StartSerialize();
        timings.Rows = await renderer.RenderAsync(render, streaming, beforeFirstByte: () =>
        {
            // The statement ran: from here on a failure can only abort the response.
            timings.Sql = timings.Elapsed - (timings.Parse ?? 0);
            WriteHeaders(response, plan, format);
            request.BodyStarted = true;
            hold.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, source.Options.CommandTimeoutSeconds)));
            return Task.CompletedTask;
        }, hold.Token);
    }

    /// <summary>Sets the response headers that describe the page (before the body is written).</summary>
    private static void WriteHeaders(HttpResponse response, PagePlan plan, ResponseFormat format)
    {
        response.ContentType = format.ContentType;
        if (plan.PreferenceApplied is { } applied)
        {
            response.Headers["Preference-Applied"] = "odata.maxpagesize=" + applied.ToString(CultureInfo.InvariantCulture);
        }
    }
}
