using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;
using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>
/// Single-valued navigation paths (<c>carrier/name</c>, <c>order/customer/country</c>) in a query's <c>$filter</c> and
/// <c>$orderby</c>: each distinct path from the query's own rows (<c>$it</c>) becomes one LEFT JOIN of the statement
/// (<see cref="SqlCompiler"/>, <c>SqlCompiler.Joins.cs</c>), aliased <c>j1</c>, <c>j2</c>, … in the order the paths are
/// first met, a path's prefixes before it.
/// </summary>
internal static class NavigationPaths
{
    /// <summary>The implicit range variable's name: the query's own rows.</summary>
    private const string It = "$it";

    /// <summary>One LEFT JOIN: the path it stands for, the navigation it follows, its alias and the alias it hangs from.</summary>
    internal sealed record PathJoin(string Path, PublishedNavigation Navigation, string Alias, string ParentAlias);

    /// <summary>
    /// The navigation properties from a range variable to <paramref name="source"/>, or null when the source is not
    /// such a chain (a cast, a complex value).
    /// </summary>
    public static (ResourceRangeVariableReferenceNode Root, IReadOnlyList<IEdmNavigationProperty> Path)? Split(SingleValueNode? source)
    {
        var path = new List<IEdmNavigationProperty>();
        while (source is SingleNavigationNode navigation)
        {
            path.Add(navigation.NavigationProperty);
            source = navigation.Source;
        }

        if (source is not ResourceRangeVariableReferenceNode root || path.Count == 0)
        {
            return null;
        }

        path.Reverse();
        return (root, path);
    }

    /// <summary>The key a path is known by among a statement's joins.</summary>
    public static string Key(IReadOnlyList<IEdmNavigationProperty> path, int count)
        => string.Join("/", path.Take(count).Select(p => p.Name));

    /// <summary>The joins that <paramref name="query"/>'s filter and order need, parents first.</summary>
    public static IReadOnlyList<PathJoin> Of(EntityQuery query, string alias)
    {
        var found = new List<IReadOnlyList<IEdmNavigationProperty>>();
        if (query.Filter is not null)
        {
            Collect(query.Filter, found);
        }

        foreach (var (expression, _) in query.OrderBy)
        {
            Collect(expression, found);
        }

        foreach (var computed in query.Computed.Items)
        {
            Collect(computed.Expression, found);
        }

        var joins = new List<PathJoin>();
        var byPath = new Dictionary<string, PathJoin>(StringComparer.Ordinal);
        foreach (var path in found)
        {
            var set = query.Set;
            var parentAlias = alias;
            for (var i = 1; i <= path.Count; i++)
            {
                var key = Key(path, i);
                if (!byPath.TryGetValue(key, out var join))
                {
                    var navigation = set.GetNavigation(path[i - 1]);
                    join = new PathJoin(key, navigation, "j" + (joins.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), parentAlias);
                    byPath.Add(key, join);
                    joins.Add(join);
                }

                set = join.Navigation.Target;
                parentAlias = join.Alias;
            }
        }

        return joins;
    }

    /// <summary>The aliases of <paramref name="joins"/> by path, for the translator.</summary>
    public static IReadOnlyDictionary<string, string> Aliases(IReadOnlyList<PathJoin> joins)
        => joins.ToDictionary(j => j.Path, j => j.Alias, StringComparer.Ordinal);

    /// <summary>
    /// Finds the paths from <c>$it</c>. Inside <c>Nav/$count($filter=…)</c> <c>$it</c> names the related rows, so
    /// paths there are left to the translator's correlated subquery.
    /// </summary>
    private static void Collect(QueryNode? node, List<IReadOnlyList<IEdmNavigationProperty>> found)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (node)
        {
            case SingleValuePropertyAccessNode property:
                if (Split(property.Source) is { Root.Name: It } path)
                {
                    found.Add(path.Path);
                }

                break;
            case ConvertNode convert:
                Collect(convert.Source, found);
                break;
            case BinaryOperatorNode binary:
                Collect(binary.Left, found);
                Collect(binary.Right, found);
                break;
            case UnaryOperatorNode unary:
                Collect(unary.Operand, found);
                break;
            case SingleValueFunctionCallNode function:
                foreach (var parameter in function.Parameters)
                {
                    Collect(parameter, found);
                }

                break;
            case InNode inNode:
                Collect(inNode.Left, found);
                break;
            case LambdaNode lambda:
                Collect(lambda.Body, found);
                break;
        }
    }
}
