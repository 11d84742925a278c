using Microsoft.OData.UriParser;
using OData.Virtualization.Configuration;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;
using OData.Virtualization.Paging;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>
/// Plans a navigation path (URL Conventions 4.01 §4.4): <c>Set(key)/Nav</c> (a collection, or one related entity),
/// <c>…/Nav(key)</c>, <c>…/Nav/$count</c>, <c>…/Nav/Prop</c> and <c>…/Nav/Prop/$value</c>, also through several
/// navigation properties (<c>Set(key)/Nav(key)/Nav2</c>). The query options apply to the navigated rows, which are a
/// query on the target set restricted to the rows related to the parent (<see cref="EntityQuery.Via"/>): one statement,
/// the row filters of both ends in it.
/// </summary>
internal static class NavigationPlanner
{
    public static PreparedRequest Plan(
        ODataRequest request,
        PublishedSet root,
        IReadOnlyList<ODataPathSegment> segments,
        ODataUriParser parser,
        LimitOptions limits,
        ResponseFormat format,
        PagePlanner pages)
    {
        if (segments.Count < 3 || segments[1] is not KeySegment rootKey || segments[2] is not NavigationPropertySegment)
        {
            throw Unsupported(request);
        }

        // Walk the path: every navigation starts from one entity (by key, or reached by a single-valued navigation).
        var set = root;
        var key = QueryPlanner.KeyValues(root, rootKey);
        NavigationSource? via = null;
        var single = true;
        var i = 2;
        while (i < segments.Count && segments[i] is NavigationPropertySegment segment)
        {
            if (!single)
            {
                throw Unsupported(request);
            }

            var navigation = set.GetNavigation(segment.NavigationProperty);
            // The parent keeps how it was reached even when it has a key: carriers(1)/shipments(7)/lines are the lines
            // of shipment 7 only if shipment 7 is carrier 1's.
            via = new NavigationSource(set, key, via, navigation);
            set = navigation.Target;
            key = null;
            single = !navigation.IsCollection;
            i++;
            if (navigation.IsCollection && i < segments.Count && segments[i] is KeySegment childKey)
            {
                key = QueryPlanner.KeyValues(set, childKey);
                single = true;
                i++;
            }
        }

        request.Timings.EntitySet = set.Name;
        var scope = request.Scope;
        var rawOption = RequestPlanner.RawOption(request.Context);
        if (i == segments.Count)
        {
            if (!single)
            {
                var collection = RequestPlanner.Plan(scope, set, parser, null, limits, rawOption) with { Via = via };
                var page = pages.Plan(request.Context.Request, collection, request.Relative, scope.Id, scope.MaxPageSize);
                return new PreparedRequest(PreparedKind.Collection, set, collection, page, format);
            }

            if (key is not null)
            {
                // A related entity by its own key (Set(key)/Nav(key)): a 404 unless it is related.
                return new PreparedRequest(PreparedKind.Entity, set, RequestPlanner.Plan(scope, set, parser, KeySegmentOf(segments, i - 1), limits, rawOption) with { Via = via }, null, format);
            }

            RefuseCollectionOptions(rawOption, via!.Navigation.Name);
            return new PreparedRequest(PreparedKind.Related, set, RequestPlanner.Plan(scope, set, parser, null, limits, rawOption) with { Via = via }, null, format);
        }

        if (!single && segments[i] is CountSegment && i == segments.Count - 1)
        {
            var counted = RequestPlanner.Plan(scope, set, parser, null, limits, rawOption) with { Via = via };
            return new PreparedRequest(PreparedKind.Count, set, counted, null, format);
        }

        if (single && segments[i] is PropertySegment property && (i == segments.Count - 1 || (i == segments.Count - 2 && segments[i + 1] is ValueSegment)))
        {
            var rawValue = i == segments.Count - 2;
            var column = set.GetColumn(property.Property);
            if (rawValue && column.Type.IsCollection)
            {
                throw ODataProblem.BadRequest($"'{column.PropertyName}' is a collection: it has no raw $value. Request it without /$value.");
            }

            RefuseCollectionOptions(rawOption, column.PropertyName);
            var query = new EntityQuery { Set = set, Selected = [column], Key = key, Via = via };
            return new PreparedRequest(rawValue ? PreparedKind.Value : PreparedKind.Property, set, query, null, format, column);
        }

        throw Unsupported(request);
    }

    /// <summary>The path as the client wrote it (decoded), for messages: the parser's segment names repeat the set.</summary>
    public static string PathText(string relative)
    {
        var path = relative.Split('?')[0];
        try
        {
            return Uri.UnescapeDataString(path);
        }
        catch (UriFormatException)
        {
            return path;
        }
    }

    private static ODataProblem Unsupported(ODataRequest request)
        => ODataProblem.NotImplemented($"The path '{PathText(request.Relative)}' (this service answers Set(key)/Nav, /Nav(key), /Nav/$count, /Nav/Property and /Nav/Property/$value, also along several navigation properties; not type casts, $ref or operations)");

    /// <summary>The key segment at <paramref name="index"/> (a related entity's key).</summary>
    private static KeySegment KeySegmentOf(IReadOnlyList<ODataPathSegment> segments, int index) => (KeySegment)segments[index];

    /// <summary>One related entity or one of its properties: only $select and $expand apply, as to an entity by key.</summary>
    private static void RefuseCollectionOptions(Func<string, string?> rawOption, string what)
    {
        foreach (var option in new[] { "$filter", "$orderby", "$top", "$skip", "$count", "$search" })
        {
            if (rawOption(option) is not null)
            {
                throw ODataProblem.BadRequest($"'{what}' is a single value, not a collection: only $select and $expand apply to it; remove {option}.", option);
            }
        }
    }
}
