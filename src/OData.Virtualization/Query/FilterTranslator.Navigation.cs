using System.Globalization;
using Microsoft.OData.UriParser;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>
/// A property reached through single-valued navigation properties (<c>carrier/name</c>, <c>order/customer/country</c>).
/// From the statement's own rows it is a column of the statement's LEFT JOIN for that path (<see cref="Joins"/>,
/// decision 80). Elsewhere — from a lambda's variable, inside <c>Nav/$count($filter=…)</c>, in a row filter — it is a
/// correlated subquery <c>(SELECT p1.name FROM carriers AS p1 WHERE p1.id = l1.carrier_id AND &lt;row filter&gt;)</c>.
/// Either way the related set's row filter for the caller applies, and a related row that is missing or hidden makes
/// the value NULL.
/// </summary>
internal sealed partial class FilterTranslator
{
    /// <summary>The statement's LEFT JOIN aliases by navigation path from its own rows (<see cref="NavigationPaths"/>).</summary>
    public IReadOnlyDictionary<string, string> Joins { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    private SqlValue NavigationProperty(SingleValuePropertyAccessNode node)
    {
        if (NavigationPaths.Split(node.Source) is not { } split)
        {
            throw ODataProblem.NotImplemented($"Properties of complex values or casts inside {Clause}", Clause);
        }

        var (root, path) = split;
        var (set, alias) = Resolve(root);
        if (!Ranges.ContainsKey(root.Name) && Joins.TryGetValue(NavigationPaths.Key(path, path.Count), out var joined))
        {
            foreach (var step in path)
            {
                set = set.GetNavigation(step).Target;
            }

            var column = Checked(set, node);
            return new SqlValue(Dialect.CompareColumn(joined + "." + SqlDialect.Quote(column.ColumnName), column.Type), column.Type, CanBeNull: true);
        }

        return RelatedValue(node, set, alias, path);
    }

    /// <summary>The correlated subquery for a path the statement has no join for.</summary>
    private SqlValue RelatedValue(SingleValuePropertyAccessNode node, PublishedSet set, string alias, IReadOnlyList<Microsoft.OData.Edm.IEdmNavigationProperty> path)
    {
        var from = new List<string>();
        var conditions = new List<string>();
        var parentAlias = alias;
        for (var i = 0; i < path.Count; i++)
        {
            var navigation = set.GetNavigation(path[i]);
            var target = navigation.Target;
            var stepAlias = "p" + (Depth + 1 + i).ToString(CultureInfo.InvariantCulture);
            from.Add(SqlDialect.Table(target.Object) + " AS " + stepAlias);
            foreach (var (local, remote) in navigation.Join)
            {
                conditions.Add(stepAlias + "." + SqlDialect.Quote(remote.ColumnName) + " = " + parentAlias + "." + SqlDialect.Quote(local.ColumnName));
            }

            if (target.RowFilter is { } policy)
            {
                // Deeper than every alias of this subquery, so a lambda in the row filter shadows none of them.
                conditions.Add(new FilterTranslator(_sql, target.PolicySet ?? target, stepAlias, _now) { Depth = Depth + path.Count }.Predicate(policy));
            }

            set = target;
            parentAlias = stepAlias;
        }

        var column = Checked(set, node);
        var value = Dialect.CompareColumn(parentAlias + "." + SqlDialect.Quote(column.ColumnName), column.Type);
        return new SqlValue("(SELECT " + value + " FROM " + string.Join(", ", from) + " WHERE " + string.Join(" AND ", conditions) + ")", column.Type, CanBeNull: true);
    }

    /// <summary>The related column, refused where a column of the set itself would be (masked, a collection).</summary>
    private PublishedColumn Checked(PublishedSet set, SingleValuePropertyAccessNode node)
    {
        var column = set.GetColumn(node.Property);
        if (column.Mask is not null)
        {
            throw ODataProblem.BadRequest($"'{column.PropertyName}' is masked for you: it cannot be used in $filter, $orderby or $search.", null, "MaskedProperty");
        }

        if (column.Type.IsCollection)
        {
            throw ODataProblem.NotImplemented($"Comparing the collection property '{column.PropertyName}'", Clause);
        }

        return column;
    }
}
