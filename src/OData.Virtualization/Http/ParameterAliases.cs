using System.Text;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Http;

/// <summary>
/// Parameter aliases (OData 4.01 Protocol §11.2.6.1.3, URL Conventions §5.1.1.13.1): <c>$filter=price gt @p&amp;@p=10</c>.
/// Before the URI parser reads the request, each alias used in an expression option (<c>$filter</c>, <c>$orderby</c>,
/// <c>$expand</c>, <c>$apply</c>, <c>$compute</c>) is replaced by its value in parentheses, outside string literals;
/// an alias that is given no value is <c>null</c>, as the specification says. The value is read by the parser as any
/// expression the client could have written in its place, so it goes through the same checks and into SQL only as a
/// parameter. An alias may use another; one that uses itself, directly or not, is a 400.
/// </summary>
internal static class ParameterAliases
{
    private const int MaxDepth = 8;

    private static readonly string[] Expressions = ["$filter", "$orderby", "$expand", "$apply", "$compute"];

    /// <summary><paramref name="relative"/> (percent-encoding intact) with its aliases inlined; the same string when it uses none.</summary>
    public static string Inline(string relative)
    {
        var question = relative.IndexOf('?', StringComparison.Ordinal);
        if (question < 0 || (relative.IndexOf('@', question) < 0 && relative.IndexOf("%40", question, StringComparison.Ordinal) < 0))
        {
            return relative;
        }

        var options = relative[(question + 1)..].Split('&');
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in options)
        {
            var (name, value) = Split(option);
            if (name.StartsWith('@'))
            {
                values[name[1..]] = value;
            }
        }

        var text = new StringBuilder(relative.Length + 16).Append(relative, 0, question + 1);
        var first = true;
        foreach (var option in options)
        {
            var (name, value) = Split(option);
            if (name.StartsWith('@'))
            {
                continue; // read above; the parser sees only the expressions that use it
            }

            if (!first)
            {
                text.Append('&');
            }

            first = false;
            if (Array.IndexOf(Expressions, name) >= 0 && value.Contains('@', StringComparison.Ordinal))
            {
                text.Append(option, 0, option.IndexOf('=', StringComparison.Ordinal) + 1).Append(Uri.EscapeDataString(Replace(value, values, 0)));
            }
            else
            {
                text.Append(option);
            }
        }

        return text.ToString();
    }

    private static (string Name, string Value) Split(string option)
    {
        var equals = option.IndexOf('=', StringComparison.Ordinal);
        return equals < 0
            ? (Uri.UnescapeDataString(option), string.Empty)
            : (Uri.UnescapeDataString(option[..equals]), Uri.UnescapeDataString(option[(equals + 1)..].Replace('+', ' ')));
    }

    /// <summary><paramref name="expression"/> with every alias outside a string literal replaced by its value.</summary>
    private static string Replace(string expression, Dictionary<string, string> values, int depth)
    {
        if (depth > MaxDepth)
        {
            throw ODataProblem.BadRequest($"A parameter alias refers to itself (through at most {MaxDepth} others). Give each alias a value that does not use it.", "$filter");
        }

        var text = new StringBuilder(expression.Length);
        var inString = false;
        for (var i = 0; i < expression.Length; i++)
        {
            var c = expression[i];
            if (c == '\'')
            {
                inString = !inString; // a doubled quote inside a string turns it off and on again
                text.Append(c);
                continue;
            }

            var start = i + 1;
            if (inString || c != '@' || start >= expression.Length || !IsNameStart(expression[start]) || (i > 0 && IsNamePart(expression[i - 1])))
            {
                text.Append(c);
                continue;
            }

            var end = start;
            while (end < expression.Length && IsNamePart(expression[end]))
            {
                end++;
            }

            var alias = expression[start..end];
            text.Append(values.TryGetValue(alias, out var value) ? Wrap(Replace(value, values, depth + 1)) : "null");
            i = end - 1;
        }

        return text.ToString();
    }

    /// <summary>An expression in parentheses, so that it binds as one operand; a JSON array or object as it is.</summary>
    private static string Wrap(string value) => value.TrimStart() is ['[' or '{', ..] ? value : "(" + value + ")";

    private static bool IsNameStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsNamePart(char c) => char.IsLetterOrDigit(c) || c == '_';
}
