using System.Runtime.CompilerServices;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Query;

/// <summary>
/// Translates a parsed <c>$filter</c> (or <c>$orderby</c> expression) into SQL with parameters.
/// </summary>
/// <remarks>
/// <para>
/// OData's null semantics are two-valued where SQL's are three-valued: <c>null eq null</c> is true,
/// <c>Name ne 'x'</c> is true where Name is null, <c>gt</c>/<c>lt</c> with a null operand are false, and a
/// logical operator treats a null operand as false (so <c>not (Price gt 5)</c> is true where Price is null).
/// </para>
/// <para>
/// In a WHERE clause SQL's NULL already behaves as false, except under NOT. So each predicate is compiled
/// either <em>lenient</em> (NULL allowed where OData says false: the plain, index-friendly <c>col = $1</c>) or
/// <em>strict</em> (never NULL, for use under NOT). Only the strict form adds <c>IS NOT NULL</c> guards.
/// </para>
/// </remarks>
internal sealed partial class FilterTranslator
{
    private readonly SqlBuilder _sql;
    private readonly PublishedSet _set;
    private readonly string _alias;
    private readonly DateTimeOffset _now;

    public FilterTranslator(SqlBuilder sql, PublishedSet set, string alias, DateTimeOffset now)
    {
        _sql = sql;
        _set = set;
        _alias = alias;
        _now = now;
    }

    private SqlDialect Dialect => _sql.Dialect;

    /// <summary>The query option being translated, named in errors (<c>$filter</c> or <c>$orderby</c>).</summary>
    public string Clause { get; init; } = "$filter";

    /// <summary>
    /// Resolves property references instead of the set's columns: over the aggregated rows of <c>$apply</c>, a name is
    /// a groupby property or an aggregate alias (<see cref="SqlCompiler.Apply"/>).
    /// </summary>
    public Func<SingleValueNode, SqlValue>? Properties { get; init; }

    /// <summary>Compiles a boolean expression for a WHERE clause.</summary>
    public string Predicate(SingleValueNode node) => Predicate(node, strict: false);

    /// <summary>Compiles a value expression (for ORDER BY).</summary>
    public string OrderExpression(SingleValueNode node, out bool nullable) => OrderExpression(node, out nullable, out _);

    /// <summary>Compiles a value expression (for ORDER BY), with its type (for keyset continuation parameters).</summary>
    public string OrderExpression(SingleValueNode node, out bool nullable, out ColumnType? type)
    {
        var value = Value(node, peer: null);
        nullable = value.CanBeNull;
        type = value.Type;
        // PostgreSQL refuses a bare NULL in ORDER BY (as it does any non-integer constant); a sub-select is a value.
        return value.IsNullLiteral ? "(SELECT NULL)" : Dialect.OrderTerm(value.Sql);
    }

    private string Predicate(SingleValueNode node, bool strict)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        node = Unwrap(node);
        if (ComputedExpression(node) is { } computed)
        {
            return Predicate(computed, strict);
        }

        switch (node)
        {
            case BinaryOperatorNode { OperatorKind: BinaryOperatorKind.And or BinaryOperatorKind.Or } logical:
                return Logical(logical, strict);
            case UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Not } not:
                return "(NOT " + Predicate(not.Operand, strict: true) + ")";
            case BinaryOperatorNode binary when IsComparison(binary.OperatorKind):
                return Comparison(binary.OperatorKind, binary.Left, binary.Right, strict);
            case InNode inNode:
                return In(inNode, strict);
            case ConstantNode { Value: bool b }:
                return b ? "(1 = 1)" : "(1 = 0)";
            case ConstantNode { Value: null }:
                return "(1 = 0)";
            case LambdaNode lambda:
                return Lambda(lambda);
            default:
                var value = Value(node, peer: null);
                if (!IsBoolean(node.TypeReference))
                {
                    throw ODataProblem.BadRequest($"The {Clause} expression must be a boolean expression.", Clause);
                }

