using Microsoft.AspNetCore.Http;
using OData.Virtualization.Errors;
using OData.Virtualization.Execution;

namespace OData.Virtualization.Http;

/// <summary>
/// A change set of a <c>$batch</c> (OData 4.01 Protocol §11.7.7.1, JSON Format §19): its writes, in the order sent, in
/// one transaction (<see cref="ChangeSetTransaction"/>), committed after the last one succeeded. Its answers are held
/// until then: when every write succeeded, they go out together (a nested multipart part, or JSON answers with their
/// <c>atomicityGroup</c>); when one failed, nothing of the change set stays, and the answer is that write's error — the
/// only answer in the multipart format, beside 424s for the group's other requests in the JSON format. A change set
/// holds writes only: a GET in one is a 400 for the change set.
/// </summary>
internal sealed partial class BatchRun
{
    /// <summary>What the earlier parts answered, by id: the created entity's URL (<c>Location</c>) and the <c>ETag</c>.</summary>
    private readonly Dictionary<string, (string? Location, string? ETag)> _answers = new(StringComparer.Ordinal);

    /// <summary>Runs parts <paramref name="start"/> to <paramref name="end"/> (excluded) as one change set and writes its answers.</summary>
    private async Task<(bool Completed, bool Failed)> RunChangeSetAsync(BatchRequest batch, BatchResponseWriter writer, int start, int end, string group)
    {
        var parts = batch.Parts;
        var answers = new List<BatchAnswer>(end - start);
        (int Index, BatchAnswer Answer)? failure = null;
        await using (var transaction = new ChangeSetTransaction())
        {
            for (var i = start; i < end && failure is null; i++)
            {
                var part = parts[i];
                BatchAnswer? answer;
                if (!WriteResponder.IsWrite(part.Method))
                {
                    answer = await ProblemAsync(i, ODataProblem.BadRequest($"A change set holds writes (POST, PATCH, PUT, DELETE) that succeed or fail together; request '{part.Id}' is a {part.Method}. Send reads outside change sets (as requests of the batch itself).", part.Id ?? group, "ChangeSetNotSupported"));
                }
                else if (part.DependsOn.FirstOrDefault(_failed.Contains) is { } dependency)
                {
                    answer = await ProblemAsync(i, new ODataProblem(424, "FailedDependency", $"This request depends on request '{dependency}', which failed, so its change set was not run.", part.Id));
                }
                else
                {
                    answer = await RunPartAsync(i, part, transaction);
                }

                if (context.RequestAborted.IsCancellationRequested || answer is null)
                {
                    return (false, true); // disposing the transaction rolls it back
                }

                if (answer.Failed)
                {
                    failure = (i, answer);
                }
                else if (budget.IsCancellationRequested)
                {
                    failure = (i, await ProblemAsync(i, new ODataProblem(504, "RequestTimeout", "The $batch took longer than its time limit: this change set was rolled back and the requests after it were not run. Send fewer requests in one batch.", part.Id)));
                }
                else
                {
                    answers.Add(answer);
                }
            }

            if (failure is null)
            {
                try
                {
                    await executor.CommitAsync(transaction, budget);
                }
                catch (Exception ex) when (ex is ODataProblem or OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
                {
                    var problem = ex as ODataProblem ?? new ODataProblem(504, "RequestTimeout", "The $batch took longer than its time limit: this change set was rolled back.");
                    failure = (end - 1, await ProblemAsync(end - 1, problem));
                }
            }
        }

        if (failure is { } failed)
        {
            for (var i = start; i < end; i++)
            {
                if (parts[i].Id is { } id)
                {
                    _answers.Remove(id); // rolled back: nothing it created exists
                }
            }

            await WriteFailureAsync(batch, writer, start, end, group, failed.Index, failed.Answer);
            return (true, true);
        }

        await writer.StartChangeSetAsync(group);
        for (var i = start; i < end; i++)
        {
            await writer.WriteAsync(parts[i].Id, answers[i - start]);
        }

        await writer.EndChangeSetAsync();
        return (true, false);
    }

    /// <summary>
    /// A failed change set's answer: in the multipart format one error response in place of the change set; in the
    /// JSON format the failed request's error and a 424 for each other request of the group (§19: a group fails whole).
    /// </summary>
    private async Task WriteFailureAsync(BatchRequest batch, BatchResponseWriter writer, int start, int end, string group, int failedAt, BatchAnswer failure)
    {
        var parts = batch.Parts;
        if (!batch.Json)
        {
            await writer.WriteAsync(parts[failedAt].Id, failure);
            return;
        }

        await writer.StartChangeSetAsync(group);
        for (var i = start; i < end; i++)
        {
            var answer = i == failedAt ? failure : await ProblemAsync(i, new ODataProblem(424, "FailedDependency", $"Request '{parts[failedAt].Id}' of atomicity group '{group}' failed, so nothing of the group was written (this request was {(i < failedAt ? "rolled back" : "not run")}).", parts[i].Id));
            await writer.WriteAsync(parts[i].Id, answer);
        }

        await writer.EndChangeSetAsync();
    }

    /// <summary>Keeps what a later part may refer to: the entity <paramref name="id"/> created, and the ETag it answered with.</summary>
    private void Remember(string? id, BatchAnswer answer)
    {
        if (id is null || answer.Failed)
        {
            return;
        }

        string? location = null, etag = null;
        foreach (var (name, value) in answer.Headers)
        {
            if (string.Equals(name, "Location", StringComparison.OrdinalIgnoreCase))
            {
                location = value;
            }
            else if (string.Equals(name, "ETag", StringComparison.OrdinalIgnoreCase))
            {
                etag = value;
            }
        }

        if (location is not null || etag is not null)
        {
            _answers[id] = (location, etag);
        }
    }

    /// <summary>
    /// Replaces a first segment <c>$id</c> of <paramref name="relative"/> with the URL of the entity request <c>id</c>
    /// created; false (with the id) when no earlier request created one. The names of system resources
    /// (<c>$metadata</c>, <c>$batch</c>, <c>$all</c>, …) are theirs, not references.
    /// </summary>
    private bool TryResolveReference(ref string relative, out string? unknown)
    {
        unknown = null;
        if (relative.Length < 2 || relative[0] != '$')
        {
            return true;
        }

        var stop = relative.AsSpan(1).IndexOfAny("/?(");
        var id = Uri.UnescapeDataString(stop < 0 ? relative[1..] : relative[1..(stop + 1)]);
        if (id is "metadata" or "batch" or "all" or "crossjoin" or "entity" or "root" or "id" or "count" or "filter" or "search")
        {
            return true;
        }

        if (!_answers.TryGetValue(id, out var earlier) || earlier.Location is null || !earlier.Location.StartsWith(_root.AbsoluteUri, StringComparison.Ordinal))
        {
            unknown = id;
            return false;
        }

        relative = earlier.Location[_root.AbsoluteUri.Length..] + (stop < 0 ? string.Empty : relative[(stop + 1)..]);
        return true;
    }

    /// <summary>Replaces <c>If-Match: $id</c> with the ETag request <c>id</c> answered with; false (with the id) when it answered without one.</summary>
    private bool TryResolveETags(ref IReadOnlyList<KeyValuePair<string, string>> headers, out string? unknown)
    {
        unknown = null;
        List<KeyValuePair<string, string>>? resolved = null;
        for (var i = 0; i < headers.Count; i++)
        {
            var (name, value) = headers[i];
            if (!string.Equals(name, "If-Match", StringComparison.OrdinalIgnoreCase) && !string.Equals(name, "If-None-Match", StringComparison.OrdinalIgnoreCase)
                || value.Trim() is not ['$', .. var id])
            {
                continue;
            }

            if (!_answers.TryGetValue(id, out var earlier) || earlier.ETag is null)
            {
                unknown = id;
                return false;
            }

            resolved ??= [.. headers];
            resolved[i] = new(name, earlier.ETag);
        }

        headers = resolved ?? headers;
        return true;
    }
}
