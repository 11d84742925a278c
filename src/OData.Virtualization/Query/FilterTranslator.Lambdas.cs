using Microsoft.OData.UriParser;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>
/// <c>any</c>, <c>all</c> and <c>/$count</c> over a collection navigation property in <c>$filter</c>, as correlated
/// subqueries of the related set: <c>any</c> is <c>EXISTS</c>, <c>all</c> is <c>NOT EXISTS</c> of a related row whose
/// body is not true, <c>Nav/$count</c> is <c>(SELECT COUNT(*) …)</c>. The related set's row filter (the caller's policy)
/// is inside each subquery: a related row the caller cannot see neither satisfies <c>any</c> nor breaks <c>all</c>, nor
/// counts. Lambdas nest (<c>sales_orders/any(o: o/order_lines/any(l: …))</c>), each level with its own alias
/// (<c>l1</c>, <c>l2</c>, …), and the body may use the outer rows (<c>$it</c>, an outer variable).
/// </summary>
internal sealed partial class FilterTranslator
{
    /// <summary>How many lambda subqueries enclose this translator: the next one's alias is <c>l{Depth + 1}</c>.</summary>
    public int Depth { get; init; }

    /// <summary>The lambda variables in scope (their set and alias); <c>$it</c> is this translator's own set and alias.</summary>
    private IReadOnlyDictionary<string, (PublishedSet Set, string Alias)> Ranges { get; init; } = new Dictionary<string, (PublishedSet, string)>(StringComparer.Ordinal);

    private string Lambda(LambdaNode node)
    {
        if (node.Source is CollectionPropertyAccessNode array)
        {
            return ArrayLambda(node, array);
        }

        var name = node is AnyNode ? "any" : "all";
        var (target, alias, conditions) = Related(node.Source, name);
        // any() has no variable (its body is the constant true).
        FilterTranslator Body() => new(_sql, _set, _alias, _now)
        {
            Clause = Clause,
            Joins = Joins,
            Elements = Elements,
            Depth = Depth + 1,
            Ranges = new Dictionary<string, (PublishedSet, string)>(Ranges, StringComparer.Ordinal) { [node.CurrentRangeVariable.Name] = (target, alias) },
        };

        if (node is AnyNode any)
        {
            if (any.Body is not null && Unwrap(any.Body) is not ConstantNode { Value: true })
            {
                conditions.Add(Body().Predicate(any.Body, strict: false));
            }

            return "(EXISTS (SELECT 1 FROM " + SqlDialect.Table(target.Object) + " AS " + alias + " WHERE " + string.Join(" AND ", conditions) + "))";
        }

        // all: no related row (that the caller may see) for which the body is not true; null counts as not true.
        conditions.Add("(NOT " + Body().Predicate(((AllNode)node).Body, strict: true) + ")");
        return "(NOT EXISTS (SELECT 1 FROM " + SqlDialect.Table(target.Object) + " AS " + alias + " WHERE " + string.Join(" AND ", conditions) + "))";
    }

    /// <summary><c>Nav/$count</c> (with its own <c>$filter</c>, <c>Nav/$count($filter=…)</c>).</summary>
    private SqlValue Count(CountNode node)
    {
        if (node.SearchClause is not null)
        {
            throw ODataProblem.NotImplemented($"$search inside /$count in {Clause}", Clause);
        }

        if (node.Source is CollectionPropertyAccessNode array)
        {
            return ArrayCount(node, array);
        }

        var (target, alias, conditions) = Related(node.Source, "/$count");
        if (node.FilterClause is { } filter)
        {
            var inner = new FilterTranslator(_sql, _set, _alias, _now)
            {
                Clause = Clause,
                Joins = Joins,
                Elements = Elements,
                Depth = Depth + 1,
                Ranges = new Dictionary<string, (PublishedSet, string)>(Ranges, StringComparer.Ordinal) { [filter.RangeVariable.Name] = (target, alias) },
            };
            conditions.Add(inner.Predicate(filter.Expression, strict: false));
        }

        return new SqlValue("(SELECT COUNT(*) FROM " + SqlDialect.Table(target.Object) + " AS " + alias + " WHERE " + string.Join(" AND ", conditions) + ")", ColumnType.Of(ValueKind.Int64), CanBeNull: false);
    }

    /// <summary>The related set of <paramref name="source"/>, the subquery's alias, and its row filter and join conditions.</summary>
    private (PublishedSet Target, string Alias, List<string> Conditions) Related(CollectionNode source, string what)
    {
        if (source is not CollectionNavigationNode navigation)
        {
            throw ODataProblem.NotImplemented($"'{what}' over anything but a collection navigation property (a collection of primitive values, a path of several navigation properties)", Clause);
        }

        if (navigation.Source is not ResourceRangeVariableReferenceNode range)
        {
            throw ODataProblem.NotImplemented($"'{what}' after a single-valued navigation property ({navigation.NavigationProperty.Name})", Clause);
        }

        var (parentSet, parentAlias) = Resolve(range);
        var nav = parentSet.GetNavigation(navigation.NavigationProperty);
        var target = nav.Target;
        var alias = "l" + (Depth + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var conditions = new List<string>();
        if (target.RowFilter is { } policy)
        {
            conditions.Add(new FilterTranslator(_sql, target.PolicySet ?? target, alias, _now) { Depth = Depth + 1 }.Predicate(policy));
        }

        foreach (var (local, remote) in nav.Join)
        {
            // Compared as stored, as the foreign key compares them: a NULL foreign key relates to nothing.
            conditions.Add(alias + "." + SqlDialect.Quote(remote.ColumnName) + " = " + parentAlias + "." + SqlDialect.Quote(local.ColumnName));
        }

        return (target, alias, conditions);
    }

    /// <summary>The set and alias a range variable stands for: a lambda's variable, or <c>$it</c>.</summary>
    private (PublishedSet Set, string Alias) Resolve(ResourceRangeVariableReferenceNode range)
        => Ranges.TryGetValue(range.Name, out var bound) ? bound : (_set, _alias);
}
