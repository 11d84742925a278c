using Microsoft.AspNetCore.Http;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Http;

/// <summary>
/// Runs the parts of one <c>$batch</c> in order, one at a time (a batch is one client's work: it gets no more of the
/// sources at once than that client's requests sent one by one would), each through <see cref="ODataEndpoint"/>.
/// </summary>
internal sealed class BatchRun(ODataEndpoint endpoint, HttpContext context, string serviceRoot, string prefix, bool salesforce, string apiKeyHeader, CancellationToken budget)
{
    private readonly Uri _root = new(serviceRoot);
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);

    /// <summary>Parts answered so far (a change set counts each of its parts), and how many of them failed.</summary>
    public int Answered { get; private set; }

    public int Failed { get; private set; }

    /// <summary>Answers every part (or up to the first failure); false when the batch response must be broken off.</summary>
    public async Task<bool> RunAsync(BatchRequest batch, BatchResponseWriter writer, bool continueOnError, int seconds)
    {
        var parts = batch.Parts;
        for (var i = 0; i < parts.Count;)
        {
            var part = parts[i];
            if (part.Group is { } group)
            {
                // A change set (atomicity group) exists to apply writes together; this service has none to apply.
                var end = i;
                while (end < parts.Count && parts[end].Group == group)
                {
                    end++;
                }

                var refused = await ProblemAsync(i, ODataProblem.BadRequest("Change sets (multipart change sets, JSON atomicity groups) hold writes, and this service is read-only: send the GET requests outside a change set.", part.Id ?? group, "ChangeSetNotSupported"));
                if (batch.Json)
                {
                    for (var j = i; j < end; j++)
                    {
                        await writer.WriteAsync(parts[j].Id, refused);
                        Fail(parts[j].Id);
                    }
                }
                else
                {
                    await writer.WriteAsync(null, refused);
                }

                Answered += end - i;
                Failed += end - i;

                Fail(group);
                i = end;
                if (!continueOnError)
                {
                    break;
                }

                continue;
            }

            BatchAnswer? answer;
            if (part.DependsOn.FirstOrDefault(_failed.Contains) is { } dependency)
            {
                answer = await ProblemAsync(i, new ODataProblem(424, "FailedDependency", $"This request depends on request '{dependency}', which failed, so it was not run.", part.Id));
            }
            else
            {
                answer = await RunPartAsync(i, part);
            }

            if (context.RequestAborted.IsCancellationRequested || answer is null)
            {
                return false; // the client went away, or the part's response broke off
            }

            if (budget.IsCancellationRequested)
            {
                Answered++;
                Failed++;
                await writer.WriteAsync(part.Id, await ProblemAsync(i, new ODataProblem(504, "RequestTimeout", $"The $batch took longer than {seconds} seconds: this request was cancelled, its SQL too, and the ones after it were not run. Send fewer requests in one batch.")));
                break;
            }

            await writer.WriteAsync(part.Id, answer);
            i++;
            Answered++;
            if (answer.Failed)
            {
                Failed++;
                Fail(part.Id);
                if (!continueOnError)
                {
                    break;
                }
            }
        }

        return true;
    }

    private void Fail(string? id)
    {
        if (id is not null)
        {
            _failed.Add(id);
        }
    }

    /// <summary>One part through the endpoint; null when its response broke off after it had started.</summary>
    private async Task<BatchAnswer?> RunPartAsync(int index, BatchPart part)
    {
        if (!TryRelative(part.Url, out var relative))
        {
            return await ProblemAsync(index, ODataProblem.BadRequest($"The URL '{part.Url}' is not under this service root '{_root}': write it relative to the root ('erp_customers?$top=2'), from the host ('{_root.AbsolutePath}erp_customers'), or in full starting with the root.", part.Id));
        }

        if (relative.Contains("%00", StringComparison.Ordinal))
        {
            // Kestrel refuses a NUL in a request target with a 400 before any application code; so does a part.
            return await ProblemAsync(index, ODataProblem.BadRequest("The URL contains a NUL character (%00), which no request target may contain.", part.Id));
        }

        var rawTarget = context.Request.PathBase.ToUriComponent() + "/" + prefix + "/" + relative;
        var sub = BatchPartContext.Create(context, index, part.Method, rawTarget, part.Headers, apiKeyHeader, budget);
        await endpoint.HandleAsync(sub.Context, salesforce);
        return sub.Aborted ? null : await sub.AnswerAsync();
    }

    /// <summary>The target of <paramref name="url"/> relative to the service root, percent-encoding as sent; false when it is not under the root.</summary>
    private bool TryRelative(Uri url, out string relative)
    {
        relative = string.Empty;
        if (!url.IsAbsoluteUri
            || !string.Equals(url.Scheme, _root.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(url.Authority, _root.Authority, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var target = url.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped);
        var root = _root.AbsolutePath;
        if (target.StartsWith(root, StringComparison.Ordinal))
        {
            relative = target[root.Length..];
            return true;
        }

        // The root itself without its slash ('/odata' or '/odata?$format=json'): the service document.
        var bare = root.TrimEnd('/');
        if (target == bare || target.StartsWith(bare + "?", StringComparison.Ordinal))
        {
            relative = target[bare.Length..];
            return true;
        }

        return false;
    }

    /// <summary>An answer of this batch's own (not the endpoint's): an OData error, written as the endpoint writes one.</summary>
    private async Task<BatchAnswer> ProblemAsync(int index, ODataProblem problem)
    {
        var sub = BatchPartContext.Create(context, index, HttpMethods.Get, context.Request.PathBase.ToUriComponent() + "/" + prefix + "/", [], apiKeyHeader, budget);
        sub.Context.Response.Headers["OData-Version"] = "4.0";
        await ODataErrorWriter.WriteAsync(sub.Context, problem);
        return await sub.AnswerAsync();
    }
}
