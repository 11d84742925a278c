using Microsoft.OData.UriParser;
using Microsoft.OData.UriParser.Aggregation;
using OData.Virtualization.Configuration;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Query;

/// <summary>
/// Turns <c>$apply</c> (parsed by Microsoft.OData.Core's <c>ParseApply</c>) and the options over its result into an
/// <see cref="ApplyQuery"/>. Supported: <c>filter</c> transformations, then one <c>groupby</c> (with or without
/// <c>aggregate</c>) or <c>aggregate</c>, then <c>filter</c> transformations over the aggregated rows. Everything else a
/// client may write is a 400 that says what to write instead (decision 77).
/// </summary>
internal static class ApplyPlanner
{
    private const string Target = "$apply";

    private const string Supported = "This service's $apply supports the transformations filter, groupby and aggregate, joined with '/': filter(...) first, then one groupby((properties),aggregate(...)) or aggregate(...), then filter(...) over its result. For example $apply=filter(status eq 'shipped')/groupby((country),aggregate(amount with sum as total)).";

    public static ApplyQuery Plan(PublishedModel model, PublishedSet set, ODataUriParser parser, LimitOptions limits, Func<string, string?> rawOption)
    {
        foreach (var option in new[] { "$select", "$expand", "$search", "$skiptoken" })
        {
            if (rawOption(option) is not null)
            {
                throw ODataProblem.BadRequest($"{option} cannot be combined with $apply: the result's properties are the groupby properties and the aggregate aliases. Remove {option}; use $filter, $orderby, $top, $skip and $count over the result.", option);
            }
        }

        var apply = ParseApply(model, parser);
        var top = QueryPlanner.Parse(model, parser.ParseTop, "$top");
        var skip = QueryPlanner.Parse(model, parser.ParseSkip, "$skip");
        var count = QueryPlanner.Parse(model, parser.ParseCount, "$count");

        var steps = apply.Transformations.ToList();
        var rowFilters = new List<SingleValueNode>();
        var i = 0;
        for (; i < steps.Count && steps[i] is FilterTransformationNode before; i++)
        {
            FilterComplexity.Check(before.FilterClause.Expression, limits, Target);
            rowFilters.Add(before.FilterClause.Expression);
        }

        if (i == steps.Count)
        {
            throw ODataProblem.BadRequest("$apply has no groupby or aggregate transformation. To filter rows alone use $filter; to total them add one, for example $apply=filter(...)/aggregate(amount with sum as total).", Target);
        }

        var groups = new List<ApplyGroup>();
        var aggregates = new List<ApplyAggregate>();
        var grouped = false;
        switch (steps[i])
        {
            case GroupByTransformationNode groupBy:
                grouped = true;
                foreach (var property in groupBy.GroupingProperties)
                {
                    AddGroups(set, property, groups);
                }

                if (groupBy.ChildTransformations is AggregateTransformationNode nested)
                {
                    AddAggregates(set, nested, groups, aggregates);
                }
                else if (groupBy.ChildTransformations is not null)
                {
                    throw ODataProblem.BadRequest($"Inside groupby only aggregate(...) may follow the properties. {Supported}", Target);
                }

                break;
            case AggregateTransformationNode aggregate:
                AddAggregates(set, aggregate, groups, aggregates);
                break;
            case var other:
                throw Unsupported(other.Kind.ToString().ToLowerInvariant());
        }

        // Over the aggregated rows: a name that is neither grouped nor an alias is named as such, with the ones there are.
        var outputs = string.Join(", ", groups.Select(g => g.Output.Path).Concat(aggregates.Select(a => a.Output.Name)));
        var filter = OverResult(() => QueryPlanner.Parse(model, parser.ParseFilter, "$filter", rawOption, limits.MaxFilterNodes), outputs);
        var orderBy = OverResult(() => QueryPlanner.Parse(model, parser.ParseOrderBy, "$orderby"), outputs);
        var resultFilters = new List<SingleValueNode>();
        for (i++; i < steps.Count; i++)
        {
            if (steps[i] is not FilterTransformationNode after)
            {
                throw ODataProblem.BadRequest($"Only filter(...) may follow groupby or aggregate here; '{steps[i].Kind.ToString().ToLowerInvariant()}' cannot. {Supported}", Target);
            }

            FilterComplexity.Check(after.FilterClause.Expression, limits, Target);
            ResultReferences.Check(after.FilterClause.Expression, Target);
            resultFilters.Add(after.FilterClause.Expression);
        }

        if (filter is not null)
        {
            FilterComplexity.Check(filter.Expression, limits, "$filter");
            ResultReferences.Check(filter.Expression, "$filter");
            resultFilters.Add(filter.Expression);
        }

        var order = new List<(SingleValueNode, bool)>();
        for (var term = orderBy; term is not null; term = term.ThenBy)
        {
            ResultReferences.Check(term.Expression, "$orderby");
            order.Add((term.Expression, term.Direction == OrderByDirection.Descending));
        }

        return new ApplyQuery
        {
            Set = set,
            RowFilters = rowFilters,
            Groups = groups,
            Aggregates = aggregates,
            Grouped = grouped,
            ResultFilters = resultFilters,
            OrderBy = order,
            Top = top,
            Skip = skip,
            Count = count ?? false,
        };
    }