                return strict && value.CanBeNull ? $"COALESCE({value.Sql}, {Dialect.False})" : BooleanTruth(value.Sql);
        }
    }

    private string BooleanTruth(string sql) => Dialect.Provider == SourceProvider.Sqlite && !sql.StartsWith('(') ? "(" + sql + " <> 0)" : sql;

    private string Logical(BinaryOperatorNode node, bool strict)
    {
        // Flatten chains of the same operator without recursion: 'a or b or c or …' is left-deep.
        var kind = node.OperatorKind;
        var operands = new List<SingleValueNode>();
        var stack = new Stack<SingleValueNode>();
        stack.Push(node);
        while (stack.Count > 0)
        {
            var current = Unwrap(stack.Pop());
            if (current is BinaryOperatorNode b && b.OperatorKind == kind)
            {
                stack.Push(b.Right);
                stack.Push(b.Left);
            }
            else
            {
                operands.Add(current);
            }
        }

        var separator = kind == BinaryOperatorKind.And ? " AND " : " OR ";
        return "(" + string.Join(separator, operands.Select(o => Predicate(o, strict))) + ")";
    }

    private static bool IsComparison(BinaryOperatorKind kind) => kind is BinaryOperatorKind.Equal or BinaryOperatorKind.NotEqual
        or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual
        or BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual;

    private string Comparison(BinaryOperatorKind kind, SingleValueNode leftNode, SingleValueNode rightNode, bool strict)
    {
        leftNode = Unwrap(leftNode);
        rightNode = Unwrap(rightNode);

        // Salesforce's search form: contains(Name,'x') eq true — a boolean expression compared with a literal.
        if (kind is BinaryOperatorKind.Equal or BinaryOperatorKind.NotEqual)
        {
            if (rightNode is ConstantNode { Value: bool rb } && leftNode is not ConstantNode && IsBoolean(leftNode.TypeReference))
            {
                return BooleanEquals(kind, leftNode, rb, strict);
            }

            if (leftNode is ConstantNode { Value: bool lb } && rightNode is not ConstantNode && IsBoolean(rightNode.TypeReference))
            {
                return BooleanEquals(kind, rightNode, lb, strict);
            }
        }

        // A timestamp literal compared with a date: OData promotes the date to midnight UTC. The literal is bound as a date
        // (so that an index on the column serves the comparison), which is exact only at midnight: adjust the bound.
        if (DateAgainstInstant(kind, leftNode, rightNode) is { } adjusted)
        {
            if (adjusted.Always is { } always)
            {
                return always ? "(1 = 1)" : "(1 = 0)";
            }

            (kind, leftNode, rightNode) = (adjusted.Kind, adjusted.Column, adjusted.Midnight);
        }

        // Compile the non-literal side first so a literal (or now()) is bound as the type of what it is compared with.
        SqlValue left, right;
        if (IsLiteral(leftNode) && !IsLiteral(rightNode))
        {
            right = Value(rightNode, peer: null);
            left = Value(leftNode, right.Type);
        }
        else
        {
            left = Value(leftNode, peer: null);
            right = Value(rightNode, left.Type);
        }

        CheckComputedComparison(leftNode, left, rightNode, right);

        var op = kind switch
        {
            BinaryOperatorKind.Equal => "=",
            BinaryOperatorKind.NotEqual => "<>",
            BinaryOperatorKind.GreaterThan => ">",
            BinaryOperatorKind.GreaterThanOrEqual => ">=",
            BinaryOperatorKind.LessThan => "<",
            _ => "<=",
        };

        if (left.IsNullLiteral || right.IsNullLiteral)
        {
            if (left.IsNullLiteral && right.IsNullLiteral)
            {
                return kind == BinaryOperatorKind.Equal ? "(1 = 1)" : "(1 = 0)";
            }

            var other = left.IsNullLiteral ? right : left;
            return kind switch
            {
                BinaryOperatorKind.Equal => $"({other.Sql} IS NULL)",
                BinaryOperatorKind.NotEqual => $"({other.Sql} IS NOT NULL)",
                // gt/ge/lt/le with a null operand are false.
                _ => "(1 = 0)",
            };
        }

        var plain = Dialect.Comparison(left.Sql, op, right.Sql);
        if (!left.CanBeNull && !right.CanBeNull)
        {
            return plain;
        }

        switch (kind)
        {
            case BinaryOperatorKind.Equal:
                if (left.CanBeNull && right.CanBeNull)
                {
                    return NullSafeEquals(left.Sql, right.Sql, equal: true);
                }

                return strict ? $"({plain} AND {NotNull(left, right)})" : plain;
            case BinaryOperatorKind.NotEqual:
                if (left.CanBeNull && right.CanBeNull)
                {
                    return NullSafeEquals(left.Sql, right.Sql, equal: false);
                }

                var nullable = left.CanBeNull ? left : right;
                return $"({plain} OR {nullable.Sql} IS NULL)";
            default:
                return strict ? $"({plain} AND {NotNull(left, right)})" : plain;
        }
    }

    /// <summary>
    /// <c>date op instant</c> (either side) where the instant is not midnight UTC, as <c>date op' midnight-of-instant</c>:
    /// <c>ge</c> becomes <c>gt</c>, <c>lt</c> becomes <c>le</c>, <c>eq</c> is never true and <c>ne</c> always.
    /// </summary>
    private static (BinaryOperatorKind Kind, SingleValueNode Column, SingleValueNode Midnight, bool? Always)? DateAgainstInstant(
        BinaryOperatorKind kind, SingleValueNode left, SingleValueNode right)
    {
        var flipped = left is ConstantNode;
        var (column, literal) = flipped ? (right, left as ConstantNode) : (left, right as ConstantNode);
        if (literal?.Value is not DateTimeOffset instant || column is ConstantNode
            || column.TypeReference?.PrimitiveKind() != EdmPrimitiveTypeKind.Date || instant.UtcDateTime.TimeOfDay == TimeSpan.Zero)
        {
            return null;
        }

        if (flipped)
        {
            kind = kind switch
            {
                BinaryOperatorKind.GreaterThan => BinaryOperatorKind.LessThan,
                BinaryOperatorKind.GreaterThanOrEqual => BinaryOperatorKind.LessThanOrEqual,
                BinaryOperatorKind.LessThan => BinaryOperatorKind.GreaterThan,
                BinaryOperatorKind.LessThanOrEqual => BinaryOperatorKind.GreaterThanOrEqual,
                _ => kind,
            };
        }

        var midnight = new ConstantNode(new DateTimeOffset(instant.UtcDateTime.Date, TimeSpan.Zero));
        return kind switch
        {
            BinaryOperatorKind.Equal => (kind, column, midnight, false),
            BinaryOperatorKind.NotEqual => (kind, column, midnight, true),
            BinaryOperatorKind.GreaterThanOrEqual => (BinaryOperatorKind.GreaterThan, column, midnight, null),
            BinaryOperatorKind.LessThan => (BinaryOperatorKind.LessThanOrEqual, column, midnight, null),
            _ => (kind, column, midnight, null),
        };
    }

    private static bool IsLiteral(SingleValueNode node) => node is ConstantNode or SingleValueFunctionCallNode { Name: "now" };

    private string NullSafeEquals(string left, string right, bool equal) => Dialect.NullSafeEquals(left, right, equal);

    private static string NotNull(SqlValue left, SqlValue right)
    {
        var parts = new List<string>(2);
        if (left.CanBeNull)
        {
            parts.Add($"{left.Sql} IS NOT NULL");
        }

        if (right.CanBeNull)
        {
            parts.Add($"{right.Sql} IS NOT NULL");
        }

        return string.Join(" AND ", parts);
    }

    /// <summary>
    /// <c>expr eq/ne true/false</c>. <c>ne</c> is the complement of the two-valued <c>eq</c>: a null expression
    /// is <c>ne</c> both, as <c>null ne 'x'</c> is true.
    /// </summary>
    private string BooleanEquals(BinaryOperatorKind kind, SingleValueNode node, bool value, bool strict)
        => kind == BinaryOperatorKind.Equal ? BooleanCompare(node, value, strict) : "(NOT " + BooleanCompare(node, value, strict: true) + ")";

    /// <summary><c>expr eq true</c> (wantTrue) or <c>expr eq false</c>; a null expression equals neither.</summary>
    private string BooleanCompare(SingleValueNode node, bool wantTrue, bool strict)
    {
        if (wantTrue)
        {
            return Predicate(node, strict);
        }

        var value = BooleanValue(node);
        return value.CanBeNull ? $"(NOT COALESCE({value.Sql}, {Dialect.True}))" : $"(NOT {value.Sql})";
    }

    private SqlValue BooleanValue(SingleValueNode node)
    {
        node = Unwrap(node);
        if (node is BinaryOperatorNode { OperatorKind: var kind } && (IsComparison(kind) || kind is BinaryOperatorKind.And or BinaryOperatorKind.Or)
            || node is UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Not } || node is InNode)
        {
            return new SqlValue(Predicate(node, strict: true), ColumnType.Of(ValueKind.Boolean), CanBeNull: false);
        }

        var value = Value(node, peer: null);
        return value with { Sql = BooleanTruth(value.Sql) };
    }

    private string In(InNode node, bool strict)
    {
        var left = Value(Unwrap(node.Left), peer: null);
        if (node.Right is not CollectionConstantNode list)
        {
            throw ODataProblem.NotImplemented("'in' with anything but a literal list", Clause);
        }

        var values = list.Collection.Select(c => Literals.Normalize(c.Value)).ToList();
        var hasNull = values.Any(v => v is null);
        var nonNull = values.Where(v => v is not null).ToList();
        string? membership = null;
        if (nonNull.Count > 0)
        {
            if (Dialect.Provider == SourceProvider.PostgreSql)
            {
                // One array parameter, however long the list: one plan, and index-friendly (= ANY).
                var converted = nonNull.Select(v => Dialect.ToProviderValue(v, left.Type)).ToList();
                var array = TypedArray(converted);
                membership = $"({left.Sql} = ANY({_sql.AddParameter(array, null)}))";
            }
            else
            {
                membership = Dialect.Comparison(left.Sql, "IN", $"({string.Join(", ", nonNull.Select(v => _sql.AddParameter(v, left.Type)))})");
            }

            if (strict && left.CanBeNull && !hasNull)
            {
                membership = $"({membership} AND {left.Sql} IS NOT NULL)";
            }
        }

        if (hasNull)
        {
            var isNull = $"({left.Sql} IS NULL)";
            return membership is null ? isNull : $"({membership} OR {isNull})";
        }

        return membership ?? "(1 = 0)";
    }

    internal static SingleValueNode Unwrap(SingleValueNode node)
    {
        while (node is ConvertNode convert)
        {
            node = convert.Source;
        }

        return node;
    }

    private static bool IsBoolean(IEdmTypeReference? type) => type?.IsBoolean() == true;
}

/// <summary>A compiled value expression.</summary>
internal readonly record struct SqlValue(string Sql, ColumnType? Type, bool CanBeNull, bool IsNullLiteral = false);
