using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Errors;
using OData.Virtualization.Security;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>
/// Serves everything under an OData service root: the service document, <c>$metadata</c>, entity sets, entities by key,
/// properties, raw values and counts, for every entity set (nothing is generated per table). This class only frames a
/// request — its time budget, its errors, admission — and hands it through the stages: the target
/// (<see cref="RequestTarget"/>), the memo (<see cref="RequestMemo"/>), the planner (<see cref="RequestPlanner"/>) and
/// one responder per kind of resource.
/// </summary>
internal sealed class ODataEndpoint(
    Gatekeeper gatekeeper,
    RequestLimiter limiter,
    RequestMemo memo,
    RequestPlanner planner,
    AnswerSender answers,
    Responders responders,
    WriteResponder writes,
    IOptionsMonitor<VirtualizationOptions> options,
    RequestTelemetry telemetry,
    ChangeTracking.ChangeFeed changes,
    ILogger<ODataEndpoint> logger)
{
    public const string RoutePrefix = "odata";

    /// <summary>The Salesforce root as mapped at start-up (a reloaded prefix would not move the route; read once).</summary>
    private readonly string _salesforcePrefix = options.CurrentValue.Salesforce.RoutePrefix.Trim('/');

    /// <summary>Where every link starts, when configured (transport settings are read at start-up).</summary>
    private readonly string? _publicBase = RequestTarget.PublicBase(options.CurrentValue.Transport.PublicBaseUrl);

    /// <summary>Serves the service root <c>/odata/</c>: the published model as it is.</summary>
    public Task HandleAsync(HttpContext context) => HandleAsync(context, salesforce: false);

    /// <summary>Serves the Salesforce Connect profile's service root (<c>/salesforce/</c> by default).</summary>
    public Task HandleSalesforceAsync(HttpContext context) => HandleAsync(context, salesforce: true);

    /// <summary>Serves one request under either root; a <c>$batch</c> part comes here as a request of its own (<see cref="BatchRun"/>).</summary>
    public async Task HandleAsync(HttpContext context, bool salesforce)
    {
        var response = context.Response;
        response.Headers["OData-Version"] = "4.0";
        var timings = RequestTimings.Start(context);

        // The request's time budget: when it runs out, the SQL is cancelled like when the client hangs up.
        var client = context.RequestAborted;
        var seconds = options.CurrentValue.Limits.RequestTimeoutSeconds;
        using var budget = seconds > 0 ? RequestBudget.Start(client, TimeSpan.FromSeconds(seconds)) : null;
        if (budget is not null)
        {
            context.RequestAborted = budget.Token;
        }

        try
        {
            await HandleCoreAsync(context, timings, salesforce);
        }
        catch (OperationCanceledException) when (budget?.IsCancellationRequested == true && !client.IsCancellationRequested && !response.HasStarted && !BodyStarted(context))
        {
            context.RequestAborted = client;
            await ODataErrorWriter.WriteAsync(context, new ODataProblem(504, "RequestTimeout", $"The request took longer than {seconds} seconds and was cancelled, its SQL too. Narrow the query and try again."));
        }
        catch (Exception ex) when (!response.HasStarted && !BodyStarted(context))
        {
            var problem = ErrorMapping.ToProblem(ex, context, logger);
            if (problem is null)
            {
                return; // the client went away
            }

            await ODataErrorWriter.WriteAsync(context, problem);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Headers and part of the body are gone: the only honest signal left is a broken response.
            ServerLog.FailedMidStream(logger, ex, context.TraceIdentifier);
            context.Abort();
        }
        catch (OperationCanceledException)
        {
            context.Abort();
        }
        finally
        {
            // The budget's source is reused once this request is over: what runs after it (the middleware finishing
            // the response) sees the client's own token.
            context.RequestAborted = client;
            telemetry.Complete(context, timings, salesforce, clientGone: client.IsCancellationRequested);
        }
    }

    /// <summary>Whether the request's answer has begun (a streamed body, held back by a buffer): then no error can replace it.</summary>
    private static bool BodyStarted(HttpContext context) => context.Features.Get<ODataRequest>()?.BodyStarted == true;

    private async Task HandleCoreAsync(HttpContext context, RequestTimings timings, bool salesforce)
    {
        var http = context.Request;
        var settings = options.CurrentValue;
        var write = WriteResponder.IsWrite(http.Method) && WriteResponder.AnyOpened(settings);
        if (!write && !HttpMethods.IsGet(http.Method) && !HttpMethods.IsHead(http.Method))
        {
            // No set accepts writes (the default): every write is refused before anything else, as it always was.
            context.Response.Headers.Allow = "GET, HEAD";
            throw new ODataProblem(405, "MethodNotAllowed", $"This service is read-only: {http.Method} is not allowed. Use GET.");
        }

        var target = RequestTarget.Read(context, salesforce ? _salesforcePrefix : RoutePrefix, settings.Limits, _publicBase);
        var scope = await gatekeeper.AdmitAsync(context);
        if (salesforce)
        {
            scope = SalesforceScope.Of(scope, settings.Salesforce);
        }

        context.Features.Set(scope);
        using var lease = await limiter.AcquireAsync(context, scope);
        if (write)
        {
            // Never remembered nor cached: each write is planned, checked and run for itself.
            PercentEncoding.Check(target.Relative);
            RequestTarget.CheckQueryOptionNames(http);
            if (target.IsServiceDocument || target.IsMetadata || target.IsBatch)
            {
                context.Response.Headers.Allow = "GET, HEAD";
                throw new ODataProblem(405, "MethodNotAllowed", $"{http.Method} is not allowed here: write to an entity set or an entity.");
            }

            var writeRequest = new ODataRequest(context, scope, target, timings, string.Empty);
            context.Features.Set(writeRequest);
            await writes.RespondAsync(writeRequest, settings.Limits);
            return;
        }

        // Plans and remembered cache keys are shared by callers with the same rules, model and limits (the memo scope),
        // and forgotten when the options change (the generation moves; a request planned under the old options stores
        // under it).
        // A walk's continuations share one key, their token's value left out.
        var walk = RequestMemo.WalkOf(target.Relative);
        var memoKey = RequestMemo.Key(scope.MemoScope(memo.Generation), target.ServiceRoot, walk ?? target.Relative, http.Headers.Accept.ToString(), http.Headers["Prefer"].ToString());
        var request = new ODataRequest(context, scope, target, timings, memoKey);
        context.Features.Set(request);
        if (memo.TryGet(memoKey, out var known))
        {
            // A repeated request whose answer is in the cache skips parsing, planning and SQL compilation; one planned
            // before (its answer not cached, or caching off) skips the parser and the planner; a walk's next page only
            // reads its token.
            if (known.Answer is { } answer && await answers.TryRepeatAsync(request, answer, known.Prepared.Set.Source.WriteGeneration, known.Prepared.Set.Name))
            {
                return;
            }

            timings.EntitySet = known.Prepared.Set.Name;
            await responders.RespondAsync(request, walk is null ? known.Prepared : planner.Continue(request, known.Prepared));
            return;
        }

        // Only here: a remembered request passed this check when it was first planned (the target is part of its key).
        PercentEncoding.Check(target.Relative);
        RequestTarget.CheckQueryOptionNames(http, deltaTokens: changes.Enabled);
        if (target.IsServiceDocument)
        {
            var format = ResponseFormat.Negotiate(http.Query["$format"], http.Headers.Accept);
            await ServiceDocumentWriter.WriteAsync(context, scope.Model, target.ServiceRoot, format);
            return;
        }

        if (target.IsMetadata)
        {
            await MetadataResponder.WriteAsync(context, scope.Metadata, http.Query["$format"]);
            return;
        }

        if (target.IsBatch)
        {
            // POST {root}/$batch has a route of its own (BatchEndpoint); here only a $batch inside a batch arrives.
            throw ODataProblem.BadRequest("A $batch request cannot contain another $batch: send its requests in the outer batch.", "$batch");
        }

        var prepared = planner.Plan(request, settings.Limits);
        if (settings.Compatibility.StandardBase64)
        {
            prepared = prepared with { Format = prepared.Format with { StandardBase64 = true } };
        }

        memo.Remember(memoKey, target.Relative, prepared);
        await responders.RespondAsync(request, prepared);
    }
}
