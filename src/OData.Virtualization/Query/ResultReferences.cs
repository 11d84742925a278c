using Microsoft.OData.UriParser;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Query;

/// <summary>
/// Checks an expression over the aggregated rows of <c>$apply</c> (<c>$filter</c>, <c>$orderby</c>, a <c>filter</c>
/// after <c>groupby</c>): it may compare, combine and call functions on the result's properties, but not reach into
/// related collections (<c>any</c>, <c>all</c>, <c>/$count</c>), which an aggregated row does not have.
/// </summary>
internal static class ResultReferences
{
    public static void Check(SingleValueNode node, string target)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (node)
        {
            case ConvertNode convert:
                Check(convert.Source, target);
                break;
            case BinaryOperatorNode binary:
                Check(binary.Left, target);
                Check(binary.Right, target);
                break;
            case UnaryOperatorNode unary:
                Check(unary.Operand, target);
                break;
            case SingleValueFunctionCallNode function:
                foreach (var parameter in function.Parameters.OfType<SingleValueNode>())
                {
                    Check(parameter, target);
                }

                break;
            case InNode inNode:
                Check(inNode.Left, target);
                break;
            case ConstantNode or SingleValuePropertyAccessNode or SingleValueOpenPropertyAccessNode:
                break;
            default:
                throw ODataProblem.BadRequest($"{target} over the result of $apply can use its groupby properties and aggregate aliases, with operators and functions; '{node.Kind}' reaches beyond an aggregated row. Move that condition into a filter(...) before groupby.", target);
        }
    }
}
