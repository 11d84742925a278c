using System.Runtime.CompilerServices;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Query;

internal sealed partial class FilterTranslator
{
    private static readonly ColumnType s_int32 = ColumnType.Of(ValueKind.Int32);
    private static readonly ColumnType s_string = ColumnType.Of(ValueKind.String);
    private static readonly ColumnType s_boolean = ColumnType.Of(ValueKind.Boolean);

    /// <summary>Compiles a value; <paramref name="peer"/> is the type of what a literal is compared with.</summary>
    private SqlValue Value(SingleValueNode node, ColumnType? peer)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        node = Unwrap(node);
        if (ComputedExpression(node) is { } computed)
        {
            return Value(computed, peer);
        }

        switch (node)
        {
            case SingleValuePropertyAccessNode or SingleValueOpenPropertyAccessNode when Properties is not null:
                return Properties(node);
            case SingleValuePropertyAccessNode property:
                return Property(property);
            case ConstantNode constant when IsExactDecimalText(constant, peer):
                // A number beyond decimal's 28 digits compared with a numeric column: bind the literal's text and
                // let PostgreSQL parse it, so no digit is lost to a double.
                var text = constant.LiteralText.TrimEnd('m', 'M');
                return new SqlValue(Dialect.DecimalFromText(_sql.AddParameter(text, s_string))!, peer, CanBeNull: false);
            case ConstantNode { Value: float or double } constant when FromLiteralText(constant, peer) is { } exact:
                // Compared with an aggregate alias (no declared type), the parser reads 12.3 as Edm.Single: take its text.
                return Constant(exact, peer);
            case ConstantNode constant:
                return Constant(constant.Value, peer ?? TypeOf(constant.TypeReference));
            case BinaryOperatorNode binary when binary.OperatorKind is BinaryOperatorKind.Add or BinaryOperatorKind.Subtract
                or BinaryOperatorKind.Multiply or BinaryOperatorKind.Divide or BinaryOperatorKind.Modulo:
                return Arithmetic(binary);
            case BinaryOperatorNode or UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Not } or InNode or LambdaNode:
                return new SqlValue(Predicate(node, strict: true), s_boolean, CanBeNull: false);
            case UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Negate } negate:
                var operand = Value(negate.Operand, peer);
                return operand with { Sql = "(-" + operand.Sql + ")" };
            case SingleValueFunctionCallNode function:
                return Function(function, peer);
            case CountNode count:
                return Count(count);
            case NonResourceRangeVariableReferenceNode element:
                return Element(element);
            case SingleNavigationNode or SingleComplexNode or SingleResourceFunctionCallNode:
                throw ODataProblem.NotImplemented($"Navigation paths inside {Clause}", Clause);
            case SingleValueOpenPropertyAccessNode open:
                throw ODataProblem.BadRequest($"Property '{open.Name}' does not exist.", Clause);
            default:
                throw ODataProblem.NotImplemented($"The expression '{node.Kind}'", Clause);
        }
    }

    private SqlValue Property(SingleValuePropertyAccessNode node)
    {
        if (node.Source is SingleNavigationNode)
        {
            return NavigationProperty(node);
        }

        if (node.Source is not ResourceRangeVariableReferenceNode range)
        {
            throw ODataProblem.NotImplemented($"Properties of related or complex values inside {Clause}", Clause);
        }

        var (set, alias) = Resolve(range);
        var column = set.GetColumn(node.Property);
        if (column.Mask is not null)
        {
            // Comparing or ordering by a masked value would reveal it a character at a time.
            throw ODataProblem.BadRequest($"'{column.PropertyName}' is masked for you: it cannot be used in $filter, $orderby or $search.", null, "MaskedProperty");
        }

        if (column.Type.IsCollection)
        {
            throw ODataProblem.NotImplemented($"Comparing the collection property '{column.PropertyName}'", Clause);
        }

        var sql = Dialect.CompareColumn(alias + "." + SqlDialect.Quote(column.ColumnName), column.Type);
        return new SqlValue(sql, column.Type, column.IsNullable);
    }

    private SqlValue Constant(object? value, ColumnType? type)
    {
        if (value is null)
        {
            return new SqlValue("NULL", type, CanBeNull: true, IsNullLiteral: true);
        }

        if (value is Microsoft.Spatial.ISpatial)
        {
            throw ODataProblem.BadRequest("Geography and geometry literals are not supported: no published property has a spatial type. Compare properties with literals of their own type.");
        }

        return new SqlValue(_sql.AddParameter(value, type), type, CanBeNull: false);
    }

    private bool IsExactDecimalText(ConstantNode constant, ColumnType? peer)
        => Dialect.DecimalFromText(string.Empty) is not null
           && peer is { Kind: ValueKind.Decimal }
           && constant.Value is double or decimal
           && constant.LiteralText is { Length: > 0 } literal
           && DecimalLiteral().IsMatch(literal)
           && (constant.Value is double || peer.ReadAsText);

    private static object? FromLiteralText(ConstantNode constant, ColumnType? peer)
    {
        var text = constant.LiteralText?.TrimEnd('f', 'F', 'd', 'D', 'm', 'M');
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        return peer?.Kind switch
        {
            ValueKind.Decimal when decimal.TryParse(text, System.Globalization.NumberStyles.Float, invariant, out var d) => d,
            ValueKind.Double when constant.Value is float && double.TryParse(text, System.Globalization.NumberStyles.Float, invariant, out var x) => x,
            _ => null,
        };
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^-?[0-9]+(\.[0-9]+)?[mM]?$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex DecimalLiteral();

    private SqlValue Arithmetic(BinaryOperatorNode node)
    {
        var leftNode = Unwrap(node.Left);
        var rightNode = Unwrap(node.Right);
        SqlValue left, right;
        if (leftNode is ConstantNode && rightNode is not ConstantNode)
        {
            right = Value(rightNode, null);
            left = Value(leftNode, NumericPeer(right.Type));
        }
        else
        {
            left = Value(leftNode, null);
            right = Value(rightNode, NumericPeer(left.Type));
        }

        if (left.IsNullLiteral || right.IsNullLiteral)
        {
            return new SqlValue("NULL", left.Type ?? right.Type, CanBeNull: true, IsNullLiteral: true);
        }

        if (!IsNumeric(left.Type) || !IsNumeric(right.Type))
        {
            throw ODataProblem.NotImplemented("Arithmetic on date, time and duration values", Clause);
        }

        // PostgreSQL rejects a division by zero but SQLite answers NULL (no row matches): reject a literal zero
        // divisor up front so that both dialects answer the same 400.
        if (node.OperatorKind is BinaryOperatorKind.Divide or BinaryOperatorKind.Modulo
            && rightNode is ConstantNode { Value: IConvertible divisor and not string }
            // As a double: 1e308, INF and NaN are divisors too, and a decimal cannot hold them.
            && Convert.ToDouble(divisor, System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            throw ODataProblem.BadRequest($"Division by zero: the right operand of '{(node.OperatorKind == BinaryOperatorKind.Divide ? "div" : "mod")}' is 0.", Clause);
        }

        var op = node.OperatorKind switch
        {
            BinaryOperatorKind.Add => "+",
            BinaryOperatorKind.Subtract => "-",
            BinaryOperatorKind.Multiply => "*",
            BinaryOperatorKind.Divide => "/",
            _ => "%",
        };
        var resultType = TypeOf(node.TypeReference) ?? left.Type;
        var sql = node.OperatorKind switch
        {
            BinaryOperatorKind.Divide => Dialect.Divide(left.Sql, right.Sql, resultType?.Kind),
            BinaryOperatorKind.Modulo => Dialect.Modulo(left.Sql, right.Sql, resultType?.Kind),
            _ => $"({left.Sql} {op} {right.Sql})",
        };

        // SQLite keeps decimals as binary floating point: 19.99 * 3 is 59.96999…. Round decimal sums, differences
        // and products to the scale exact arithmetic would have, so that they compare equal to stored values.
        if (Dialect.Provider == SourceProvider.Sqlite && resultType?.Kind == ValueKind.Decimal
            && node.OperatorKind is BinaryOperatorKind.Add or BinaryOperatorKind.Subtract or BinaryOperatorKind.Multiply
            && ScaleOf(left) is { } leftScale && ScaleOf(right) is { } rightScale)
        {
            var scale = node.OperatorKind == BinaryOperatorKind.Multiply ? leftScale + rightScale : Math.Max(leftScale, rightScale);
            sql = $"round({sql}, {Math.Min(scale, 15).ToString(System.Globalization.CultureInfo.InvariantCulture)})";
        }

        return new SqlValue(sql, resultType, left.CanBeNull || right.CanBeNull);
    }

    private static int? ScaleOf(SqlValue value) => value.Type?.Kind switch
    {
        ValueKind.Byte or ValueKind.Int16 or ValueKind.Int32 or ValueKind.Int64 => 0,
        ValueKind.Decimal => value.Type.Scale,
        _ => null,
    };

    private static ColumnType? NumericPeer(ColumnType? type) => IsNumeric(type) ? type! with { MaxLength = null } : null;

    private static bool IsNumeric(ColumnType? type) => type?.Kind is ValueKind.Byte or ValueKind.Int16 or ValueKind.Int32
        or ValueKind.Int64 or ValueKind.Decimal or ValueKind.Double or ValueKind.Single;

    private SqlValue Function(SingleValueFunctionCallNode node, ColumnType? peer)
    {
        var args = node.Parameters.Cast<SingleValueNode>().Select(Unwrap).ToList();
        switch (node.Name)
        {
            case "contains" or "startswith" or "endswith":
            {
                var text = TextArgument(args[0], node.Name);
                var kind = node.Name switch
                {
                    "contains" => StringMatch.Contains,
                    "startswith" => StringMatch.StartsWith,
                    _ => StringMatch.EndsWith,
                };
                if (args[1] is ConstantNode { Value: var literal })
                {
                    if (literal is null)
                    {
                        return new SqlValue("NULL", s_boolean, CanBeNull: true, IsNullLiteral: true);
                    }

                    return new SqlValue(Dialect.StringMatch(_sql, kind, text.Sql, (string)literal, null), s_boolean, text.CanBeNull);
                }

                var pattern = TextArgument(args[1], node.Name);
                return new SqlValue(Dialect.StringMatch(_sql, kind, text.Sql, null, pattern.Sql), s_boolean, text.CanBeNull || pattern.CanBeNull);
            }

            case "tolower" or "toupper":
            {
                var text = TextArgument(args[0], node.Name);
                return text with { Sql = $"{(node.Name == "tolower" ? "lower" : "upper")}({text.Sql})", Type = s_string };
            }

            case "length":
            {
                var text = TextArgument(args[0], node.Name);
                return new SqlValue(Dialect.Length(text.Sql), s_int32, text.CanBeNull);
            }

            case "trim":
            {
                var text = TextArgument(args[0], node.Name);
                return text with { Sql = Dialect.Trim(text.Sql), Type = s_string };
            }

            case "indexof":
            {
                var text = TextArgument(args[0], node.Name);
                var search = TextArgument(args[1], node.Name);
                return new SqlValue(Dialect.IndexOf(text.Sql, search.Sql), s_int32, text.CanBeNull || search.CanBeNull);
            }

            case "substring":
            {
                var text = TextArgument(args[0], node.Name);
                var start = Value(args[1], s_int32);
                var length = args.Count > 2 ? Value(args[2], s_int32) : (SqlValue?)null;
                return new SqlValue(
                    Dialect.Substring(text.Sql, start.Sql, length?.Sql),
                    s_string,
                    text.CanBeNull || start.CanBeNull || length?.CanBeNull == true);
            }

            case "concat":
            {
                var left = TextArgument(args[0], node.Name);
                var right = TextArgument(args[1], node.Name);
                return new SqlValue(Dialect.Concat(left.Sql, right.Sql), s_string, left.CanBeNull || right.CanBeNull);
            }

            case "year" or "month" or "day" or "hour" or "minute" or "second":
            {
                var value = Value(args[0], null);
                if (value.IsNullLiteral)
                {
                    return new SqlValue("NULL", s_int32, true, true);
                }

                RequireTemporal(value, node.Name);
                return new SqlValue(Dialect.DatePart(node.Name, value.Sql, value.Type!.Kind), s_int32, value.CanBeNull);
            }

            case "date" or "time":
            {
                var value = Value(args[0], null);
                if (value.IsNullLiteral)
                {
                    return value;
                }

                RequireTemporal(value, node.Name);
                return node.Name == "date"
                    ? new SqlValue(Dialect.DateOf(value.Sql, value.Type!.Kind), ColumnType.Of(ValueKind.Date), value.CanBeNull)
                    : new SqlValue(Dialect.TimeOf(value.Sql, value.Type!.Kind), ColumnType.Of(ValueKind.TimeOfDay), value.CanBeNull);
            }

            case "now":
                // Bound once per request, so one request sees one instant. Compared with a timestamp without time zone
                // it is bound in that column's form, as a literal is: SQLite compares the stored text, and PostgreSQL
                // compares timestamp with timestamp.
                _sql.BindsNow();
                return peer?.Kind == ValueKind.DateTime
                    ? new SqlValue(_sql.AddParameter(_now, peer), peer, CanBeNull: false)
                    : new SqlValue(Dialect.Now(_sql, _now), ColumnType.Of(ValueKind.DateTimeOffset), CanBeNull: false);

            default:
                throw new ODataProblem(
                    501,
                    "NotImplemented",
                    $"The function '{node.Name}' is not supported by this service. The functions it supports are {SupportedFunctions}.",
                    Clause);
        }
    }

    /// <summary>The functions <see cref="Function"/> translates, named in the answer to any other.</summary>
    private const string SupportedFunctions = "contains, startswith, endswith, tolower, toupper, length, trim, indexof, substring, concat, "
        + "year, month, day, hour, minute, second, date, time and now";

    private SqlValue TextArgument(SingleValueNode node, string function)
    {
        var value = Value(node, s_string);
        if (!value.IsNullLiteral && value.Type is { Kind: not ValueKind.String })
        {
            throw ODataProblem.BadRequest($"The function '{function}' needs a string argument.", Clause);
        }

        return value;
    }

    private void RequireTemporal(SqlValue value, string function)
    {
        if (value.Type?.Kind is not (ValueKind.Date or ValueKind.DateTime or ValueKind.DateTimeOffset or ValueKind.TimeOfDay))
        {
            throw ODataProblem.BadRequest($"The function '{function}' needs a date, time or timestamp argument.", Clause);
        }
    }

    private static ColumnType? TypeOf(IEdmTypeReference? type)
    {
        if (type is not IEdmPrimitiveTypeReference primitive)
        {
            return null;
        }

        return primitive.PrimitiveKind() switch
        {
            EdmPrimitiveTypeKind.Boolean => ColumnType.Of(ValueKind.Boolean),
            EdmPrimitiveTypeKind.Byte or EdmPrimitiveTypeKind.SByte => ColumnType.Of(ValueKind.Int16),
            EdmPrimitiveTypeKind.Int16 => ColumnType.Of(ValueKind.Int16),
            EdmPrimitiveTypeKind.Int32 => ColumnType.Of(ValueKind.Int32),
            EdmPrimitiveTypeKind.Int64 => ColumnType.Of(ValueKind.Int64),
            EdmPrimitiveTypeKind.Decimal => ColumnType.Of(ValueKind.Decimal),
            EdmPrimitiveTypeKind.Double => ColumnType.Of(ValueKind.Double),
            EdmPrimitiveTypeKind.Single => ColumnType.Of(ValueKind.Single),
            EdmPrimitiveTypeKind.String => ColumnType.Of(ValueKind.String),
            EdmPrimitiveTypeKind.Date => ColumnType.Of(ValueKind.Date),
            EdmPrimitiveTypeKind.TimeOfDay => ColumnType.Of(ValueKind.TimeOfDay),
            EdmPrimitiveTypeKind.DateTimeOffset => ColumnType.Of(ValueKind.DateTimeOffset),
            EdmPrimitiveTypeKind.Guid => ColumnType.Of(ValueKind.Guid),
            EdmPrimitiveTypeKind.Binary => ColumnType.Of(ValueKind.Binary),
            EdmPrimitiveTypeKind.Duration => ColumnType.Of(ValueKind.Duration),
            _ => null,
        };
    }
}
