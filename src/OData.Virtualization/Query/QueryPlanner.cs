using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;
using OData.Virtualization.Configuration;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>Turns the URI parser's clauses into an <see cref="EntityQuery"/>, rejecting what is not supported by name.</summary>
internal static class QueryPlanner
{
    public static EntityQuery Plan(
        PublishedModel model,
        PublishedSet set,
        ODataUriParser parser,
        KeySegment? key,
        LimitOptions limits,
        Func<string, string?>? rawOption = null)
    {
        // First: the parser binds the other options' uses of a computed alias once it has read $compute.
        var compute = Parse(model, parser.ParseCompute, "$compute");
        var filter = Parse(model, parser.ParseFilter, "$filter", rawOption, limits.MaxFilterNodes);
        var orderBy = Parse(model, parser.ParseOrderBy, "$orderby");
        var selectExpand = Parse(model, parser.ParseSelectAndExpand, "$select", rawOption);
        var search = ParseSearch(model, set, parser, rawOption);
        var top = Parse(model, parser.ParseTop, "$top");
        var skip = Parse(model, parser.ParseSkip, "$skip");
        var count = Parse(model, parser.ParseCount, "$count");

        if (filter is not null)
        {
            FilterComplexity.Check(filter.Expression, limits, "$filter");
        }

        if (search is not null)
        {
            SearchTranslator.CheckLimits(search.Expression, limits);
        }

        if (key is not null && (filter is not null || orderBy is not null || search is not null || top is not null || skip is not null || count is not null))
        {
            throw ODataProblem.BadRequest("Only $select and $expand apply to a single entity; remove the other query options.");
        }

        var computed = ComputedProperties.Plan(set, compute, limits);
        return Build(model, set, filter?.Expression, orderBy, selectExpand, search, top, skip, count ?? false, KeyValues(set, key), limits, depth: 0, computed);
    }

    /// <summary>Runs one of the parser's clauses, naming the query option in the error when it fails.</summary>
    internal static T Parse<T>(PublishedModel model, Func<T> parse, string target, Func<string, string?>? raw = null, int maxTerms = 0)
    {
        try
        {
            return parse();
        }
        catch (ODataException ex) when (ex is not ODataUnrecognizedPathException)
        {
            if (ex.Message.Contains("Recursion depth exceeded", StringComparison.Ordinal))
            {
                // A chain of 'or' is one level per term for the parser's binder: say how many terms there are.
                throw FilterComplexity.TooDeep(target, target == "$filter" ? raw?.Invoke("$filter") : null, maxTerms);
            }

            if (target == "$select" && raw is not null)
            {
                target = SelectOrExpand(ex.Message, raw("$select"), raw("$expand"));
            }

            throw new ODataProblem(400, "BadRequest", ParserMessages.WithSuggestion(ex.Message, model.EdmModel), target, inner: ex);
        }
        catch (ArgumentException ex)
        {
            // The parser binds some calls it accepts syntactically to arguments that are not there: cast(null),
            // isof(Priority,1) and cast(1e308) name no type and end in an ArgumentNullException of its binder.
            throw new ODataProblem(400, "BadRequest", "The query could not be understood: cast and isof take a type name as their last argument, for example cast(Priority,Edm.Int64) or isof(Edm.String). Check the functions' arguments.", target, inner: ex);
        }
        catch (OverflowException ex)
        {
            // The parser converts literals to the compared property's type: Edm.Decimal holds 28-29 digits.
            throw new ODataProblem(400, "BadRequest", "A number in the query is too large for the type it is compared with (Edm.Decimal holds at most 28 significant digits, Edm.Int64 up to 9223372036854775807).", target, inner: ex);
        }
    }

    /// <summary>
    /// The parser reports $select and $expand errors together: name the option that is there, or, with both, the
    /// one that contains the name the message complains about.
    /// </summary>
    private static string SelectOrExpand(string message, string? select, string? expand)
    {
        if (expand is null)
        {
            return "$select";
        }

        if (select is null)
        {
            return "$expand";
        }

        var quoted = System.Text.RegularExpressions.Regex.Match(message, "'([^']+)'");
        return quoted.Success && expand.Contains(quoted.Groups[1].Value, StringComparison.Ordinal) && !select.Contains(quoted.Groups[1].Value, StringComparison.Ordinal)
            ? "$expand"
            : "$select";
    }

