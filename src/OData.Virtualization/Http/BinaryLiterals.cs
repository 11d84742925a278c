using System.Text;

namespace OData.Virtualization.Http;

/// <summary>
/// Lets a client write an <c>Edm.Binary</c> literal (<c>binary'…'</c>, in a key or a query option) in either base64
/// alphabet, padded or not: base64url without padding is what the OData ABNF and our own responses use, standard
/// base64 with padding is what most clients and Microsoft.OData.Core's own writer produce. The URI parser of
/// Microsoft.OData.Core 8.x reads only padded text (<c>Convert.FromBase64String</c>), so before it parses, each binary
/// literal outside a string literal is rewritten to the standard alphabet, padded and percent-encoded. Text that is
/// not base64 in either alphabet is left alone, for the parser to refuse with its own message.
/// </summary>
internal static class BinaryLiterals
{
    private const string Prefix = "binary";

    /// <summary>The request target with every binary literal in the one form the URI parser reads.</summary>
    public static string Normalize(string relative)
    {
        if (relative.IndexOf(Prefix, StringComparison.OrdinalIgnoreCase) < 0)
        {
            return relative;
        }

        var text = new StringBuilder(relative.Length + 8);
        var inString = false;
        var inQuery = false;
        var i = 0;
        while (i < relative.Length)
        {
            var c = relative[i];
            if (c == '&' || (c == '?' && !inQuery))
            {
                // The path ends at the first '?', a query option at '&' (inside a literal they are percent-encoded):
                // an unbalanced quote stays in its own part.
                inQuery = true;
                inString = false;
                text.Append(c);
                i++;
                continue;
            }

            if (QuoteAt(relative, i) is var quote and > 0)
            {
                if (inString && QuoteAt(relative, i + quote) is var doubled and > 0)
                {
                    text.Append(relative, i, quote + doubled); // a quote inside a string, written twice
                    i += quote + doubled;
                    continue;
                }

                inString = !inString;
                text.Append(relative, i, quote);
                i += quote;
                continue;
            }

            if (!inString && StartsLiteral(relative, i, out var open) && Rewrite(relative, i + Prefix.Length + open, out var literal, out var end))
            {
                text.Append(Prefix).Append('\'').Append(literal).Append('\'');
                i = end;
                continue;
            }

            text.Append(c);
            i++;
        }

        return text.ToString();
    }

    /// <summary>Standard base64, padded, from either alphabet with or without padding; null when it is neither.</summary>
    public static string? ToStandardBase64(string encoded)
    {
        var trimmed = encoded.TrimEnd('=');
        if (encoded.Length - trimmed.Length > 2 || trimmed.Length % 4 == 1)
        {
            return null;
        }

        var standard = new StringBuilder(trimmed.Length + 3);
        foreach (var c in trimmed)
        {
            standard.Append(c switch
            {
                '-' => '+',
                '_' => '/',
                _ when char.IsAsciiLetterOrDigit(c) || c is '+' or '/' => c,
                _ => '\0',
            });
            if (standard[^1] == '\0')
            {
                return null;
            }
        }

        standard.Append('=', (4 - (trimmed.Length % 4)) % 4);
        var result = standard.ToString();
        return Convert.TryFromBase64String(result, new byte[result.Length], out _) ? result : null;
    }

    /// <summary>The length of a quote at <paramref name="i"/> (<c>'</c> or <c>%27</c>), or 0.</summary>
    private static int QuoteAt(string text, int i)
    {
        if (i >= text.Length)
        {
            return 0;
        }

        if (text[i] == '\'')
        {
            return 1;
        }

        return text[i] == '%' && i + 2 < text.Length && text[i + 1] == '2' && text[i + 2] == '7' ? 3 : 0;
    }

    /// <summary>Whether <c>binary'</c> starts at <paramref name="i"/> as a token of its own (not the end of a longer name).</summary>
    private static bool StartsLiteral(string text, int i, out int quote)
    {
        quote = 0;
        if (string.Compare(text, i, Prefix, 0, Prefix.Length, StringComparison.OrdinalIgnoreCase) != 0
            || (i > 0 && (char.IsAsciiLetterOrDigit(text[i - 1]) || text[i - 1] is '_' or '.') && !(i >= 3 && text[i - 3] == '%')))
        {
            return false;
        }

        quote = QuoteAt(text, i + Prefix.Length);
        return quote > 0;
    }

    /// <summary>The literal from <paramref name="start"/> to its closing quote, rewritten; <paramref name="end"/> is after that quote.</summary>
    private static bool Rewrite(string text, int start, out string literal, out int end)
    {
        literal = string.Empty;
        end = start;
        while (end < text.Length && QuoteAt(text, end) == 0 && text[end] is not ('&' or '?'))
        {
            end++;
        }

        if (QuoteAt(text, end) is not (var close and > 0))
        {
            return false;
        }

        string raw;
        try
        {
            raw = Uri.UnescapeDataString(text[start..end]);
        }
        catch (UriFormatException)
        {
            return false;
        }

        if (ToStandardBase64(raw) is not { } standard)
        {
            return false;
        }

        literal = Uri.EscapeDataString(standard);
        end += close;
        return true;
    }
}
