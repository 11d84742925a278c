using Microsoft.OData.UriParser;

namespace OData.Virtualization.IntegrationTests.Oracle;

/// <summary>
/// Navigation paths and lambdas, by definition: a property reached through a single-valued navigation property is the
/// related row's value, or null when there is no related row (or the principal may not see it); <c>any</c> is whether a
/// related row makes the body true, <c>all</c> whether every one does, <c>Nav/$count</c> how many there are.
/// </summary>
internal sealed partial class OracleEvaluator
{
    /// <summary>The related rows; without it, paths and lambdas are not evaluated.</summary>
    public OracleNavigation? Navigation { get; init; }

    /// <summary>The lambda variables in scope, bound to their rows.</summary>
    private IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>> Variables { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, object?>>(StringComparer.Ordinal);

    private object? PropertyValue(SingleValuePropertyAccessNode property, IReadOnlyDictionary<string, object?> row)
    {
        if (SourceRow(property.Source, row) is not { } source)
        {
            return null;
        }

        return source.TryGetValue(property.Property.Name, out var value)
            ? value
            : throw new InvalidOperationException($"The oracle did not load the column of '{property.Property.Name}'.");
    }

    private IReadOnlyDictionary<string, object?>? SourceRow(QueryNode node, IReadOnlyDictionary<string, object?> row) => node switch
    {
        ResourceRangeVariableReferenceNode range => Variables.TryGetValue(range.Name, out var bound) ? bound : row,
        SingleNavigationNode navigation when Navigation is not null
            => SourceRow(navigation.Source, row) is { } parent ? Navigation.Related(parent, navigation.NavigationProperty).SingleOrDefault() : null,
        _ => throw new NotSupportedException($"The oracle does not read properties of {node.GetType().Name}."),
    };

    private IReadOnlyList<IReadOnlyDictionary<string, object?>> RelatedRows(CollectionNode source, IReadOnlyDictionary<string, object?> row)
    {
        if (source is not CollectionNavigationNode collection || Navigation is null)
        {
            throw new NotSupportedException($"The oracle does not range over {source.GetType().Name}.");
        }

        return SourceRow(collection.Source, row) is { } parent ? Navigation.Related(parent, collection.NavigationProperty) : [];
    }

    private bool Lambda(LambdaNode node, IReadOnlyDictionary<string, object?> row)
    {
        var related = RelatedRows(node.Source, row);
        bool Body(IReadOnlyDictionary<string, object?> element, SingleValueNode body) => IsTrue(new OracleEvaluator(dialect, now)
        {
            Navigation = Navigation,
            Variables = new Dictionary<string, IReadOnlyDictionary<string, object?>>(Variables, StringComparer.Ordinal) { [node.CurrentRangeVariable.Name] = element },
        }.Evaluate(body, row));

        return node switch
        {
            AnyNode { Body: null or ConstantNode { Value: true } } => related.Count > 0,
            AnyNode any => related.Any(r => Body(r, any.Body)),
            AllNode all => related.All(r => Body(r, all.Body)),
            _ => throw new NotSupportedException(node.GetType().Name),
        };
    }

    private long Count(CountNode node, IReadOnlyDictionary<string, object?> row)
        => node.FilterClause is null && node.SearchClause is null
            ? RelatedRows(node.Source, row).Count
            : throw new NotSupportedException("The oracle does not evaluate /$count with options.");
}