    /// <summary>
    /// <c>$search</c>. The URI parser follows OData 4.0's narrower word grammar and refuses words such as
    /// <c>example.com</c> or <c>Sup-0042</c> that OData 4.01 allows: such words are retried as quoted phrases.
    /// </summary>
    private static SearchClause? ParseSearch(PublishedModel model, PublishedSet set, ODataUriParser parser, Func<string, string?>? rawOption)
    {
        try
        {
            return parser.ParseSearch();
        }
        catch (ODataException) when (rawOption?.Invoke("$search") is not null)
        {
            var raw = rawOption("$search")!;

            var quoted = System.Text.RegularExpressions.Regex.Replace(raw, "(?<=^|[\\s(])(?!(AND|OR|NOT)(?=[\\s)]|$))([^\\s()\"]+)", m => m.Value.All(char.IsLetterOrDigit) ? m.Value : "\"" + m.Value + "\"");
            var retry = new ODataUriParser(model.EdmModel, parser.ServiceRoot, new Uri(parser.ServiceRoot, Uri.EscapeDataString(set.Name) + "?$search=" + Uri.EscapeDataString(quoted)));
            try
            {
                return retry.ParseSearch();
            }
            catch (ODataException)
            {
                return Parse(model, parser.ParseSearch, "$search"); // the client's own text explains the error best
            }
        }
    }

    private static EntityQuery Build(
        PublishedModel model,
        PublishedSet set,
        SingleValueNode? filter,
        OrderByClause? orderBy,
        SelectExpandClause? selectExpand,
        SearchClause? search,
        long? top,
        long? skip,
        bool count,
        IReadOnlyList<(PublishedColumn, object)>? key,
        LimitOptions limits,
        int depth,
        ComputedProperties? computed = null)
    {
        computed ??= ComputedProperties.None;
        var (selected, projected) = Selection(set, selectExpand, computed);
        var expands = new List<ExpandedQuery>();
        if (selectExpand is not null)
        {
            foreach (var item in selectExpand.SelectedItems)
            {
                switch (item)
                {
                    case ExpandedNavigationSelectItem expanded:
                        var level = Expand(model, set, expanded, limits, depth + 1);
                        expands.Add(level);
                        if (level.Query.Count)
                        {
                            expands.Add(ExpandCount.Level(level)); // right after its level: the writer pairs them
                        }

                        break;
                    case ExpandedReferenceSelectItem:
                        throw ODataProblem.NotImplemented("$expand with $ref", "$expand");
                }
            }
        }

        return new EntityQuery
        {
            Set = set,
            Selected = selected,
            IsProjected = projected,
            Filter = filter,
            Search = search,
            OrderBy = OrderTerms(set, orderBy, computed),
            Computed = computed,
            Key = key,
            Top = top,
            Skip = skip,
            Count = count,
            Expands = expands,
        };
    }

    private static ExpandedQuery Expand(PublishedModel model, PublishedSet parent, ExpandedNavigationSelectItem item, LimitOptions limits, int depth)
    {
        if (depth > limits.MaxExpandDepth)
        {
            throw ODataProblem.BadRequest($"$expand is nested {depth} levels deep; the most this service allows is {limits.MaxExpandDepth}.", "$expand");
        }

        if (item.PathToNavigationProperty.Count != 1 || item.PathToNavigationProperty.FirstSegment is not NavigationPropertySegment segment)
        {
            throw ODataProblem.NotImplemented("$expand along a path of more than one navigation property", "$expand");
        }

        if (item.LevelsOption is not null)
        {
            throw ODataProblem.NotImplemented("$levels", "$expand");
        }

        if (item.ComputeOption is not null || item.ApplyOption is not null)
        {
            throw ODataProblem.NotImplemented("$compute and $apply inside $expand", "$expand");
        }

        var navigation = parent.GetNavigation(segment.NavigationProperty);
        if (item.FilterOption is { } nestedFilter)
        {
            FilterComplexity.Check(nestedFilter.Expression, limits, "$expand");
        }

        if (!navigation.IsCollection && (item.TopOption is not null || item.SkipOption is not null || item.OrderByOption is not null || item.FilterOption is not null || item.SearchOption is not null || item.CountOption is not null))
        {
            throw ODataProblem.BadRequest($"'{navigation.Name}' is a single related entity: only $select and $expand apply to it.", "$expand");
        }

        var query = Build(
            model,
            navigation.Target,
            item.FilterOption?.Expression,
            item.OrderByOption,
            item.SelectAndExpand,
            item.SearchOption,
            // Expanded collections are bounded per parent (documented in the README).
            navigation.IsCollection && limits.MaxExpandedRows > 0 ? Math.Min(item.TopOption ?? long.MaxValue, limits.MaxExpandedRows) : item.TopOption,
            item.SkipOption,
            count: item.CountOption == true,
            key: null,
            limits,
            depth);
        return new ExpandedQuery(navigation, query);
    }

