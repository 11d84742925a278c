using Microsoft.AspNetCore.Http;
using Microsoft.OData;
using Microsoft.OData.UriParser;
using OData.Virtualization.Configuration;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;
using OData.Virtualization.Paging;
using OData.Virtualization.Query;
using OData.Virtualization.Security;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>
/// Turns a request under an entity set into a <see cref="PreparedRequest"/> of the kind its path names: the URI parser
/// (Microsoft.OData.Core, against the caller's model) reads the path and the query options, the query planner holds them
/// to the caller's limits, and a collection gets its page plan.
/// </summary>
internal sealed class RequestPlanner(PagePlanner pages)
{
    public PreparedRequest Plan(ODataRequest request, LimitOptions limits)
    {
        var (context, scope, serviceRoot, relative) = (request.Context, request.Scope, request.ServiceRoot, request.Relative);
        var model = scope.Model;
        var parser = new ODataUriParser(model.EdmModel, new Uri(serviceRoot), new Uri(serviceRoot + BinaryLiterals.Normalize(ParameterAliases.Inline(relative))))
        {
            // Top-level option names arrive in their one spelling (QueryOptionNames); this makes the '$' optional inside
            // $expand's parentheses too (customer(select=name)), as OData 4.01 has it.
            Resolver = new ODataUriResolver { EnableCaseInsensitive = true, EnableNoDollarQueryOptions = true },
        };
        // The planner holds $expand to the caller's and the source's depth; the parser only stops the absurd.
        parser.Settings.MaximumExpansionDepth = 10;

        var path = ParsePath(parser, relative);
        var segments = path.ToList();
        var format = segments.Count > 0 && segments[^1] is CountSegment or ValueSegment
            ? RawValueFormat.Negotiate(context.Request.Query["$format"], context.Request.Headers.Accept)
            : ResponseFormat.Negotiate(context.Request.Query["$format"], context.Request.Headers.Accept);
        if (segments.Count == 0 || segments[0] is not EntitySetSegment setSegment)
        {
            throw ODataProblem.NotImplemented($"The path '{path}'");
        }

        var set = model.GetSet(setSegment.EntitySet);
        request.Timings.EntitySet = set.Name;
        var rawOption = RawOption(context);
        if (rawOption("$apply") is not null)
        {
            if (rawOption("$compute") is not null)
            {
                throw ODataProblem.NotImplemented("$compute together with $apply (compute inside $apply, or send $compute without $apply)", "$compute");
            }

            return ApplyPlan(request, set, parser, segments, limits, rawOption, format);
        }

        switch (segments.Count)
        {
            case 1:
            {
                var query = Plan(scope, set, parser, null, limits, rawOption);
                return new PreparedRequest(PreparedKind.Collection, set, query, pages.Plan(context.Request, query, relative, scope.Id, scope.MaxPageSize), format);
            }

            case 2 when segments[1] is CountSegment:
                return new PreparedRequest(PreparedKind.Count, set, Plan(scope, set, parser, null, limits, rawOption), null, format);
            case 2 when segments[1] is KeySegment key:
                return new PreparedRequest(PreparedKind.Entity, set, Plan(scope, set, parser, key, limits, rawOption), null, format);
            case 3 or 4 when segments[1] is KeySegment key && segments[2] is PropertySegment property:
            {
                var rawValue = segments.Count == 4 && segments[3] is ValueSegment;
                if (segments.Count == 4 && !rawValue)
                {
                    throw ODataProblem.NotImplemented($"The path '{path}'");
                }

                var keyQuery = Plan(scope, set, parser, key, limits, rawOption);
                var column = set.GetColumn(property.Property);
                if (rawValue && column.Type.IsCollection)
                {
                    throw ODataProblem.BadRequest($"'{column.PropertyName}' is a collection: it has no raw $value. Request it without /$value.");
                }

                var query = new EntityQuery { Set = set, Selected = [column], Key = keyQuery.Key };
                return new PreparedRequest(rawValue ? PreparedKind.Value : PreparedKind.Property, set, query, null, format, column);
            }

            default:
                return NavigationPlanner.Plan(request, set, segments, parser, limits, format, pages);
        }
    }

    private static ODataPath ParsePath(ODataUriParser parser, string relative)
    {
        try
        {
            return parser.ParsePath();
        }
        catch (ODataUnrecognizedPathException ex)
        {
            // An unknown first segment is a mistyped entity set: name the closest one. (Later segments are
            // properties, for which the entity-set wording would mislead.)
            var first = Uri.UnescapeDataString(relative.Split('/', '(', '?')[0]);
            var message = first.Length > 0 && ex.Message.Contains($"'{first}'", StringComparison.Ordinal)
                ? ParserMessages.WithSuggestion(ex.Message, parser.Model)
                : ex.Message;
            throw ODataProblem.NotFound(message);
        }
    }

    /// <summary>
    /// The page of a walk's continuation whose plan is remembered (<see cref="RequestMemo.WalkOf"/>): the same query,
    /// continued from this request's <c>$skiptoken</c> (checked against the query as on every page).
    /// </summary>
    public PreparedRequest Continue(ODataRequest request, PreparedRequest walk)
        => walk with { Page = pages.Plan(request.Context.Request, walk.Query, request.Relative, request.Scope.Id, request.Scope.MaxPageSize) };

    /// <summary>Plans a query, holding it to the caller's limits.</summary>
    internal static EntityQuery Plan(AccessScope scope, PublishedSet set, ODataUriParser parser, KeySegment? key, LimitOptions limits, Func<string, string?> rawOption)
    {
        limits = EffectiveLimits.For(limits, set.Source.Options, scope.Limits);
        var query = QueryPlanner.Plan(scope.Model, set, parser, key, limits, rawOption);
        var maxTop = limits.MaxTop;
        if (maxTop > 0 && query.Top > maxTop)
        {
            throw ODataProblem.BadRequest($"$top={query.Top} is more than this service allows you ({maxTop}). Page with $skip or follow @odata.nextLink.", "$top", "LimitExceeded");
        }

        return query;
    }

    /// <summary><c>/set?$apply=…</c>: the aggregated rows of an entity set, held to the caller's limits.</summary>
    private static PreparedRequest ApplyPlan(ODataRequest request, PublishedSet set, ODataUriParser parser, List<ODataPathSegment> segments, LimitOptions limits, Func<string, string?> rawOption, ResponseFormat format)
    {
        if (segments.Count != 1)
        {
            throw ODataProblem.BadRequest("$apply applies to an entity set's collection (/set?$apply=…), not to this resource. Remove $apply, or send it to the entity set.", "$apply");
        }

        limits = EffectiveLimits.For(limits, set.Source.Options, request.Scope.Limits);
        var apply = ApplyPlanner.Plan(request.Scope.Model, set, parser, limits, rawOption);
        if (limits.MaxTop > 0 && apply.Top > limits.MaxTop)
        {
            throw ODataProblem.BadRequest($"$top={apply.Top} is more than this service allows you ({limits.MaxTop}). Page with $skip or follow @odata.nextLink.", "$top", "LimitExceeded");
        }

        var query = new EntityQuery { Set = set, Selected = [], Top = apply.Top, Skip = apply.Skip, Count = apply.Count };
        return new PreparedRequest(PreparedKind.Aggregated, set, query, null, format) { Apply = apply };
    }

    /// <summary>A system query option's text as sent (decoded), for error targets and the $search fallback.</summary>
    internal static Func<string, string?> RawOption(HttpContext context)
        => name => context.Request.Query.TryGetValue(name, out var value) && value.Count > 0 ? value[0] : null;
}