    private static ApplyClause ParseApply(PublishedModel model, ODataUriParser parser)
    {
        try
        {
            return QueryPlanner.Parse(model, parser.ParseApply, Target);
        }
        catch (ODataProblem problem) when (problem.Message.Contains("'aggregate|filter|groupby|compute|expand' expected", StringComparison.Ordinal))
        {
            // The parser lists what it knows; say what this service does, and which word it stopped at.
            var word = System.Text.RegularExpressions.Regex.Match(problem.Message, @" in '([A-Za-z$]*)").Groups[1].Value;
            throw Unsupported(word.Length > 0 ? word : "?", problem);
        }
        catch (ODataProblem problem) when (problem.Message.Contains("operation does not support value type", StringComparison.Ordinal))
        {
            var type = System.Text.RegularExpressions.Regex.Match(problem.Message, "value type '([^']*)'").Groups[1].Value;
            throw new ODataProblem(400, "BadRequest", $"sum and average apply to numbers only, not to Edm.{type} properties. Use countdistinct, min or max for them, or $count.", Target, inner: problem);
        }
        catch (ODataProblem problem) when (problem.Message.Contains("must evaluate to a property access value", StringComparison.Ordinal))
        {
            var name = System.Text.RegularExpressions.Regex.Match(problem.Message, "'([^']*)'").Groups[1].Value;
            throw new ODataProblem(400, "BadRequest", $"groupby needs properties: '{name}' is not one. To group by a related entity, name one of its properties, for example groupby(({name}/name)); check the name against $metadata.", Target, inner: problem);
        }
    }

    private static T OverResult<T>(Func<T> parse, string outputs)
    {
        try
        {
            return parse();
        }
        catch (ODataProblem problem) when (problem.Message.Contains("must evaluate to a property access value", StringComparison.Ordinal))
        {
            var name = System.Text.RegularExpressions.Regex.Match(problem.Message, "'([^']*)'").Groups[1].Value;
            throw new ODataProblem(400, "BadRequest", $"'{name}' is not a property of the result of $apply. Its properties are: {outputs}. A condition on the set's own rows goes into filter(...) before groupby.", problem.Target, inner: problem);
        }
    }

    private static ODataProblem Unsupported(string transformation, Exception? inner = null)
        => new(400, "UnsupportedTransformation", $"The $apply transformation '{transformation}' is not supported. {Supported}", Target, inner: inner);

