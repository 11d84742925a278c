using System.Collections.Frozen;
using System.Reflection;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;
using OData.Virtualization.Model;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>One request of the systematic fuzz: the entity set, the query string, and what it exercises (for the report).</summary>
internal sealed record FunctionFuzzCase(string Set, string Query, string Family);

/// <summary>
/// The systematic fuzz's requests, without randomness: every built-in function the URI parser knows (read from
/// Microsoft.OData.Core itself, so a new version's functions are fuzzed too) and the ones OData 4.01 adds that it does
/// not (<c>case</c>, <c>hassubset</c>, <c>hassubsequence</c>), called with every literal type the parser accepts (and
/// some it refuses) in every argument position, and with a property of every column type the model publishes; the
/// same literals and properties compared, listed in <c>in</c>, ordered by, selected and searched for.
/// </summary>
internal static class FunctionFuzzCases
{
    /// <summary>Functions the URI parser binds outside its table of built-ins, and 4.01 functions it may not know.</summary>
    public static readonly string[] ExtraFunctions = ["cast", "isof", "case", "hassubset", "hassubsequence", "no_such_function"];

    /// <summary>A literal of every kind the parser accepts, at and beyond the limits of its type, and text it must reject.</summary>
    public static readonly string[] Literals =
    [
        // null, booleans
        "null", "true", "false",
        // integers of each size, and beyond Int64 and Decimal
        "0", "-0", "1", "-1", "255", "256", "-129", "32767", "32768", "2147483647", "2147483648", "-2147483649",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "79228162514264337593543950336",
        // decimals (M suffix), doubles (D, F), exponents, infinities
        "1.5", "1.5M", "-1.5m", "0.0000000000000000000000000001M", "79228162514264337593543950335M", "1.5d", "1.5f", "1e308",
        "1e309", "-1e308", "1E-400", "4.9E-324", "INF", "-INF", "NaN",
        // dates, instants, durations, times of day
        "2024-02-29", "0001-01-01", "9999-12-31", "2024-01-01T00:00:00Z", "2024-01-01T12:30:45.1234567+14:00",
        "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59.9999999Z", "9999-12-31T23:59:59-01:00",
        "duration'P1DT2H3M4.5S'", "duration'-PT1S'", "duration'P10675199DT2H48M5.4775807S'", "duration'P99999999D'", "12:34:56",
        "23:59:59.9999999", "00:00:00",
        // GUIDs, binary
        "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "binary'AQID'", "binary''",
        "binary'_-8'",
        // enum literals (none are published) and type names (for cast and isof)
        "Virtualization.Colour'Red'", "Edm.String", "Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Double", "Edm.Boolean",
        "Edm.Date", "Edm.DateTimeOffset", "Edm.Duration", "Edm.TimeOfDay", "Edm.Guid", "Edm.Binary", "Edm.GeographyPoint",
        "Edm.Stream", "Collection(Edm.String)",
        // geography and geometry of every shape the functions take
        "geography'POINT(1 2)'", "geography'SRID=4326;POINT(-122.1 47.6)'", "geography'SRID=4326;LINESTRING(0 0,1 1,2 1)'",
        "geography'SRID=4326;POLYGON((0 0,1 0,1 1,0 0))'", "geometry'POINT(1 2)'", "geometry'LINESTRING(0 0,3 4)'",
        "geometry'POLYGON((0 0,4 0,4 4,0 0))'", "geography'POINT(1 2'",
        // strings: empty, quotes, NUL and control characters, what looks like a percent-encoding, non-ASCII, LIKE wildcards
        "''", "'plain'", "'O''Neil'", "''''", "'\u0000'", "'a\u0000b'", "'\u0001\u001f\u007f'", "'%25'", "'%00'", "'%27'", "'50%'",
        "'a_b\\'", "'é\u0301日本😀'", "'\uFFFD'", "'2024-01-01'", "'12:00:00'", "'1'",
        // JSON and arrays where 4.01 allows them, aliases, paths that are not properties
        "[1,2]", "['a','b']", "[]", "{\"a\":1}", "[{\"a\":1}]", "@p", "$it", "$root", "$this",
    ];

