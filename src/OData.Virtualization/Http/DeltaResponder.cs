using System.Globalization;
using Microsoft.AspNetCore.Http;
using OData.Virtualization.ChangeTracking;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Errors;
using OData.Virtualization.Paging;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>
/// Change tracking at the endpoint (decision 103): a read of a tracked set with <c>Prefer: odata.track-changes</c>
/// answers <c>Preference-Applied</c> and ends with an <c>@odata.deltaLink</c> from the change store's position when the
/// read began; a <c>$deltatoken</c> answers the changes since (<c>DeltaResponder.Changes</c>). Neither is cached: a
/// delta is read from the store and the source every time. Everything else goes to the collection responder untouched.
/// </summary>
internal sealed partial class DeltaResponder(
    ChangeFeed feed,
    DeltaTokenCodec codec,
    CollectionResponder collections,
    PageRenderer renderer,
    Execution.QueryExecutor executor,
    ChangeMetrics metrics,
    TimeProvider time)
{
    public const string DeltaTokenOption = "$deltatoken";

    /// <summary>Whether this collection request is change tracking's: tracking is on, and it carries a delta token or the preference.</summary>
    public bool Applies(ODataRequest request, PreparedRequest prepared)
        => feed.Enabled && prepared.Kind == PreparedKind.Collection
           && (request.Context.Request.Query.ContainsKey(DeltaTokenOption) || PrefersTracking(request.Context.Request));

    public async Task RespondAsync(ODataRequest request, PreparedRequest prepared)
    {
        var http = request.Context.Request;
        if (http.Query.TryGetValue(DeltaTokenOption, out var raw))
        {
            var token = Check(request, prepared, raw.ToString());
            if (token.Reading)
            {
                await ReadAsync(request, prepared, token);
            }
            else
            {
                await DeltaAsync(request, prepared, token);
            }

            return;
        }

        var position = Trackable(request, prepared) ? await feed.Store.PositionAsync(request.Aborted) : null;
        if (position is null)
        {
            await collections.RespondAsync(request, prepared, cacheable: !prepared.Set.IsTracked);
            return;
        }

        metrics.DeltaRequest(prepared.Set.Name, "tracked");
        await ReadAsync(request, prepared, new DeltaToken(Fingerprint(request), position.Epoch, position.Seq, null, null, time.GetUtcNow().ToUnixTimeSeconds(), Reading: true));
    }

    /// <summary>A page of a tracked read: the collection as usual, its last page ending with the delta link.</summary>
    private async Task ReadAsync(ODataRequest request, PreparedRequest prepared, DeltaToken reading)
    {
        var plan = prepared.Page!;
        var response = request.Context.Response;
        var firstPage = !request.Context.Request.Query.ContainsKey(DeltaTokenOption);
        var render = new PageRender(plan, request.Scope.Principal, request.ServiceRoot, request.Relative, prepared.Format, time.GetUtcNow())
        {
            Statements = prepared.Pages,
            DeltaLink = Link(request, reading with { Reading = false }),
            NextLinkSuffix = firstPage ? "&" + DeltaTokenOption + "=" + codec.Encode(reading) : null,
        };
        response.Headers["X-Cache"] = "BYPASS";
        await using var stream = new StreamingJsonWriter(response.BodyWriter);
        request.Timings.Rows = await renderer.RenderAsync(render, stream, () =>
        {
            response.ContentType = prepared.Format.ContentType;
            response.Headers["Preference-Applied"] = plan.PreferenceApplied is { } size
                ? "odata.track-changes, odata.maxpagesize=" + size.ToString(CultureInfo.InvariantCulture)
                : "odata.track-changes";
            request.BodyStarted = true;
            return Task.CompletedTask;
        }, request.Aborted);
    }

    /// <summary>
    /// Whether the preference can be honoured here: a tracked set, a query a delta can follow (no <c>$expand</c>,
    /// <c>$orderby</c> or <c>$compute</c>), capture not failed, and a caller with a row filter only where deleted rows
    /// arrive whole (REPLICA IDENTITY FULL), so that it is told only of deletions it could see. Otherwise the read is
    /// answered as if nothing had been preferred (no <c>Preference-Applied</c>, no delta link), never a partial feed.
    /// </summary>
    private bool Trackable(ODataRequest request, PreparedRequest prepared)
    {
        var (set, query) = (prepared.Set, prepared.Query);
        return set.IsTracked && feed.State != CaptureState.Failed && prepared.Page is not null
               && query.Expands.Count == 0 && query.OrderBy.Count == 0 && query.Computed == Query.ComputedProperties.None
               && query.Via is null
               && (set.RowFilter is null || feed.HasFullIdentity(TrackedTable.StoreName(set)));
    }

    /// <summary>Reads and checks a <c>$deltatoken</c>: signed, this caller's and this query's, answerable (else 410).</summary>
    private DeltaToken Check(ODataRequest request, PreparedRequest prepared, string raw)
    {
        DeltaToken token;
        try
        {
            token = codec.Decode(raw);
            if (!string.Equals(token.Fingerprint, Fingerprint(request), StringComparison.Ordinal))
            {
                throw DeltaTokenCodec.Invalid("it belongs to another query or another caller (its entity set, $filter or $select differ)");
            }

            if (!prepared.Set.IsTracked)
            {
                throw DeltaTokenCodec.Invalid($"changes of '{prepared.Set.Name}' are no longer tracked");
            }
        }
        catch (ODataProblem)
        {
            metrics.DeltaRequest(prepared.Set.Name, "refused");
            throw;
        }

        return token;
    }

    private static bool PrefersTracking(HttpRequest request)
    {
        foreach (var header in request.Headers["Prefer"])
        {
            foreach (var part in (header ?? string.Empty).Split(','))
            {
                var name = part.Split(';', '=')[0].Trim();
                if (name.Equals("odata.track-changes", StringComparison.OrdinalIgnoreCase) || name.Equals("track-changes", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The request's target as a delta link has it: without <c>$top</c>, <c>$skip</c>, <c>$count</c> and tokens.</summary>
    private static string Target(string relative)
    {
        var question = relative.IndexOf('?', StringComparison.Ordinal);
        if (question < 0)
        {
            return relative;
        }

        var kept = relative[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries).Where(pair =>
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]).Trim().ToLowerInvariant();
            return name is not ("$top" or "$skip" or "$count" or "$skiptoken" or DeltaTokenOption);
        }).ToList();
        return kept.Count == 0 ? relative[..question] : relative[..question] + "?" + string.Join('&', kept);
    }

    /// <summary>
    /// Binds a token to the service root, the caller and the delta link's options. The caller is its identity (sign-in
    /// method and name), not its scope's id: a delta link lives for days, across schema refreshes and policy reloads
    /// that give the same caller a new scope; what the caller may see is applied anew on every poll.
    /// </summary>
    private static string Fingerprint(ODataRequest request)
        => PagePlanner.Fingerprint(request.ServiceRoot + "\n" + request.Scope.Principal + "\n" + Target(request.Relative));

    private string Link(ODataRequest request, DeltaToken token)
    {
        var target = Target(request.Relative);
        return request.ServiceRoot + target + (target.Contains('?', StringComparison.Ordinal) ? "&" : "?") + DeltaTokenOption + "=" + codec.Encode(token);
    }
}