    private static void AddGroups(PublishedSet set, GroupByPropertyNode property, List<ApplyGroup> groups)
    {
        if (property.Expression is null)
        {
            // A navigation property: its properties are the children (carrier/name).
            if (property.ChildTransformations.Count == 0)
            {
                throw ODataProblem.BadRequest($"groupby needs properties, not the navigation property '{property.Name}' itself: name one of its properties, for example {property.Name}/name.", Target);
            }

            foreach (var child in property.ChildTransformations)
            {
                AddGroups(set, child, groups);
            }

            return;
        }

        var (column, via) = Resolve(set, property.Expression, "grouped");
        if (groups.Any(g => g.Column == column && g.Via == via))
        {
            return; // grouping twice by one property changes nothing
        }

        var output = new ApplyOutput(column.PropertyName, "g" + groups.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), column.Type, column.IsNullable || via is not null, via?.Name);
        groups.Add(new ApplyGroup(column, via, output));
    }

    private static void AddAggregates(PublishedSet set, AggregateTransformationNode node, List<ApplyGroup> groups, List<ApplyAggregate> aggregates)
    {
        foreach (var expression in node.AggregateExpressions)
        {
            if (expression is not AggregateExpression aggregate)
            {
                throw ODataProblem.BadRequest($"Aggregating a related collection ('{expression.Alias}') is not supported. Aggregate a property: aggregate(property with sum as {expression.Alias}).", Target);
            }

            var alias = aggregate.Alias;
            if (set.FindColumn(alias) is not null || set.Navigations.Any(n => n.Name == alias))
            {
                throw ODataProblem.BadRequest($"The alias '{alias}' is the name of a property of '{set.Name}'. Choose another alias, for example '{alias}_total'.", Target);
            }

            if (aggregates.Any(a => a.Output.Name == alias))
            {
                throw ODataProblem.BadRequest($"The alias '{alias}' is used twice. Give each aggregate its own alias.", Target);
            }

            var sqlName = "a" + aggregates.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (aggregate.Method == AggregationMethod.VirtualPropertyCount)
            {
                aggregates.Add(new ApplyAggregate(AggregateMethod.Count, new ApplyOutput(alias, sqlName, ColumnType.Of(ValueKind.Int64), false, IsAlias: true)));
                continue;
            }

            var method = aggregate.Method switch
            {
                AggregationMethod.Sum => AggregateMethod.Sum,
                AggregationMethod.Average => AggregateMethod.Average,
                AggregationMethod.Min => AggregateMethod.Min,
                AggregationMethod.Max => AggregateMethod.Max,
                AggregationMethod.CountDistinct => AggregateMethod.CountDistinct,
                _ => throw ODataProblem.BadRequest($"The aggregation method of '{alias}' is not supported. Use sum, average, min, max, countdistinct, or $count as {alias}.", Target),
            };
            var (column, via) = Resolve(set, aggregate.Expression, "aggregated");
            var type = AggregateTypes.ResultOf(method, column, alias, set.Source.Provider == SourceProvider.PostgreSql);
            aggregates.Add(new ApplyAggregate(method, new ApplyOutput(alias, sqlName, type, method is not (AggregateMethod.CountDistinct or AggregateMethod.Count), IsAlias: true))
            {
                Column = column,
                Via = via,
                InputType = column.Type,
            });
        }
    }

    /// <summary>A property of the set, or of the entity one single-valued navigation property of the set names.</summary>
    private static (PublishedColumn Column, PublishedNavigation? Via) Resolve(PublishedSet set, SingleValueNode node, string use)
    {
        if (FilterTranslator.Unwrap(node) is not SingleValuePropertyAccessNode property)
        {
            throw ODataProblem.BadRequest($"Only properties can be {use} in $apply, not expressions. Name a property (or publish a view with the computed column).", Target);
        }

        PublishedColumn column;
        PublishedNavigation? via = null;
        switch (property.Source)
        {
            case ResourceRangeVariableReferenceNode:
                column = set.GetColumn(property.Property);
                break;
            case SingleNavigationNode { Source: ResourceRangeVariableReferenceNode } navigation:
                via = set.GetNavigation(navigation.NavigationProperty);
                column = via.Target.GetColumn(property.Property);
                break;
            default:
                throw ODataProblem.BadRequest($"'{property.Property.Name}' is more than one navigation step away: $apply groups and aggregates properties of the set or of one related entity (carrier/name).", Target);
        }

        if (column.Mask is not null)
        {
            // A group or a min/max would show the value unmasked; a count of distinct values would leak it too.
            throw ODataProblem.BadRequest($"'{column.PropertyName}' is masked for you: it cannot be {use} in $apply (nor used in $filter, $orderby or $search).", Target, "MaskedProperty");
        }

        if (column.Type.IsCollection)
        {
            throw ODataProblem.BadRequest($"'{column.PropertyName}' is a collection: it cannot be {use} in $apply.", Target);
        }

        return (column, via);
    }
}
