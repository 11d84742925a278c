using System.Globalization;
using System.Text;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>The shape of a property, as far as the fuzzer cares.</summary>
internal enum FuzzKind
{
    Integer,
    Decimal,
    Floating,
    Text,
    Boolean,
    Date,
    Instant,
    Guid,
}

/// <summary>
/// Generates random <c>$filter</c> expressions: typed trees over an entity's properties with comparison, logical and
/// arithmetic operators, string and date functions, <c>in</c> lists and <c>null</c>, and hostile literals (quotes,
/// LIKE wildcards, backslashes, non-ASCII and astral characters, control characters, numbers at and beyond the
/// limits of their types, empty strings). A few percent are deliberately broken. Deterministic for a seed.
/// </summary>
/// <remarks>
/// A property's name may be a navigation path (<c>supplier/rating</c>); with <paramref name="lambdas"/>, some terms are
/// <c>any</c>/<c>all</c> over a collection navigation property (their bodies over the related set's properties), <c>any()</c>
/// and <c>Nav/$count</c> comparisons.
/// </remarks>
internal sealed class FilterFuzzer(int seed, IReadOnlyList<(string Name, FuzzKind Kind)> properties, IReadOnlyList<(string Navigation, IReadOnlyList<(string Name, FuzzKind Kind)> Properties)>? lambdas = null)
{
    private const int MaxDepth = 4;

    private static readonly string[] s_hostileText =
    [
        string.Empty, " ", "  ", "'", "''", "O'Neil", "O'Neil's", "%", "_", "%%", "_%", "%_%", "50%", "a_b", "\\", "\\\\", "\\%", "\\_", "back\\slash %2F",
        "%25", "%2F", "%27", "\"", "\"quoted\"", "[a-z]", "[", "*", "?", "^", "$1", "$", ":name", "@claims.country", "@p0", "NULL", "null", "' or 1=1 --",
        "'; DROP TABLE core.transactions; --", "') or true or ('", "\t", "\n", "\r\n", "a\nb", "\u00A0", "\u3000", "\u200B", "\u0000", "\u0001", "\u007F",
        "Zoë", "zoë", "ZOË", "Café", "Łódź", "łódź", "Müller", "MÜLLER", "ß", "SS", "İ", "ı", "ǅ", "ﬀ", "é", "e\u0301", "日本", "☕", "😀", "𝔘𝔫𝔦",
        "CH", "DE", "CHF", "EUR", "US", "REF-", "SEPA", "salary", "rent", "a", "A", "e", "GmbH", "S.à r.l.", "&", "<b>", "+", "=", "#", "/", "..", "'\\'",
        "SUP-0001", "O'Brien 50%", "Größe/Ü#1", "a?b c", "A&B+C=D", "日本-カタログ ☕", new string('x', 300), new string('%', 40),
    ];

    private static readonly string[] s_integers =
    [
        "0", "1", "-1", "2", "3", "7", "10", "42", "100", "999", "1000", "1500", "2000", "10000000", "2147483647", "-2147483648", "2147483648", "-2147483649",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809", "99999999999999999999999999999",
        "79228162514264337593543950335", "79228162514264337593543950336",
    ];

    private static readonly string[] s_decimals =
    [
        "0.0", "0.01", "-0.01", "0.5", "1.5", "-1.5", "99.99", "123.45", "-500.00", "1000.0", "4000.01", "12345.678", "0.0000000000000000000000000001",
        "1234567890123456789.123456789", "7922816251426433759354395033.5", "1.0E1", "1E+10", "-1E-10", "1.7976931348623157E+308", "-1.7976931348623157E+308",
        "3.4028235E+38", "4.9E-324", "INF", "-INF", "1m", "2.5d", "3.5f",
    ];

    private static readonly string[] s_dates = ["2025-11-30", "2025-10-31", "2023-01-01", "2024-02-29", "2025-10-26", "2010-06-15", "0001-01-01", "9999-12-31"];

    private static readonly string[] s_instants =
    [
        "2023-01-01T00:00:00Z", "2023-01-01T12:00:00Z", "2023-01-02T00:00:00.0000001Z", "2024-03-31T01:30:00+02:00", "2025-10-26T02:30:00.1234567Z",
        "2025-10-26T02:30:00+01:00", "2008-01-01T00:00:00-05:00", "2015-06-30T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
    ];

    private static readonly string[] s_comparisons = ["eq", "ne", "gt", "ge", "lt", "le"];

    private readonly Random _random = new(seed);