    private static (IReadOnlyList<PublishedColumn> Columns, bool Projected) Selection(PublishedSet set, SelectExpandClause? clause, ComputedProperties computed)
    {
        if (clause is null || clause.AllSelected)
        {
            return (set.Columns, false);
        }

        var selected = new HashSet<PublishedColumn>();
        var computedSelected = new List<PublishedColumn>();
        var any = false;
        var all = false;
        foreach (var item in clause.SelectedItems)
        {
            switch (item)
            {
                case WildcardSelectItem:
                    all = true;
                    break;
                case PathSelectItem { SelectedPath.LastSegment: DynamicPathSegment dynamic } path:
                    // A computed property: written only where $select names it (OData 4.01 §5.1.5).
                    var named = computed.Find(dynamic.Identifier)
                        ?? throw ODataProblem.BadRequest($"'{dynamic.Identifier}' is neither a property of '{set.Name}' nor computed by $compute.", "$select");
                    if (path.SelectedPath.Count != 1)
                    {
                        throw ODataProblem.NotImplemented("$select of a nested property path", "$select");
                    }

                    if (!computedSelected.Contains(named.Column))
                    {
                        computedSelected.Add(named.Column);
                    }

                    break;
                case PathSelectItem { SelectedPath.LastSegment: PropertySegment property } path:
                    if (path.SelectedPath.Count != 1)
                    {
                        throw ODataProblem.NotImplemented("$select of a nested property path", "$select");
                    }

                    if (path.FilterOption is not null || path.OrderByOption is not null || path.TopOption is not null || path.SkipOption is not null)
                    {
                        throw ODataProblem.NotImplemented("Query options inside $select", "$select");
                    }

                    selected.Add(set.GetColumn(property.Property));
                    any = true;
                    break;
                case PathSelectItem { SelectedPath.LastSegment: NavigationPropertySegment }:
                    // Selecting a navigation property only asks for its link; links are computed by clients.
                    break;
                case NamespaceQualifiedWildcardSelectItem:
                    all = true;
                    break;
            }
        }

        if (computedSelected.Count == 0 && (all || !any))
        {
            return (set.Columns, false);
        }

        // Keep the table's column order, whatever order $select named them in; computed properties follow in $select's order.
        var columns = all || !any ? set.Columns : set.Columns.Where(selected.Contains);
        return ([.. columns, .. computedSelected], !all);
    }

    private static IReadOnlyList<(SingleValueNode, bool)> OrderTerms(PublishedSet set, OrderByClause? clause, ComputedProperties computed)
    {
        var terms = new List<(SingleValueNode, bool)>();
        for (var current = clause; current is not null; current = current.ThenBy)
        {
            var alias = FilterTranslator.Unwrap(current.Expression) is SingleValueOpenPropertyAccessNode open ? computed.Find(open.Name) : null;
            if (alias is null && current.Expression.TypeReference is not IEdmPrimitiveTypeReference)
            {
                throw ODataProblem.BadRequest("$orderby needs primitive values, such as a property or a function of one.", "$orderby");
            }

            if (FilterTranslator.Unwrap(current.Expression) is SingleValuePropertyAccessNode { Source: ResourceRangeVariableReferenceNode } property
                && set.FindColumn(property.Property.Name) is { Type.IsCollection: true })
            {
                throw ODataProblem.BadRequest($"Cannot order by the collection property '{property.Property.Name}'.", "$orderby");
            }

            terms.Add((current.Expression, current.Direction == OrderByDirection.Descending));
        }

        return terms;
    }

    /// <summary>A key segment's values, in the set's key columns.</summary>
    internal static IReadOnlyList<(PublishedColumn, object)>? KeyValues(PublishedSet set, KeySegment? key)
    {
        if (key is null)
        {
            return null;
        }

        var values = new List<(PublishedColumn, object)>();
        foreach (var (name, value) in key.Keys)
        {
            var column = set.FindColumn(name) ?? throw ODataProblem.BadRequest($"'{name}' is not a key property of '{set.Name}'.");
            values.Add((column, value));
        }

        return values;
    }
}