    /// <summary>The functions the URI parser binds, with the argument types of each signature, read from the library.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyList<IEdmTypeReference?>>> BuiltInFunctions()
    {
        var type = typeof(ODataUriParser).Assembly.GetType("Microsoft.OData.UriParser.BuiltInUriFunctions", throwOnError: true)!;
        var field = type.GetField("builtInFunctions", BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new InvalidOperationException("Microsoft.OData.Core no longer keeps its built-in functions in BuiltInUriFunctions.builtInFunctions: update the fuzz.");
        var table = (FrozenDictionary<string, FunctionSignatureWithReturnType[]>)field.GetValue(null)!;
        return table.ToDictionary(
            f => f.Key,
            f => (IReadOnlyList<IReadOnlyList<IEdmTypeReference?>>)f.Value.Select(s => (IReadOnlyList<IEdmTypeReference?>)s.ArgumentTypes).ToList(),
            StringComparer.Ordinal);
    }

    /// <summary>
    /// The argument lists to try for one function: one argument too many, and for each number of arguments a
    /// signature takes, a well-typed filler in every position but one, which takes each probe in turn.
    /// </summary>
    public static IEnumerable<string> Calls(string name, IReadOnlyList<IReadOnlyList<IEdmTypeReference?>> signatures, IReadOnlyList<string> probes)
    {
        var shapes = signatures.Select(s => s.Select(Filler).ToArray()).ToList();
        if (name is "cast" or "isof")
        {
            shapes = [["'1'"], ["'1'", "Edm.String"]];
        }
        else if (name == "case")
        {
            shapes = [["true:1", "false:2"]];
        }
        else if (shapes.Count == 0)
        {
            shapes = [["'a'", "'b'"]];
        }

        var longest = shapes.MaxBy(s => s.Length)!;
        yield return name + "(" + string.Join(",", [.. longest, "1"]) + ")";
        foreach (var shape in shapes.DistinctBy(s => s.Length))
        {
            if (shape.Length == 0)
            {
                yield return name + "()";
                continue;
            }

            for (var position = 0; position < shape.Length; position++)
            {
                foreach (var probe in probes)
                {
                    var args = (string[])shape.Clone();
                    args[position] = name == "case" ? (position == 0 ? probe + ":1" : "true:" + probe) : probe;
                    yield return name + "(" + string.Join(",", args) + ")";
                }
            }
        }
    }

    /// <summary>A literal of the type a signature expects.</summary>
    private static string Filler(IEdmTypeReference? type) => type?.Definition.FullTypeName() switch
    {
        "Edm.String" => "'abc'",
        "Edm.Int32" => "1",
        "Edm.Date" => "2024-01-01",
        "Edm.DateTimeOffset" => "2024-01-01T10:00:00Z",
        "Edm.Duration" => "duration'PT1H'",
        "Edm.TimeOfDay" => "10:00:00",
        "Edm.Decimal" => "1.5M",
        "Edm.Double" => "1.5d",
        "Edm.GeographyPoint" => "geography'SRID=4326;POINT(1 2)'",
        "Edm.GeometryPoint" => "geometry'POINT(1 2)'",
        "Edm.GeographyPolygon" => "geography'SRID=4326;POLYGON((0 0,1 0,1 1,0 0))'",
        "Edm.GeometryPolygon" => "geometry'POLYGON((0 0,4 0,4 4,0 0))'",
        "Edm.GeographyLineString" => "geography'SRID=4326;LINESTRING(0 0,1 1)'",
        "Edm.GeometryLineString" => "geometry'LINESTRING(0 0,3 4)'",
        _ => "null",
    };

    /// <summary>The properties to probe with: one of every column type the model publishes, from the set with the fewest rows that has it.</summary>
    public static IReadOnlyList<(PublishedSet Set, PublishedColumn Column)> PropertyOfEveryType(PublishedModel model, IReadOnlyDictionary<string, long> rows)
        => model.Sets.Values.OrderBy(s => rows[s.Name] == 0 ? long.MaxValue : rows[s.Name]).ThenBy(s => s.Name, StringComparer.Ordinal)
            .SelectMany(s => s.Columns.Where(c => c.Mask is null).Select(c => (Set: s, Column: c)))
            .DistinctBy(p => (p.Column.Type.Kind, p.Column.Type.IsCollection, p.Column.Type.ReadAsText, p.Column.Type.CompareAs, p.Column.Type.IsFixedLength, p.Column.IsNullable))
            .ToList();

    /// <summary>Every request of the fuzz against <paramref name="model"/>; <paramref name="home"/> is the set literal-only expressions run on.</summary>
    public static List<FunctionFuzzCase> All(PublishedModel model, IReadOnlyDictionary<string, long> rows, string home)
    {
        var cases = new List<FunctionFuzzCase>();
        var functions = BuiltInFunctions().ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        foreach (var extra in ExtraFunctions)
        {
            functions.TryAdd(extra, []);
        }

        var properties = PropertyOfEveryType(model, rows);
        foreach (var (name, signatures) in functions.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            // Functions of literals, in $filter (as a condition and compared) and, in the first position, in $orderby.
            var i = 0;
            foreach (var call in Calls(name, signatures, Literals))
            {
                cases.Add(new FunctionFuzzCase(home, "$filter=" + Escape(i++ % 2 == 0 ? call : call + " eq null"), name));
            }

            // $orderby binds the same way: a quarter of the literals, a different quarter for each function.
            var quarter = functions.Keys.Order(StringComparer.Ordinal).ToList().IndexOf(name) % 4;
            foreach (var call in Calls(name, signatures, Literals.Where((_, n) => n % 4 == quarter).ToList()))
            {
                cases.Add(new FunctionFuzzCase(home, "$orderby=" + Escape(call), name));
            }

            // Functions of a property of every type.
            foreach (var (set, column) in properties)
            {
                // In $filter and $orderby by turns.
                foreach (var call in Calls(name, signatures, [column.PropertyName]))
                {
                    cases.Add(new FunctionFuzzCase(set.Name, (i++ % 2 == 0 ? "$filter=" + Escape(call + " ne null") : "$orderby=" + Escape(call + " desc")), name));

                    // And as a computed property, selected, filtered and ordered by its alias: every third call.
                    if (i % 3 == 0)
                    {
                        cases.Add(new FunctionFuzzCase(set.Name, "$select=v&$compute=" + Escape(call + " as v") + "&$filter=" + Escape("v ne null") + "&$orderby=v", "compute"));
                    }
                }
            }
        }

        for (var k = 0; k < properties.Count; k++)
        {
            var (set, column) = properties[k];
            var p = column.PropertyName;
            cases.Add(new FunctionFuzzCase(set.Name, "$select=" + Escape(p) + "&$orderby=" + Escape(p), "property"));
            cases.Add(new FunctionFuzzCase(set.Name, "$filter=" + Escape(p), "property"));
            cases.Add(new FunctionFuzzCase(set.Name, "$filter=" + Escape($"-{p} lt {p} add {p} mul 2 sub {p} div 3 mod 2"), "arithmetic"));
            // Every literal compared with every property; and in one of five other forms, a different one for each pair.
            for (var n = 0; n < Literals.Length; n++)
            {
                var literal = Literals[n];
                cases.Add(new FunctionFuzzCase(set.Name, "$filter=" + Escape($"{p} eq {literal}"), "eq"));
                var (form, family) = ((n + k) % 5) switch
                {
                    0 => ($"not ({literal} lt {p})", "lt"),
                    1 => ($"{p} in ({literal},{literal})", "in"),
                    2 => ($"{p} has {literal}", "has"),
                    3 => ($"{p} add {literal} gt {p} sub {literal}", "add"),
                    _ => ($"{p} div {literal} ge {literal} mod {p}", "div"),
                };
                cases.Add(new FunctionFuzzCase(set.Name, "$filter=" + Escape(form), family));
            }
        }

        foreach (var literal in Literals)
        {
            cases.Add(new FunctionFuzzCase(home, "$filter=" + Escape(literal), "literal"));
            cases.Add(new FunctionFuzzCase(home, "$orderby=" + Escape(literal), "literal"));
            cases.Add(new FunctionFuzzCase(home, "$select=" + Escape(literal), "literal"));
            cases.Add(new FunctionFuzzCase(home, "$search=" + Escape(literal), "search"));
            cases.Add(new FunctionFuzzCase(home, "$select=v&$compute=" + Escape(literal + " as v") + "&$orderby=v", "compute"));
            cases.Add(new FunctionFuzzCase(home, "$filter=" + Escape($"{literal} eq {literal}"), "literal"));
            cases.Add(new FunctionFuzzCase(home, "$filter=" + Escape($"{literal} in ({literal})"), "literal"));
            cases.Add(new FunctionFuzzCase(home, "$filter=" + Escape($"-{literal} ne null"), "literal"));
        }

        return cases;
    }

    private static string Escape(string text) => Uri.EscapeDataString(text);
}
