using System.Globalization;
using System.Text;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Http;

/// <summary>
/// Refuses a request target whose path or system query option is not valid percent-encoding: a <c>%</c> not followed
/// by two hexadecimal digits, or escapes that do not decode to UTF-8 text. Decoders repair both silently (<c>%ZZ</c>
/// stays as typed, <c>%FF%FE</c> becomes U+FFFD), and the query then runs with a value the client never wrote: a filter
/// on <c>name eq '%FF%FE'</c> answered 200 with no rows. Custom query options (without <c>$</c>) are ignored by this
/// service, and so is their encoding.
/// </summary>
internal static class PercentEncoding
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Check(string relative)
    {
        if (!relative.Contains('%', StringComparison.Ordinal))
        {
            return;
        }

        var question = relative.IndexOf('?', StringComparison.Ordinal);
        CheckPart(question < 0 ? relative : relative[..question], option: null);
        if (question < 0)
        {
            return;
        }

        foreach (var pair in relative[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var rawName = equals < 0 ? pair : pair[..equals];
            if (!(rawName.StartsWith('$') || rawName.StartsWith("%24", StringComparison.Ordinal)))
            {
                continue;
            }

            var name = Uri.UnescapeDataString(rawName);
            CheckPart(rawName, name);
            CheckPart(equals < 0 ? string.Empty : pair[(equals + 1)..], name);
        }
    }

    private static void CheckPart(string text, string? option)
    {
        var where = option is null ? "The request path" : $"The query option {option}";
        var run = new List<byte>();
        var runStart = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] == '%')
            {
                if (i + 2 >= text.Length || !IsHex(text[i + 1]) || !IsHex(text[i + 2]))
                {
                    var found = text.Substring(i, Math.Min(3, text.Length - i));
                    throw ODataProblem.BadRequest(
                        $"{where} is not valid percent-encoding: '{found}' at position {(i + 1).ToString(CultureInfo.InvariantCulture)}. A '%' must be followed by two hexadecimal digits; write a literal '%' as %25.",
                        option);
                }

                runStart = runStart < 0 ? i : runStart;
                run.Add(byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
                continue;
            }

            if (run.Count > 0)
            {
                CheckUtf8(run, text[runStart..i], where, option);
                run.Clear();
                runStart = -1;
            }
        }
    }

    private static void CheckUtf8(List<byte> bytes, string escaped, string where, string? option)
    {
        if (bytes.TrueForAll(b => b < 0x80))
        {
            return;
        }

        try
        {
            s_strictUtf8.GetCharCount(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            throw ODataProblem.BadRequest(
                $"{where} has percent-encoding that is not UTF-8 text: '{escaped}'. Percent-encode text as its UTF-8 bytes (é is %C3%A9).",
                option);
        }
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);
}
