using System.Globalization;
using System.Text;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;

namespace OData.Virtualization.IntegrationTests.Oracle;

/// <summary>Which source the rows came from: the few places where the oracle's expectation depends on it.</summary>
internal enum OracleDialect
{
    PostgreSql,
    Sqlite,

    /// <summary>MySQL and MariaDB: compared exactly (by code point) as PostgreSQL; <c>tolower</c>/<c>toupper</c> fold every letter.</summary>
    MySql,
}

/// <summary>
/// An independent interpreter of the URI parser's expression tree over rows held in C#: OData's semantics written
/// down once more, without any SQL.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Values: integers are <see cref="long"/>, Edm.Decimal <see cref="decimal"/>, Edm.Double <see cref="double"/>,
/// Edm.Single <see cref="float"/>, dates <see cref="DateOnly"/>, times <see cref="TimeOnly"/>, timestamps (with or
/// without time zone) <see cref="DateTimeOffset"/> in UTC.</item>
/// <item>Null: <c>eq</c> is true for two nulls and false for one; <c>ne</c> is its negation; <c>gt ge lt le</c> with a
/// null operand are false; <c>and or not</c> treat null as false; arithmetic and functions propagate null.</item>
/// <item>Numbers: the parser's numeric promotions (convert nodes) are not applied; both operands are compared or
/// computed in the wider of their own types, Single &gt; Double &gt; Decimal &gt; integer. Single wins so that a
/// literal compared with an Edm.Single property is taken at the property's precision (as the server binds it): a
/// client that reads <c>0.35</c> from a Single property finds the row again with <c>eq 0.35</c>.</item>
/// <item>Integer <c>div</c> truncates toward zero; <c>mod</c> has the sign of the dividend.</item>
/// <item>Strings compare by code point (PostgreSQL's C.UTF-8 collation, SQLite's BINARY); lengths and positions count
/// code points. <c>tolower</c>/<c>toupper</c> fold every letter on PostgreSQL and only ASCII on SQLite (SQLite's
/// lower() and upper() without ICU). <c>trim</c> removes Unicode white space (the White_Space property).</item>
/// <item>A date compared with a timestamp is promoted to midnight UTC of that date.</item>
/// </list>
/// </remarks>
internal sealed partial class OracleEvaluator(OracleDialect dialect, DateTimeOffset now)
{
    public static bool IsTrue(object? value) => value is true;

