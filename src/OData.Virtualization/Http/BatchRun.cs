using Microsoft.AspNetCore.Http;
using OData.Virtualization.Errors;
using OData.Virtualization.Execution;

namespace OData.Virtualization.Http;

/// <summary>
/// Runs the parts of one <c>$batch</c> in order, one at a time (a batch is one client's work: it gets no more of the
/// sources at once than that client's requests sent one by one would), each through <see cref="ODataEndpoint"/>; a change
/// set's writes in one transaction (<c>BatchRun.ChangeSets.cs</c>). A part may refer to an entity an earlier part
/// created (<c>$1</c> as its URL's first segment, OData 4.01 Protocol §11.7.3) and to the ETag an earlier part answered
/// with (<c>If-Match: $1</c>, §11.7.4).
/// </summary>
internal sealed partial class BatchRun(ODataEndpoint endpoint, WriteExecutor executor, HttpContext context, string serviceRoot, string prefix, bool salesforce, string apiKeyHeader, CancellationToken budget)
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
                var end = i;
                while (end < parts.Count && parts[end].Group == group)
                {
                    end++;
                }

                var (completed, failed) = await RunChangeSetAsync(batch, writer, i, end, group);
                if (!completed)
                {
                    return false; // the client went away, or a part's response broke off
                }

                Answered += end - i;
                Failed += failed ? end - i : 0;
                i = end;
                if (failed)
                {
                    Fail(group);
                    if (!continueOnError)
                    {
                        break;
                    }
                }

                if (budget.IsCancellationRequested)
                {
                    break; // the change set's own answer said why
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
    private async Task<BatchAnswer?> RunPartAsync(int index, BatchPart part, ChangeSetTransaction? changeSet = null)
    {
        if (!TryRelative(part.Url, out var relative))
        {
            return await ProblemAsync(index, ODataProblem.BadRequest($"The URL '{part.Url}' is not under this service root '{_root}': write it relative to the root ('erp_customers?$top=2'), from the host ('{_root.AbsolutePath}erp_customers'), or in full starting with the root.", part.Id));
        }

        if (!TryResolveReference(ref relative, out var unknown))
        {
            return await ProblemAsync(index, ODataProblem.BadRequest($"The URL of request '{part.Id}' starts with '${unknown}', a reference to the entity an earlier request '{unknown}' created, and no earlier request with that id created one here (a POST answered 201 or 204 with a Location). Refer to a request before this one, in the same change set for the multipart format.", part.Id));
        }

        var headers = part.Headers;
        if (!TryResolveETags(ref headers, out unknown))
        {
            return await ProblemAsync(index, ODataProblem.BadRequest($"If-Match of request '{part.Id}' is '${unknown}', a reference to the ETag of an earlier request's answer, and no earlier request '{unknown}' answered with an ETag.", part.Id));
        }

        if (relative.Contains("%00", StringComparison.Ordinal))
        {
            // Kestrel refuses a NUL in a request target with a 400 before any application code; so does a part.
            return await ProblemAsync(index, ODataProblem.BadRequest("The URL contains a NUL character (%00), which no request target may contain.", part.Id));
        }

        var rawTarget = context.Request.PathBase.ToUriComponent() + "/" + prefix + "/" + relative;
        var sub = BatchPartContext.Create(context, index, part.Method, rawTarget, headers, apiKeyHeader, budget, part.Body, changeSet);
        await endpoint.HandleAsync(sub.Context, salesforce);
        if (sub.Aborted)
        {
            return null;
        }

        var answer = await sub.AnswerAsync();
        Remember(part.Id, answer);
        return answer;
    }

    /// <summary>The target of <paramref name="url"/> relative to the service root, percent-encoding as sent; false when it is not under the root.</summary>
    private bool TryRelative(Uri url, out string relative)
    {
        relative = string.Empty;
        if (!url.IsAbsoluteUri && url.OriginalString.StartsWith('$'))
        {
            relative = url.OriginalString; // a reference to an earlier part ($1), which the multipart reader leaves relative
            return true;
        }

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
