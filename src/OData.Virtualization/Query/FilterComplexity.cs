using Microsoft.OData;
using Microsoft.OData.UriParser;
using OData.Virtualization.Configuration;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Query;

/// <summary>
/// How large a <c>$filter</c> is, counted in what a client writes: <em>terms</em>. A term is a comparison (<c>eq</c>,
/// <c>ne</c>, <c>gt</c>, …, <c>has</c>), an <c>in</c> test, a function call, an arithmetic operation, or a property or
/// literal that stands as a condition by itself; <c>and</c>, <c>or</c>, <c>not</c> and parentheses only connect terms.
/// <c>id eq 1 or id eq 2</c> has 2 terms, <c>contains(name,'x') eq true</c> 2 (the call and the comparison).
/// </summary>
internal static class FilterComplexity
{
    /// <summary>The URI parser's own limit on nesting, which a chain of <c>and</c>/<c>or</c> reaches at about this many terms.</summary>
    public const int ParserDepth = 800;

    private const string WhatIsATerm = "a term is a comparison, an 'in' test, a function call or an arithmetic operation";

    private const string UseIn = "For a long list of values of one property use 'in', for example customer_id in (1,2,3).";

    /// <summary>Counts the terms of a parsed expression; more than the limit, or an 'in' list beyond its limit, is a 400.</summary>
    public static void Check(SingleValueNode root, LimitOptions limits, string target)
    {
        var terms = Count(root, limits.MaxInListLength, target);
        if (terms > limits.MaxFilterNodes)
        {
            throw TooMany(target, terms, limits.MaxFilterNodes);
        }
    }

    /// <summary>
    /// The answer when the URI parser refused an expression as nested too deeply: the term limit with the real count when
    /// the expression is over it (a long <c>or</c> chain), else the nesting the parser allows.
    /// </summary>
    public static ODataProblem TooDeep(string? target, string? text, int limit)
    {
        var terms = text is null ? null : Count(text);
        if (terms > limit && target is not null)
        {
            return TooMany(target, terms.Value, limit);
        }

        var what = target is null ? "The query" : $"The {target} expression";
        var chained = terms is null ? string.Empty : $" It has {terms} terms ({WhatIsATerm}); each 'and'/'or' joining them is a level too.";
        return ODataProblem.BadRequest(
            $"{what} is nested more than {ParserDepth} levels deep (parentheses, 'not', or terms chained by 'and'/'or'), more than the URI parser takes.{chained} {UseIn}",
            target,
            "QueryTooComplex");
    }

    private static ODataProblem TooMany(string target, int terms, int limit)
        => ODataProblem.BadRequest(
            $"The {target} expression has {terms} terms ({WhatIsATerm}); the most this service accepts is {limit}. {UseIn}",
            target,
            "QueryTooComplex");

    /// <summary>The terms of a bound expression (without recursion: a chain of 'or' is as deep as it is long).</summary>
    private static int Count(SingleValueNode root, int maxInListLength, string target)
    {
        var terms = 0;
        var stack = new Stack<(QueryNode Node, bool Condition)>();
        stack.Push((root, true));
        while (stack.Count > 0)
        {
            var (node, condition) = stack.Pop();
            switch (node)
            {
                case ConvertNode convert:
                    stack.Push((convert.Source, condition));
                    break;
                case BinaryOperatorNode { OperatorKind: BinaryOperatorKind.And or BinaryOperatorKind.Or } logical:
                    stack.Push((logical.Left, true));
                    stack.Push((logical.Right, true));
                    break;
                case UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Not } not:
                    stack.Push((not.Operand, true));
                    break;
                case BinaryOperatorNode binary:
                    terms++;
                    stack.Push((binary.Left, false));
                    stack.Push((binary.Right, false));
                    break;
                case UnaryOperatorNode unary:
                    terms++;
                    stack.Push((unary.Operand, false));
                    break;
                case SingleValueFunctionCallNode function:
                    terms++;
                    foreach (var parameter in function.Parameters)
                    {
                        stack.Push((parameter, false));
                    }

                    break;
                case InNode inNode:
                    if (inNode.Right is CollectionConstantNode list && list.Collection.Count > maxInListLength)
                    {
                        throw ODataProblem.BadRequest(
                            $"An 'in' list has {list.Collection.Count} values; the most this service accepts is {maxInListLength}. Split the request.",
                            target,
                            "QueryTooComplex");
                    }

                    terms++;
                    stack.Push((inNode.Left, false));
                    break;
                case LambdaNode lambda:
                    // any/all: a term of its own, and its body's terms (the body is a subquery of its own).
                    terms++;
                    if (lambda.Body is not null)
                    {
                        stack.Push((lambda.Body, true));
                    }

                    break;
                case SingleValueNode when condition:
                    terms++;
                    break;
            }
        }

        return terms;
    }

    /// <summary>
    /// The terms of an expression the URI parser could not bind, counted on its syntax tree (which it builds without
    /// recursing along a chain); null when even that is nested too deeply.
    /// </summary>
    private static int? Count(string text)
    {
        QueryToken root;
        try
        {
            root = new UriQueryExpressionParser(ParserDepth).ParseFilter(text);
        }
        catch (ODataException)
        {
            return null;
        }

        var terms = 0;
        var stack = new Stack<(QueryToken Token, bool Condition)>();
        stack.Push((root, true));
        while (stack.Count > 0)
        {
            var (token, condition) = stack.Pop();
            switch (token)
            {
                case BinaryOperatorToken { OperatorKind: BinaryOperatorKind.And or BinaryOperatorKind.Or } logical:
                    stack.Push((logical.Left, true));
                    stack.Push((logical.Right, true));
                    break;
                case UnaryOperatorToken { OperatorKind: UnaryOperatorKind.Not } not:
                    stack.Push((not.Operand, true));
                    break;
                case BinaryOperatorToken binary:
                    terms++;
                    stack.Push((binary.Left, false));
                    stack.Push((binary.Right, false));
                    break;
                case UnaryOperatorToken unary:
                    terms++;
                    stack.Push((unary.Operand, false));
                    break;
                case FunctionCallToken function:
                    terms++;
                    foreach (var argument in function.Arguments)
                    {
                        stack.Push((argument.ValueToken, false));
                    }

                    break;
                case InToken inToken:
                    terms++;
                    stack.Push((inToken.Left, false));
                    break;
                case not null when condition:
                    terms++;
                    break;
            }
        }

        return terms;
    }
}