    public string Next()
    {
        var expression = Bool(0);
        return _random.Next(100) < 4 ? Corrupt(expression) : expression;
    }

    private string Bool(int depth)
    {
        if (lambdas is { Count: > 0 } && depth < MaxDepth && _random.Next(100) < 8)
        {
            return Lambda(depth);
        }

        var roll = _random.Next(depth >= MaxDepth ? 60 : 100);
        return roll switch
        {
            < 28 => Compare(depth),
            < 38 => TextPredicate(depth),
            < 44 => NullCheck(),
            < 50 => BoolProperty(),
            < 56 => In(depth),
            < 60 => _random.Next(2) == 0 ? "true" : "false",
            < 70 => "not (" + Bool(depth + 1) + ")",
            < 85 => "(" + Bool(depth + 1) + ") and (" + Bool(depth + 1) + ")",
            _ => "(" + Bool(depth + 1) + ") or (" + Bool(depth + 1) + ")",
        };
    }

    private string Lambda(int depth)
    {
        var (navigation, related) = lambdas![_random.Next(lambdas.Count)];
        var body = new FilterFuzzer(_random.Next(), related.Select(p => ("x/" + p.Name, p.Kind)).ToList());
        return _random.Next(8) switch
        {
            0 => navigation + "/any()",
            1 => $"{navigation}/$count {Pick(s_comparisons)} {_random.Next(4).ToString(CultureInfo.InvariantCulture)}",
            < 5 => $"{navigation}/any(x: {body.Bool(depth + 1)})",
            _ => $"{navigation}/all(x: {body.Bool(depth + 1)})",
        };
    }

    private string Compare(int depth)
    {
        var kind = PickKind();
        var op = Pick(s_comparisons);
        if (_random.Next(100) < 3)
        {
            // A mismatched comparison: the parser rejects it.
            return Value(kind, depth + 1) + " " + op + " " + Value(PickKind(), depth + 1);
        }

        var left = Value(kind, depth + 1);
        var right = _random.Next(100) < 12 ? "null" : Value(kind, depth + 1);
        return _random.Next(2) == 0 ? $"{left} {op} {right}" : $"{right} {op} {left}";
    }

    private string TextPredicate(int depth)
    {
        var function = Pick(["contains", "startswith", "endswith"]);
        return $"{function}({Value(FuzzKind.Text, depth + 1)},{Value(FuzzKind.Text, depth + 1)})";
    }

    private string NullCheck()
    {
        var property = properties[_random.Next(properties.Count)].Name;
        return property + (_random.Next(2) == 0 ? " eq null" : " ne null");
    }

    private string BoolProperty()
    {
        var booleans = properties.Where(p => p.Kind == FuzzKind.Boolean).ToList();
        if (booleans.Count == 0)
        {
            return NullCheck();
        }

        var name = booleans[_random.Next(booleans.Count)].Name;
        return _random.Next(3) switch
        {
            0 => name,
            1 => name + " eq " + (_random.Next(2) == 0 ? "true" : "false"),
            _ => "not " + name,
        };
    }

    private string In(int depth)
    {
        var kind = PickKind();
        var items = new List<string>();
        var count = 1 + _random.Next(5);
        for (var i = 0; i < count; i++)
        {
            items.Add(_random.Next(100) < 8 ? "null" : Literal(kind));
        }

        return $"{Value(kind, depth + 1)} in ({string.Join(",", items)})";
    }

    private string Value(FuzzKind kind, int depth)
    {
        var leaf = depth >= MaxDepth;
        var roll = _random.Next(leaf ? 75 : 100);
        if (roll < 45 && Property(kind) is { } property)
        {
            return property;
        }

        if (roll < 75)
        {
            return Literal(kind);
        }

        return kind switch
        {
            FuzzKind.Integer => IntegerFunction(depth),
            FuzzKind.Decimal or FuzzKind.Floating => NumberExpression(kind, depth),
            FuzzKind.Text => TextFunction(depth),
            FuzzKind.Date => Property(FuzzKind.Instant) is { } instant ? $"date({instant})" : Literal(kind),
            FuzzKind.Boolean => "(" + Bool(depth + 1) + ")",
            _ => Literal(kind),
        };
    }

