using Microsoft.OData.UriParser;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary><c>$compute</c>'s aliases in <c>$filter</c>, <c>$orderby</c> and other computed expressions (<see cref="ComputedProperties"/>).</summary>
internal sealed partial class FilterTranslator
{
    /// <summary>The request's <c>$compute</c>: an alias the parser bound as an open property stands for its expression.</summary>
    public ComputedProperties? Computed { get; init; }

    /// <summary>The expression <paramref name="node"/> names, when it is a computed property's alias.</summary>
    private SingleValueNode? ComputedExpression(SingleValueNode node)
        => node is SingleValueOpenPropertyAccessNode { Source: ResourceRangeVariableReferenceNode } open ? Computed?.ExpressionOf(open.Name) : null;

    /// <summary>
    /// The parser cannot check a comparison with a computed alias (an open property to it, of no declared type):
    /// compare like with like here, as it does for declared properties.
    /// </summary>
    private void CheckComputedComparison(SingleValueNode leftNode, SqlValue left, SingleValueNode rightNode, SqlValue right)
    {
        if ((ComputedExpression(leftNode) is not null || ComputedExpression(rightNode) is not null)
            && !left.IsNullLiteral && !right.IsNullLiteral && OwnType(leftNode, left) is { } leftType && OwnType(rightNode, right) is { } rightType
            && Family(leftType) != Family(rightType))
        {
            throw ODataProblem.BadRequest($"Cannot compare Edm.{leftType.EdmKind} with Edm.{rightType.EdmKind}: a computed property compares with values of its own type.", Clause);
        }
    }

    /// <summary>A literal's own type (not the one it was bound as), else the compiled value's.</summary>
    private static ColumnType? OwnType(SingleValueNode node, SqlValue value)
        => node is ConstantNode constant ? TypeOf(constant.TypeReference) ?? value.Type : value.Type;

    /// <summary>Types that compare with each other: numbers, text, instants and dates, and each other kind on its own.</summary>
    private static int? Family(ColumnType? type) => type?.Kind switch
    {
        null => null,
        ValueKind.Byte or ValueKind.Int16 or ValueKind.Int32 or ValueKind.Int64 or ValueKind.Single or ValueKind.Double or ValueKind.Decimal => 0,
        ValueKind.String => 1,
        ValueKind.Date or ValueKind.DateTime or ValueKind.DateTimeOffset => 2,
        var kind => 3 + (int)kind,
    };
}
