using System.Text;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Http;

/// <summary>
/// The names of OData's system query options, and their one spelling here. OData 4.01 (URL Conventions §5.1, Protocol
/// §11.2.6): "4.01 Services MUST support case-insensitive system query option names specified with or without the $
/// prefix." So <c>filter</c>, <c>Filter</c>, <c>$FILTER</c> and <c>%24filter</c> are all <c>$filter</c>; a name that is
/// not a system option's (<c>sap-client</c>, <c>_</c>) stays a custom option, allowed and ignored (decision 61).
/// </summary>
internal static class QueryOptionNames
{
    /// <summary>The system query options this service implements, in their one spelling.</summary>
    public static readonly string[] Supported = ["$filter", "$select", "$expand", "$orderby", "$top", "$skip", "$count", "$search", "$format", "$skiptoken", "$apply", "$compute"];

    /// <summary>The system query options OData defines that this service does not implement (501).</summary>
    public static readonly string[] Unsupported = ["$deltatoken", "$levels", "$index", "$schemaversion", "$id"];

    /// <summary>
    /// <paramref name="relative"/> (a target under the service root, percent-encoding intact) with every system query
    /// option named in its one spelling: <c>$</c> and lower case. Values, custom options, parameter aliases and the path
    /// are left exactly as sent; when nothing needs renaming, the same string is returned. One spelling means that the
    /// URI parser, format negotiation, paging, next links, the request memo and the cache key all read one name, so
    /// <c>?filter=</c> and <c>?$filter=</c> are one request. A system option given twice, in any spellings, is a 400.
    /// </summary>
    public static string Canonical(string relative)
    {
        var question = relative.IndexOf('?', StringComparison.Ordinal);
        if (question < 0 || question == relative.Length - 1)
        {
            return relative;
        }

        StringBuilder? rewritten = null;
        Span<int> seen = stackalloc int[Supported.Length + Unsupported.Length];
        var start = question + 1;
        while (start <= relative.Length)
        {
            var end = relative.IndexOf('&', start);
            if (end < 0)
            {
                end = relative.Length;
            }

            var equals = relative.IndexOf('=', start, end - start);
            var nameEnd = equals < 0 ? end : equals;
            var sent = relative[start..nameEnd];
            var canonical = Find(sent, out var index);
            if (canonical is not null)
            {
                if (seen[index] > 0)
                {
                    throw ODataProblem.BadRequest(
                        $"The query option '{canonical}' is given more than once (here as '{Uri.UnescapeDataString(sent)}'). OData 4.01 reads a system query option's name in any case and with or without its '$', so 'filter' and '$filter' are the same option: send it once.",
                        canonical);
                }

                seen[index]++;
                if (!string.Equals(sent, canonical, StringComparison.Ordinal) && rewritten is null)
                {
                    rewritten = new StringBuilder(relative.Length + 8).Append(relative, 0, start);
                }
            }

            if (rewritten is not null)
            {
                rewritten.Append(canonical ?? sent).Append(relative, nameEnd, end - nameEnd);
                if (end < relative.Length)
                {
                    rewritten.Append('&');
                }
            }

            start = end + 1;
        }

        return rewritten?.ToString() ?? relative;
    }

    /// <summary>The one spelling of <paramref name="sent"/> (a name as sent, maybe percent-encoded) if it names a system option.</summary>
    private static string? Find(string sent, out int index)
    {
        index = -1;
        var name = sent.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(sent) : sent;
        var bare = name.StartsWith('$') ? name.AsSpan(1) : name.AsSpan();
        if (bare.IsEmpty || bare[0] == '@')
        {
            return null; // a parameter alias, or nothing
        }

        for (var i = 0; i < Supported.Length + Unsupported.Length; i++)
        {
            var option = i < Supported.Length ? Supported[i] : Unsupported[i - Supported.Length];
            if (bare.Equals(option.AsSpan(1), StringComparison.OrdinalIgnoreCase))
            {
                index = i;
                return option;
            }
        }

        return null;
    }
}
