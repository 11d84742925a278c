using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Errors;
using OData.Virtualization.Execution;
using OData.Virtualization.Model;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;
using OData.Virtualization.Writes;

namespace OData.Virtualization.Http;

/// <summary>
/// Answers <c>POST {set}</c>, <c>PATCH</c>/<c>PUT {set}(key)</c> and <c>DELETE {set}(key)</c> (Protocol 4.01 §11.4) for a
/// caller its policies let write that set: the body checked before any SQL (<see cref="WriteBody"/>), one statement
/// (<see cref="WriteStatements"/>) and the read-back in one transaction (<see cref="WriteExecutor"/>), then 201, 200 or
/// 204 as <c>Prefer: return=…</c> asks. Every other caller, and every set nobody opened, gets the read-only 405.
/// </summary>
internal sealed class WriteResponder(RequestPlanner planner, WriteExecutor executor, WriteAudit audit, TimeProvider time)
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<VirtualizationOptions, object> s_opened = [];

    /// <summary>Whether the configuration opens any entity set to any write (none by default: every write is then a 405 at once).</summary>
    public static bool AnyOpened(VirtualizationOptions options)
        => (bool)s_opened.GetValue(options, o => o.Sources.Values.Any(source => source.EntitySets.Values.Any(set => set.Writes is { Insert: true } or { Update: true } or { Delete: true })));

    public static bool IsWrite(string method)
        => HttpMethods.IsPost(method) || HttpMethods.IsPatch(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method);

    public async Task RespondAsync(ODataRequest request, LimitOptions limits)
    {
        var context = request.Context;
        var method = context.Request.Method;
        var prepared = planner.Plan(request, limits);
        var set = prepared.Set;
        var (operation, kind) = Operation(method, prepared);
        if ((set.Writes & operation) == 0)
        {
            throw ReadOnly(context, prepared);
        }

        if (prepared.Query.Expands.Count > 0)
        {
            throw ODataProblem.NotImplemented("$expand in the response to a write (read the entity with $expand after writing it)", "$expand");
        }

        var now = time.GetUtcNow();
        var changeSet = context.Features.Get<ChangeSetTransaction>(); // a write of a $batch change set: its transaction
        var key = prepared.Query.Key;
        var keyText = key is null ? string.Empty : ContextUrl.KeyText(key);
        var status = StatusCodes.Status500InternalServerError;
        var replayed = false;
        try
        {
            var answer = await WriteAsync(request, limits, prepared, operation, kind, changeSet, now);
            (status, replayed) = (answer.Status, answer.Replayed);
            var entity = request.ServiceRoot + set.Name;
            if (operation == WriteOperations.Insert && answer.Headers.FirstOrDefault(h => h.Key == "Location").Value is { } location && location.StartsWith(entity, StringComparison.Ordinal))
            {
                keyText = location[entity.Length..];
            }

            await SendAsync(request, answer);
        }
        catch (ODataProblem problem)
        {
            status = problem.Status;
            throw;
        }
        catch (OperationCanceledException) when (request.Aborted.IsCancellationRequested)
        {
            status = 499; // the client went away: rolled back, unless the commit was already made
            throw;
        }
        finally
        {
            var (principal, trace) = (request.Scope.Principal, System.Diagnostics.Activity.Current?.TraceId.ToHexString());
            if (changeSet is not null && status < 400)
            {
                // Written only if its change set commits: the line waits for the outcome.
                changeSet.OnSettled(committed => audit.Written(principal, set.Name, keyText, method.ToUpperInvariant(), status, replayed, context.TraceIdentifier, trace, rolledBack: !committed));
            }
            else
            {
                audit.Written(principal, set.Name, keyText, method.ToUpperInvariant(), status, replayed, context.TraceIdentifier, trace);
            }
        }
    }

    private async Task<WriteAnswer> WriteAsync(ODataRequest request, LimitOptions limits, PreparedRequest prepared, WriteOperations operation, WriteKind kind, ChangeSetTransaction? changeSet, DateTimeOffset now)
    {
        var context = request.Context;
        var method = context.Request.Method;
        var set = prepared.Set;
        var key = prepared.Query.Key;
        var keyText = key is null ? string.Empty : ContextUrl.KeyText(key);
        var precondition = operation == WriteOperations.Insert ? null : Precondition(context, set, key!, now);
        var body = operation == WriteOperations.Delete ? ReadOnlyMemory<byte>.Empty : await ReadBodyAsync(context, limits);
        var keyed = context.Request.Headers[IdempotencyClaim.Header];
        if (keyed.Count > 0 && changeSet is not null)
        {
            // A key stands for one write; a change set is retried whole, and its writes commit or roll back together.
            throw new ODataProblem(400, "BadRequest", "Idempotency-Key is taken on a write sent alone, not on a write inside a $batch change set: send the change set without it (a change set that failed wrote nothing), or the write alone with it.", IdempotencyClaim.Header);
        }

        if (keyed.Count > 0 && request.Scope.Principal is Security.Identities.Anonymous or "unnamed")
        {
            // Keys belong to a caller: callers who share one identity could replay or block each other's writes.
            throw new ODataProblem(400, "BadRequest", "Idempotency-Key needs a caller who signs in under a name of its own (a user, an API key, a token with a subject): send the write without it, or sign in.", IdempotencyClaim.Header);
        }

        var claim = IdempotencyClaim.From(keyed, request.Scope.Principal, method, request.Relative, body.Span, now, TimeSpan.FromHours(Math.Max(1, set.Source.Options.IdempotencyWindowHours)));
        var reply = new WriteReply(claim, result => Answer(request, prepared, operation, result.Row), changeSet);
        WriteAnswer answer;
        if (operation == WriteOperations.Delete)
        {
            answer = await executor.DeleteAsync(set, request.Scope.Principal, reply, WriteStatements.Delete(set, key!, now), keyText, precondition, request.Aborted);
        }
        else
        {
            var values = WriteBody.Read(body, set, kind, key);
            if (operation == WriteOperations.Insert)
            {
                answer = await executor.InsertAsync(set, request.Scope.Principal, reply, WriteStatements.Insert(set, values), returned =>
                {
                    var inserted = set.Key.Select((k, i) => (k, returned[i])).ToList();
                    var read = prepared.Query with { Key = inserted, Filter = null, Search = null, OrderBy = [], Top = null, Skip = null, Count = false };
                    return (SqlCompiler.Select(read, now), read.ReadColumns);
                }, request.Aborted);
            }
            else
            {
                var update = WriteStatements.Update(set, key!, values, replace: kind == WriteKind.Replace, now);
                answer = await executor.UpdateAsync(set, request.Scope.Principal, reply, update, SqlCompiler.Select(prepared.Query, now), prepared.Query.ReadColumns, keyText, precondition, request.Aborted);
            }
        }

        return answer;
    }

    /// <summary>
    /// <c>If-Match</c> as a condition on the row before the write, read with every column the caller sees (the entity
    /// tag's values) and locked on PostgreSQL until the write commits: of two writes with the same tag, exactly one
    /// passes. Without the header: none, unless the set requires one (428).
    /// </summary>
    private static Precondition? Precondition(HttpContext context, PublishedSet set, IReadOnlyList<(PublishedColumn Column, object Value)> key, DateTimeOffset now)
    {
        var ifMatch = context.Request.Headers.IfMatch;
        if (ifMatch.Count == 0)
        {
            return set.Settings?.Writes?.RequireIfMatch == true
                ? throw new ODataProblem(428, "PreconditionRequired", $"Writes to '{set.Name}' must say which version they change: read the entity, then send its ETag in If-Match.")
                : null;
        }

        var read = new EntityQuery { Set = set, Selected = set.Columns, Key = key };
        var statement = SqlCompiler.Select(read, now);
        if (set.Source.Provider == Sources.SourceProvider.PostgreSql)
        {
            statement = statement with { Text = statement.Text.TrimEnd().TrimEnd(';') + " FOR UPDATE" };
        }

        return new Precondition(statement, read.ReadColumns, row => EntityTags.Matches(ifMatch, EntityTags.Of(row.Values, set.Columns)));
    }

    /// <summary>The entity tag of a row read by <paramref name="query"/>, when the query read every column the caller sees.</summary>
    public static string? TagOf(EntityQuery query, BufferedRow row)
        => query.Set.Writes != WriteOperations.None && !query.IsProjected && query.Computed.Items.Count == 0
           && query.Selected.Count == query.Set.Columns.Count
            ? EntityTags.Of(row.Values, query.Set.Columns)
            : null;

    private static (WriteOperations Operation, WriteKind Kind) Operation(string method, PreparedRequest prepared)
    {
        var entity = prepared.Kind == PreparedKind.Entity && prepared.Query.Via is null;
        if (HttpMethods.IsPost(method) && prepared.Kind == PreparedKind.Collection && prepared.Query.Via is null)
        {
            return (WriteOperations.Insert, WriteKind.Insert);
        }

        if (entity && HttpMethods.IsDelete(method))
        {
            return (WriteOperations.Delete, WriteKind.Patch);
        }

        if (entity && (HttpMethods.IsPatch(method) || HttpMethods.IsPut(method)))
        {
            return (WriteOperations.Update, HttpMethods.IsPut(method) ? WriteKind.Replace : WriteKind.Patch);
        }

        // A property, a count, a navigation path: not writable resources here.
        return (WriteOperations.None, WriteKind.Patch);
    }

    private static ODataProblem ReadOnly(HttpContext context, PreparedRequest prepared)
    {
        var writes = prepared.Set.Writes;
        var allow = new List<string> { "GET", "HEAD" };
        if (prepared.Kind == PreparedKind.Collection && writes.HasFlag(WriteOperations.Insert))
        {
            allow.Add("POST");
        }

        if (prepared.Kind == PreparedKind.Entity && writes.HasFlag(WriteOperations.Update))
        {
            allow.AddRange(["PATCH", "PUT"]);
        }

        if (prepared.Kind == PreparedKind.Entity && writes.HasFlag(WriteOperations.Delete))
        {
            allow.Add("DELETE");
        }

        context.Response.Headers.Allow = string.Join(", ", allow);
        var method = context.Request.Method;
        return writes == WriteOperations.None
            ? new ODataProblem(405, "MethodNotAllowed", $"'{prepared.Set.Name}' is read-only for you: {method} is not allowed. Use GET.")
            : new ODataProblem(405, "MethodNotAllowed", $"{method} is not allowed here: this resource allows {string.Join(", ", allow)}.");
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext context, LimitOptions limits)
    {
        var request = context.Request;
        if (request.ContentType is not { } contentType || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new ODataProblem(415, "UnsupportedMediaType", "Send the entity as JSON, with Content-Type: application/json.");
        }

        var max = limits.MaxBatchBytes;
        if (request.ContentLength > max)
        {
            throw new ODataProblem(413, "PayloadTooLarge", $"The body has {request.ContentLength} bytes; a write may send at most {max}.");
        }

        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(context.RequestAborted);
            if (read.Buffer.Length > max)
            {
                reader.AdvanceTo(read.Buffer.Start);
                throw new ODataProblem(413, "PayloadTooLarge", $"The body has more than {max} bytes, the most a write may send.");
            }

            if (read.IsCompleted)
            {
                var body = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return body;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    /// <summary>Gives <paramref name="answer"/> to the client; a stored one given again says so (<c>Idempotent-Replayed</c>).</summary>
    private static async Task SendAsync(ODataRequest request, WriteAnswer answer)
    {
        var response = request.Context.Response;
        response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers)
        {
            response.Headers[name] = value;
        }

        if (answer.Replayed)
        {
            response.Headers["Idempotent-Replayed"] = "true";
        }

        if (answer.Body.Length > 0)
        {
            request.BodyStarted = true;
            await response.Body.WriteAsync(answer.Body, request.Aborted);
        }
    }

    /// <summary>The answer to a write that succeeded (made inside its transaction, see <see cref="WriteReply"/>).</summary>
    private static WriteAnswer Answer(ODataRequest request, PreparedRequest prepared, WriteOperations operation, BufferedRow? row)
    {
        if (row is null)
        {
            return new WriteAnswer(StatusCodes.Status204NoContent, [], []);
        }

        var headers = new List<KeyValuePair<string, string>>();
        var query = prepared.Query;
        var prefer = request.Context.Request.Headers["Prefer"].ToString();
        var minimal = prefer.Contains("return=minimal", StringComparison.OrdinalIgnoreCase);
        var representation = prefer.Contains("return=representation", StringComparison.OrdinalIgnoreCase);
        var key = query.Set.Key.Select(k => (k, row.Values[query.ReadColumns.IndexOfColumn(k)]!)).ToList();
        var id = request.ServiceRoot + query.Set.Name + ContextUrl.KeyPredicate(key);
        var etag = TagOf(query, row);
        if (etag is not null)
        {
            headers.Add(new("ETag", etag));
        }

        if (operation == WriteOperations.Insert)
        {
            headers.Add(new("Location", id));
        }

        if (operation == WriteOperations.Insert ? minimal : !representation)
        {
            if (minimal || representation)
            {
                headers.Add(new("Preference-Applied", minimal ? "return=minimal" : "return=representation"));
            }

            headers.Add(new("OData-EntityId", id));
            return new WriteAnswer(StatusCodes.Status204NoContent, headers, []);
        }

        if (representation)
        {
            headers.Add(new("Preference-Applied", "return=representation"));
        }

        var format = prepared.Format;
        headers.Add(new("Content-Type", format.ContentType));
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, StreamingJsonWriter.Options))
        {
            var contextUrl = format.Metadata == MetadataLevel.None ? null : ContextUrl.ForEntity(request.ServiceRoot, query);
            new EntityWriter(request.ServiceRoot, format).WriteBuffered(json, row, query, contextUrl, etag);
        }

        return new WriteAnswer(operation == WriteOperations.Insert ? StatusCodes.Status201Created : StatusCodes.Status200OK, headers, buffer.WrittenSpan.ToArray());
    }
}