    public object? Evaluate(SingleValueNode node, IReadOnlyDictionary<string, object?> row)
    {
        switch (node)
        {
            case ConstantNode constant:
                return Normalize(constant.Value);
            case ConvertNode convert:
                return Convert(Evaluate(convert.Source, row), convert.TypeReference);
            case SingleValuePropertyAccessNode property:
                return PropertyValue(property, row);
            case LambdaNode lambda:
                return Lambda(lambda, row);
            case CountNode count:
                return Count(count, row);
            case BinaryOperatorNode binary:
                return Binary(binary, row);
            case UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Not } not:
                return !IsTrue(Evaluate(not.Operand, row));
            case UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Negate } negate:
                return Evaluate(negate.Operand, row) switch
                {
                    null => null,
                    long l => -l,
                    decimal d => -d,
                    double d => -d,
                    float f => -f,
                    var other => throw new NotSupportedException($"Cannot negate {other.GetType().Name}."),
                };
            case InNode inNode:
                return In(inNode, row);
            case SingleValueFunctionCallNode function:
                return Function(function, row);
            default:
                throw new NotSupportedException($"The oracle does not evaluate {node.GetType().Name} ({node.Kind}).");
        }
    }

    /// <summary>
    /// Orders rows: each term ascending or descending with nulls first ascending (last descending), then the key in
    /// the direction of the last term (ascending when there is none).
    /// </summary>
    public List<IReadOnlyDictionary<string, object?>> Order(
        IEnumerable<IReadOnlyDictionary<string, object?>> rows,
        IReadOnlyList<(SingleValueNode Expression, bool Descending)> terms,
        IReadOnlyList<string> keyProperties)
    {
        var keyDescending = terms.Count > 0 && terms[^1].Descending;
        var descending = terms.Select(t => t.Descending).Concat(keyProperties.Select(_ => keyDescending)).ToArray();
        var keyed = rows.Select(row =>
        {
            var values = new object?[descending.Length];
            for (var i = 0; i < terms.Count; i++)
            {
                values[i] = Evaluate(terms[i].Expression, row);
            }

            for (var i = 0; i < keyProperties.Count; i++)
            {
                values[terms.Count + i] = row[keyProperties[i]];
            }

            return (Row: row, Values: values);
        }).ToArray();

        Array.Sort(keyed, (a, b) =>
        {
            for (var i = 0; i < descending.Length; i++)
            {
                var c = OrderCompare(a.Values[i], b.Values[i]);
                if (c != 0)
                {
                    return descending[i] ? -c : c;
                }
            }

            return 0;
        });
        return keyed.Select(k => k.Row).ToList();
    }

    private static int OrderCompare(object? a, object? b)
        => a is null ? (b is null ? 0 : -1) : b is null ? 1 : Compare(a, b);

    private object? Binary(BinaryOperatorNode node, IReadOnlyDictionary<string, object?> row)
    {
        switch (node.OperatorKind)
        {
            case BinaryOperatorKind.And:
                return IsTrue(Evaluate(node.Left, row)) && IsTrue(Evaluate(node.Right, row));
            case BinaryOperatorKind.Or:
                return IsTrue(Evaluate(node.Left, row)) || IsTrue(Evaluate(node.Right, row));
        }

        var left = Evaluate(node.Left, row);
        var right = Evaluate(node.Right, row);
        switch (node.OperatorKind)
        {
            case BinaryOperatorKind.Equal:
                return AreEqual(left, right);
            case BinaryOperatorKind.NotEqual:
                return !AreEqual(left, right);
            case BinaryOperatorKind.GreaterThan:
                return left is not null && right is not null && Compare(left, right) > 0;
            case BinaryOperatorKind.GreaterThanOrEqual:
                return left is not null && right is not null && Compare(left, right) >= 0;
            case BinaryOperatorKind.LessThan:
                return left is not null && right is not null && Compare(left, right) < 0;
            case BinaryOperatorKind.LessThanOrEqual:
                return left is not null && right is not null && Compare(left, right) <= 0;
            case BinaryOperatorKind.Add or BinaryOperatorKind.Subtract or BinaryOperatorKind.Multiply
                or BinaryOperatorKind.Divide or BinaryOperatorKind.Modulo:
                return left is null || right is null ? null : Arithmetic(node.OperatorKind, left, right);
            default:
                throw new NotSupportedException($"The oracle does not evaluate the operator {node.OperatorKind}.");
        }
    }

    private static bool AreEqual(object? left, object? right)
        => left is null || right is null ? left is null && right is null : Compare(left, right) == 0;

    private object In(InNode node, IReadOnlyDictionary<string, object?> row)
    {
        var left = Evaluate(node.Left, row);
        if (node.Right is not CollectionConstantNode list)
        {
            throw new NotSupportedException("The oracle evaluates 'in' with a literal list only.");
        }

        return list.Collection.Any(item => AreEqual(left, Evaluate(item, row)));
    }

    private static object Arithmetic(BinaryOperatorKind kind, object left, object right)
    {
        switch (NumericRank(left, right))
        {
            case 3:
            {
                var (a, b) = (ToSingle(left), ToSingle(right));
                return kind switch
                {
                    BinaryOperatorKind.Add => a + b,
                    BinaryOperatorKind.Subtract => a - b,
                    BinaryOperatorKind.Multiply => a * b,
                    BinaryOperatorKind.Divide => a / b,
                    _ => a % b,
                };
            }

            case 2:
            {
                var (a, b) = (ToDouble(left), ToDouble(right));
                return kind switch
                {
                    BinaryOperatorKind.Add => a + b,
                    BinaryOperatorKind.Subtract => a - b,
                    BinaryOperatorKind.Multiply => a * b,
                    BinaryOperatorKind.Divide => a / b,
                    _ => a % b,
                };
            }

            case 1:
            {
                var (a, b) = (ToDecimal(left), ToDecimal(right));
                return kind switch
                {
                    BinaryOperatorKind.Add => a + b,
                    BinaryOperatorKind.Subtract => a - b,
                    BinaryOperatorKind.Multiply => a * b,
                    BinaryOperatorKind.Divide => a / b,
                    _ => a % b,
                };
            }

            case 0:
            {
                var (a, b) = ((long)left, (long)right);
                return kind switch
                {
                    BinaryOperatorKind.Add => a + b,
                    BinaryOperatorKind.Subtract => a - b,
                    BinaryOperatorKind.Multiply => a * b,
                    BinaryOperatorKind.Divide => a / b, // truncates toward zero
                    _ => a % b, // sign of the dividend
                };
            }

            default:
                throw new NotSupportedException($"Arithmetic on {left.GetType().Name} and {right.GetType().Name}.");
        }
    }

    /// <summary>-1 when not both numeric; else 0 integer, 1 decimal, 2 double, 3 single.</summary>
    private static int NumericRank(object left, object right)
    {
        var a = Rank(left);
        var b = Rank(right);
        return a < 0 || b < 0 ? -1 : Math.Max(a, b);

        static int Rank(object value) => value switch
        {
            long => 0,
            decimal => 1,
            double => 2,
            float => 3,
            _ => -1,
        };
    }

    /// <summary>Total order of two non-null values of comparable types.</summary>
    public static int Compare(object left, object right)
    {
        switch (NumericRank(left, right))
        {
            case 3:
                return ToSingle(left).CompareTo(ToSingle(right));
            case 2:
                return ToDouble(left).CompareTo(ToDouble(right));
            case 1:
                return ToDecimal(left).CompareTo(ToDecimal(right));
            case 0:
                return ((long)left).CompareTo((long)right);
        }

        return (left, right) switch
        {
            (string a, string b) => CompareCodePoints(a, b),
            (bool a, bool b) => a.CompareTo(b),
            (DateOnly a, DateOnly b) => a.CompareTo(b),
            (TimeOnly a, TimeOnly b) => a.CompareTo(b),
            (DateTimeOffset a, DateTimeOffset b) => a.UtcDateTime.CompareTo(b.UtcDateTime),
            (DateOnly a, DateTimeOffset b) => ToInstant(a).CompareTo(b.UtcDateTime),
            (DateTimeOffset a, DateOnly b) => a.UtcDateTime.CompareTo(ToInstant(b)),
            // uuid order in PostgreSQL is byte order, the order of the canonical text (SQLite's storage); Guid.CompareTo
            // compares the same fields, unsigned, most significant first.
            (Guid a, Guid b) => a.CompareTo(b),
            (TimeSpan a, TimeSpan b) => a.CompareTo(b),
            (byte[] a, byte[] b) => a.AsSpan().SequenceCompareTo(b),
            _ => throw new NotSupportedException($"The oracle does not compare {left.GetType().Name} with {right.GetType().Name}."),
        };

        static DateTime ToInstant(DateOnly date) => date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
    }

    /// <summary>Code-point order: UTF-16 order, except that a surrogate (a code point above U+FFFF) sorts after every other character.</summary>
    private static int CompareCodePoints(string a, string b)
    {
        var i = a.AsSpan().CommonPrefixLength(b);
        if (i == a.Length || i == b.Length)
        {
            return a.Length.CompareTo(b.Length);
        }

        var (x, y) = (a[i], b[i]);
        return char.IsSurrogate(x) == char.IsSurrogate(y) ? x.CompareTo(y) : char.IsSurrogate(x) ? 1 : -1;
    }

    private object? Function(SingleValueFunctionCallNode node, IReadOnlyDictionary<string, object?> row)
    {
        var args = node.Parameters.Cast<SingleValueNode>().Select(p => Evaluate(p, row)).ToArray();
        if (node.Name == "now")
        {
            return now;
        }

        if (args.Any(a => a is null))
        {
            return null; // functions propagate null
        }

        switch (node.Name)
        {
            case "contains":
                return Text(args[0]).Contains(Text(args[1]), StringComparison.Ordinal);
            case "startswith":
                return Text(args[0]).StartsWith(Text(args[1]), StringComparison.Ordinal);
            case "endswith":
                return Text(args[0]).EndsWith(Text(args[1]), StringComparison.Ordinal);
            case "length":
                return (long)CodePointCount(Text(args[0]));
            case "indexof":
            {
                var text = Text(args[0]);
                var index = text.IndexOf(Text(args[1]), StringComparison.Ordinal);
                return index < 0 ? -1L : (long)CodePointCount(text[..index]);
            }

            case "substring":
            {
                var text = Text(args[0]);
                var count = CodePointCount(text);
                var start = (int)Math.Clamp(System.Convert.ToInt64(args[1], CultureInfo.InvariantCulture), 0, count);
                var length = args.Length > 2
                    ? (int)Math.Clamp(System.Convert.ToInt64(args[2], CultureInfo.InvariantCulture), 0, count - start)
                    : count - start;
                return count == text.Length
                    ? text.Substring(start, length)
                    : string.Concat(text.EnumerateRunes().Skip(start).Take(length).Select(r => r.ToString()));
            }

            case "tolower":
                return dialect == OracleDialect.Sqlite ? AsciiFold(Text(args[0]), upper: false) : Text(args[0]).ToLowerInvariant();
            case "toupper":
                return dialect == OracleDialect.Sqlite ? AsciiFold(Text(args[0]), upper: true) : Text(args[0]).ToUpperInvariant();
            case "trim":
                return Text(args[0]).Trim();
            case "concat":
                return Text(args[0]) + Text(args[1]);
            case "year" or "month" or "day" or "hour" or "minute" or "second":
                return DatePart(node.Name, args[0]!);
            case "date":
                return args[0] switch
                {
                    DateTimeOffset dto => DateOnly.FromDateTime(dto.UtcDateTime),
                    DateOnly d => d,
                    var other => throw new NotSupportedException($"date() of {other!.GetType().Name}."),
                };
            case "time":
                return args[0] switch
                {
                    DateTimeOffset dto => TimeOnly.FromDateTime(dto.UtcDateTime),
                    TimeOnly t => t,
                    var other => throw new NotSupportedException($"time() of {other!.GetType().Name}."),
                };
            default:
                throw new NotSupportedException($"The oracle does not evaluate the function '{node.Name}'.");
        }
    }

    private static long DatePart(string part, object value)
    {
        return value switch
        {
            DateTimeOffset dto => Part(dto.UtcDateTime),
            DateOnly d => Part(d.ToDateTime(TimeOnly.MinValue)),
            TimeOnly t => part switch
            {
                "hour" => t.Hour,
                "minute" => t.Minute,
                "second" => t.Second,
                _ => throw new NotSupportedException($"{part}() of a time of day."),
            },
            _ => throw new NotSupportedException($"{part}() of {value.GetType().Name}."),
        };

        long Part(DateTime instant) => part switch
        {
            "year" => instant.Year,
            "month" => instant.Month,
            "day" => instant.Day,
            "hour" => instant.Hour,
            "minute" => instant.Minute,
            _ => instant.Second,
        };
    }

    private static string AsciiFold(string text, bool upper)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(upper ? (c is >= 'a' and <= 'z' ? (char)(c - 32) : c) : (c is >= 'A' and <= 'Z' ? (char)(c + 32) : c));
        }

        return builder.ToString();
    }

    /// <summary>Characters as PostgreSQL and SQLite count them: code points, not UTF-16 units.</summary>
    private static int CodePointCount(string text)
    {
        var count = text.Length;
        foreach (var c in text)
        {
            if (char.IsLowSurrogate(c))
            {
                count--;
            }
        }

        return count;
    }

    private static string Text(object? value) => value as string ?? throw new NotSupportedException($"A string function got {value?.GetType().Name}.");

    /// <summary>The parser's literal values as the oracle's value types.</summary>
    public static object? Normalize(object? value) => value switch
    {
        null => null,
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        sbyte sb => (long)sb,
#pragma warning disable CS0618 // ODL 8 still yields its own Date and TimeOfDay for literals.
        Date date => new DateOnly(date.Year, date.Month, date.Day),
        TimeOfDay time => new TimeOnly(time.Ticks),
#pragma warning restore CS0618
        DateTimeOffset dto => dto.ToUniversalTime(),
        Microsoft.OData.ODataEnumValue e => e.Value,
        _ => value,
    };

    /// <summary>
    /// A convert node: numeric promotions are left to the operators (see the remarks); a date promoted to a
    /// timestamp becomes midnight UTC.
    /// </summary>
    private static object? Convert(object? value, IEdmTypeReference type)
    {
        if (value is null || type is not IEdmPrimitiveTypeReference primitive)
        {
            return value;
        }

        return (primitive.PrimitiveKind(), value) switch
        {
            (EdmPrimitiveTypeKind.DateTimeOffset, DateOnly d) => new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
            _ => value,
        };
    }

    private static float ToSingle(object value) => value switch
    {
        float f => f,
        double d => (float)d,
        decimal m => (float)m,
        long l => l,
        _ => throw new InvalidCastException(value.GetType().Name),
    };

    private static double ToDouble(object value) => value switch
    {
        double d => d,
        float f => f,
        decimal m => (double)m,
        long l => l,
        _ => throw new InvalidCastException(value.GetType().Name),
    };

    private static decimal ToDecimal(object value) => value switch
    {
        decimal m => m,
        long l => l,
        _ => throw new InvalidCastException(value.GetType().Name),
    };
}
