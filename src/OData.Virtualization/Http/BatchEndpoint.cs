using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Errors;
using OData.Virtualization.Security;

namespace OData.Virtualization.Http;

/// <summary>
/// Serves <c>POST {root}/$batch</c> on both service roots: reads the batch (<see cref="BatchReader"/>), signs the caller
/// in once, runs every part through <see cref="ODataEndpoint"/> as a request of its own (<see cref="BatchPartContext"/>:
/// the same admission, policies, limits and cache as if it came alone), one after the other, and writes each answer as
/// it comes (<see cref="BatchResponseWriter"/>). A write part is a write of its own (the endpoint's 405 where the set is
/// read-only); a change set's writes share one transaction (<see cref="BatchRun"/>). Without
/// <c>Prefer: odata.continue-on-error</c> the batch stops after the first part that fails (OData 4.01 Protocol
/// §8.2.8.3); with it, a part that depends on a failed one is a 424.
/// </summary>
internal sealed class BatchEndpoint(ODataEndpoint endpoint, Execution.WriteExecutor executor, Gatekeeper gatekeeper, IOptionsMonitor<VirtualizationOptions> options, ILoggerFactory loggers, ILogger<BatchEndpoint> logger)
{
    private readonly ILogger _requests = loggers.CreateLogger(RequestTelemetry.Category);

    /// <summary>The Salesforce root as mapped at start-up (as <see cref="ODataEndpoint"/> reads it).</summary>
    private readonly string _salesforcePrefix = options.CurrentValue.Salesforce.RoutePrefix.Trim('/');

    private readonly string? _publicBase = RequestTarget.PublicBase(options.CurrentValue.Transport.PublicBaseUrl);

    public Task HandleAsync(HttpContext context) => HandleAsync(context, salesforce: false);

    public Task HandleSalesforceAsync(HttpContext context) => HandleAsync(context, salesforce: true);

    private async Task HandleAsync(HttpContext context, bool salesforce)
    {
        context.Response.Headers["OData-Version"] = "4.0";
        var client = context.RequestAborted;
        var settings = options.CurrentValue;
        var seconds = settings.Limits.RequestTimeoutSeconds;

        // The whole batch has one request's time budget; each part has its own inside it, as the endpoint sets.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(client);
        if (seconds > 0)
        {
            budget.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        var started = false;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        BatchRun? run = null;
        var parts = 0;
        try
        {
            if (!HttpMethods.IsPost(context.Request.Method))
            {
                context.Response.Headers.Allow = "POST";
                throw new ODataProblem(405, "MethodNotAllowed", $"$batch takes POST, not {context.Request.Method}: send the batch's requests in the body of a POST (multipart/mixed or JSON).");
            }

            var prefix = salesforce ? _salesforcePrefix : ODataEndpoint.RoutePrefix;
            var target = RequestTarget.Read(context, prefix, settings.Limits, _publicBase);
            await gatekeeper.AdmitAsync(context);
            var contentType = context.Request.ContentType;
            var json = BatchReader.IsJson(contentType);
            await using var body = await ReadBodyAsync(context.Request, settings.Limits.MaxBatchBytes, budget.Token);
            var batch = BatchReader.Read(body, contentType!, json, target.ServiceRoot, settings.Limits.MaxBatchParts);
            var continueOnError = ContinueOnError(context.Request.Headers["Prefer"].ToString());
            if (continueOnError)
            {
                context.Response.Headers["Preference-Applied"] = "odata.continue-on-error";
            }

            started = true;
            parts = batch.Parts.Count;
            run = new BatchRun(endpoint, executor, context, target.ServiceRoot, prefix, salesforce, settings.Security.ApiKeyHeader, budget.Token);
            var writer = await BatchResponseWriter.StartAsync(context, json, target.ServiceRoot);
            if (await run.RunAsync(batch, writer, continueOnError, seconds))
            {
                await writer.EndAsync();
            }
            else
            {
                context.Abort();
            }
        }
        catch (OperationCanceledException) when (client.IsCancellationRequested)
        {
            context.Abort();
        }
        catch (Exception ex) when (!started && !context.Response.HasStarted)
        {
            var problem = ex is OperationCanceledException
                ? new ODataProblem(504, "RequestTimeout", $"The $batch request took longer than {seconds} seconds to arrive and was cancelled.")
                : ErrorMapping.ToProblem(ex, context, logger);
            if (problem is not null)
            {
                await ODataErrorWriter.WriteAsync(context, problem);
            }
        }
        catch (Exception ex)
        {
            // Part of the batch response is gone: the only honest signal left is a broken response.
            ServerLog.FailedMidStream(logger, ex, context.TraceIdentifier);
            context.Abort();
        }
        finally
        {
            var status = client.IsCancellationRequested ? RequestTelemetry.ClientClosedRequest : context.Response.StatusCode;
            ServerLog.BatchCompleted(_requests, salesforce ? "salesforce" : "odata", status, Math.Round(clock.Elapsed.TotalMilliseconds, 3), run?.Answered ?? 0, parts, run?.Failed ?? 0, context.TraceIdentifier, System.Diagnostics.Activity.Current?.TraceId.ToHexString());
        }
    }

    /// <summary>The body, buffered, at most <paramref name="maxBytes"/> long (a 413 beyond, before or while reading it).</summary>
    private static async Task<MemoryStream> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        var tooLarge = $"The $batch request body is larger than {maxBytes:N0} bytes, the most this service accepts (OData:Limits:MaxBatchBytes). Split it into several batches.";
        if (request.ContentLength > maxBytes)
        {
            throw new ODataProblem(413, "BatchTooLarge", tooLarge);
        }

        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                await buffer.DisposeAsync();
                throw new ODataProblem(413, "BatchTooLarge", tooLarge);
            }

            buffer.Write(chunk, 0, read);
        }

        buffer.Position = 0;
        return buffer;
    }

    /// <summary><c>odata.continue-on-error</c> (or <c>continue-on-error</c>, 4.01), unless given as <c>=false</c>.</summary>
    internal static bool ContinueOnError(string prefer)
    {
        foreach (var preference in prefer.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var name = preference.Split('=', 2, StringSplitOptions.TrimEntries);
            if (string.Equals(name[0], "odata.continue-on-error", StringComparison.OrdinalIgnoreCase) || string.Equals(name[0], "continue-on-error", StringComparison.OrdinalIgnoreCase))
            {
                return name.Length == 1 || !string.Equals(name[1].Trim('"'), "false", StringComparison.OrdinalIgnoreCase);
            }
        }

        return false;
    }
}