    private string IntegerFunction(int depth)
    {
        switch (_random.Next(8))
        {
            case 0:
                return $"length({Value(FuzzKind.Text, depth + 1)})";
            case 1:
                return $"indexof({Value(FuzzKind.Text, depth + 1)},{Value(FuzzKind.Text, depth + 1)})";
            case 2:
                var dated = Property(FuzzKind.Instant) ?? Property(FuzzKind.Date);
                return dated is null ? Literal(FuzzKind.Integer) : $"{Pick(["year", "month", "day"])}({dated})";
            case 3:
                var instant = Property(FuzzKind.Instant);
                return instant is null ? Literal(FuzzKind.Integer) : $"{Pick(["hour", "minute", "second"])}({instant})";
            default:
                return NumberExpression(FuzzKind.Integer, depth);
        }
    }

    private string NumberExpression(FuzzKind kind, int depth)
    {
        var left = Value(kind, depth + 1);
        switch (_random.Next(10))
        {
            case 0:
                return "-" + (Property(kind) ?? Literal(kind));
            case 1:
            case 2:
                // Division and modulo by a small literal (now and then zero: the server must answer 400).
                var divisor = _random.Next(50) == 0 ? "0" : Pick(["2", "3", "7", "10", "-4", "0.5"]);
                return $"({left} {Pick(["div", "mod"])} {divisor})";
            case 3:
                return $"({left} mul {Pick(["2", "-1", "0", "10", "1.5", "1000000"])})";
            default:
                return $"({left} {Pick(["add", "sub"])} {Value(PickNumericKind(), depth + 1)})";
        }
    }

    private string TextFunction(int depth)
    {
        var text = Value(FuzzKind.Text, depth + 1);
        return _random.Next(6) switch
        {
            0 => $"tolower({text})",
            1 => $"toupper({text})",
            2 => $"trim({text})",
            3 => $"concat({text},{Value(FuzzKind.Text, depth + 1)})",
            4 => $"substring({text},{_random.Next(6)})",
            _ => $"substring({text},{_random.Next(6)},{_random.Next(6)})",
        };
    }

    private string Literal(FuzzKind kind) => kind switch
    {
        FuzzKind.Integer => _random.Next(3) == 0 ? _random.Next(-50, 3000).ToString(CultureInfo.InvariantCulture) : Pick(s_integers),
        FuzzKind.Decimal => _random.Next(3) == 0 ? (_random.Next(-100000, 100000) / 100m).ToString(CultureInfo.InvariantCulture) : Pick(s_decimals),
        FuzzKind.Floating => _random.Next(3) == 0 ? (_random.Next(0, 5000) / 1000.0).ToString("R", CultureInfo.InvariantCulture) : Pick(s_decimals),
        FuzzKind.Text => "'" + Pick(s_hostileText).Replace("'", "''", StringComparison.Ordinal) + "'",
        FuzzKind.Boolean => _random.Next(2) == 0 ? "true" : "false",
        FuzzKind.Date => Pick(s_dates),
        FuzzKind.Instant => Pick(s_instants),
        FuzzKind.Guid => Pick(["00000000-0000-4000-8000-000000000001", "ffffffff-ffff-ffff-ffff-ffffffffffff", "00000000-0000-0000-0000-000000000000"]),
        _ => "null",
    };

    private string? Property(FuzzKind kind)
    {
        var candidates = properties.Where(p => p.Kind == kind).ToList();
        return candidates.Count == 0 ? null : candidates[_random.Next(candidates.Count)].Name;
    }

    private FuzzKind PickKind()
    {
        // Mostly the kinds the entity has, now and then any kind (functions and literals make it comparable).
        if (_random.Next(10) < 8)
        {
            return properties[_random.Next(properties.Count)].Kind;
        }

        return Pick([FuzzKind.Integer, FuzzKind.Decimal, FuzzKind.Text, FuzzKind.Date, FuzzKind.Instant]);
    }

    private FuzzKind PickNumericKind() => Pick([FuzzKind.Integer, FuzzKind.Integer, FuzzKind.Decimal, FuzzKind.Floating]);

    private string Corrupt(string expression)
    {
        var builder = new StringBuilder(expression);
        switch (_random.Next(6))
        {
            case 0:
                builder.Length = Math.Max(1, builder.Length - 1 - _random.Next(3));
                break;
            case 1:
                builder.Append(')');
                break;
            case 2:
                builder.Insert(_random.Next(builder.Length), '\'');
                break;
            case 3:
                builder.Append(" and no_such_property eq 1");
                break;
            case 4:
                builder.Replace(" eq ", " eqq ");
                builder.Append(" eqq 1");
                break;
            default:
                builder.Insert(0, "contains(");
                break;
        }

        return builder.ToString();
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
}
