using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;
using OData.Virtualization.Configuration;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;
using OData.Virtualization.Query;

namespace OData.Virtualization.Paging;

/// <summary>How one request is paged: the query with its page window, and what the next link needs.</summary>
internal sealed record PagePlan(
    EntityQuery Query,
    long? PageRows,
    bool MayHaveNext,
    long Returned,
    int? PageSize,
    string Fingerprint,
    int? PreferenceApplied);

/// <summary>
/// Decides the page of a collection request: the page size (configuration, <c>Prefer: odata.maxpagesize</c>,
/// the maximum), what <c>$top</c> still allows, and where a <c>$skiptoken</c> continues.
/// </summary>
internal sealed class PagePlanner(IOptionsMonitor<VirtualizationOptions> options, SkipTokenCodec codec)
{
    public SkipTokenCodec Codec { get; } = codec;

    public PagePlan Plan(HttpRequest request, EntityQuery query, string relativeTarget, string scope = "", int? principalMaxPageSize = null)
    {
        var (pageSize, applied) = PageSize(request, query, principalMaxPageSize);

        // Bound to the caller's scope too: a link minted for one principal does not continue for another. After the
        // dot, what a position means (the key and order columns and their types): a link minted before a schema
        // refresh continues when they stayed the same, and is refused when they changed, never followed to a wrong page.
        var queryFingerprint = Fingerprint(scope + "\n" + relativeTarget);
        var fingerprint = queryFingerprint + "." + OrderShape(query);
        SkipToken? token = null;
        if (request.Query.TryGetValue("$skiptoken", out var raw) && raw.Count > 0)
        {
            token = Codec.Decode(raw[0] ?? string.Empty);
            if (!string.Equals(token.Fingerprint, fingerprint, StringComparison.Ordinal))
            {
                var sameQuery = token.Fingerprint.Split('.')[0] == queryFingerprint;
                throw ODataProblem.BadRequest(
                    sameQuery
                        ? $"The $skiptoken was issued before the published model of '{query.Set.Name}' changed: its key or the columns it is ordered by were changed, retyped or removed since (a schema refresh), so the position it holds no longer means the same row. Request the first page again."
                        : "The $skiptoken belongs to another query (its $filter, $orderby, $search, $select or $top differ). Follow the @odata.nextLink exactly as returned, or request the first page again.",
                    "$skiptoken",
                    "InvalidSkipToken");
            }

            pageSize = token.PageSize;
        }

        var returned = token?.Returned ?? 0;
        long? remaining = query.Top is { } top ? Math.Max(0, top - returned) : null;
        if (pageSize is null)
        {
            // Server paging is off: the whole result streams in one response.
            return new PagePlan(query, remaining, false, returned, null, fingerprint, applied);
        }

        var rows = remaining is { } r ? Math.Min(r, pageSize.Value) : pageSize.Value;
        var mayHaveNext = remaining is null || remaining > pageSize.Value;
        var window = new PageWindow(mayHaveNext ? rows + 1 : rows, token?.After);
        return new PagePlan(query with { Paging = window }, rows, mayHaveNext, returned, pageSize, fingerprint, applied);
    }

    /// <summary>The <c>@odata.nextLink</c>: the request's own URL without <c>$skip</c>, with the new <c>$skiptoken</c>.</summary>
    public static string NextLink(string serviceRoot, string relativeTarget, string token)
    {
        var question = relativeTarget.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? relativeTarget : relativeTarget[..question];
        var builder = new StringBuilder(serviceRoot).Append(path).Append('?');
        if (question >= 0)
        {
            foreach (var pair in relativeTarget[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]).Trim();
                if (name.Equals("$skip", StringComparison.OrdinalIgnoreCase) || name.Equals("$skiptoken", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                builder.Append(pair).Append('&');
            }
        }

        return builder.Append("$skiptoken=").Append(token).ToString();
    }

    /// <summary>
    /// The next link of a result paged by position (<c>$apply</c>'s aggregated rows, which have no key to continue
    /// after): the request's own URL with <c>$skip</c> past the rows sent and <c>$top</c> reduced by them.
    /// </summary>
    public static string OffsetLink(string serviceRoot, string relativeTarget, long skip, long? top)
    {
        var question = relativeTarget.IndexOf('?', StringComparison.Ordinal);
        var builder = new StringBuilder(serviceRoot).Append(question < 0 ? relativeTarget : relativeTarget[..question]).Append('?');
        if (question >= 0)
        {
            foreach (var pair in relativeTarget[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]).Trim();
                if (!name.Equals("$skip", StringComparison.OrdinalIgnoreCase) && !name.Equals("$top", StringComparison.OrdinalIgnoreCase))
                {
                    builder.Append(pair).Append('&');
                }
            }
        }

        if (top is { } remaining)
        {
            builder.Append("$top=").Append(remaining.ToString(CultureInfo.InvariantCulture)).Append('&');
        }

        return builder.Append("$skip=").Append(skip.ToString(CultureInfo.InvariantCulture)).ToString();
    }

    /// <summary>The page size of a request on <paramref name="query"/>'s set, and the preference applied (null: none).</summary>
    internal (int? PageSize, int? Applied) PageSize(HttpRequest request, EntityQuery query, int? principalMaxPageSize)
    {
        var paging = options.CurrentValue.Paging;
        var source = query.Set.Source.Options;
        var settings = query.Set.Settings;
        var max = settings?.MaxPageSize ?? source.MaxPageSize ?? paging.MaxPageSize;
        if (principalMaxPageSize is { } principalMax && principalMax > 0 && (max <= 0 || principalMax < max))
        {
            max = principalMax;
        }
        var size = settings?.PageSize ?? source.PageSize ?? paging.DefaultPageSize;
        var preferred = PreferredPageSize(request);
        if (preferred is { } p)
        {
            var effective = max > 0 ? Math.Min(p, max) : p;
            return (effective, effective);
        }

        if (max <= 0)
        {
            return (size > 0 && source.PageSize is not null ? size : null, null);
        }

        return (Math.Min(size <= 0 ? max : size, max), null);
    }

    /// <summary><c>Prefer: odata.maxpagesize=N</c> (or the 4.01 form <c>maxpagesize=N</c>).</summary>
    private static int? PreferredPageSize(HttpRequest request)
    {
        foreach (var header in request.Headers["Prefer"])
        {
            foreach (var preference in (header ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = preference.IndexOf('=', StringComparison.Ordinal);
                if (equals < 0)
                {
                    continue;
                }

                var name = preference[..equals].Trim();
                if ((name.Equals("odata.maxpagesize", StringComparison.OrdinalIgnoreCase) || name.Equals("maxpagesize", StringComparison.OrdinalIgnoreCase))
                    && int.TryParse(preference[(equals + 1)..].Trim().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0)
                {
                    return size;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Ties a token to its query: the path and the query options that shape the result ($filter, $orderby, $search,
    /// $select, $expand, $top, $compute), decoded, without insignificant whitespace, and sorted, exactly as the next link
    /// carries them. (It is part of the cache key too: spellings that differ only in whitespace share an entry.)
    /// </summary>
    internal static string Fingerprint(string relativeTarget)
    {
        var question = relativeTarget.IndexOf('?', StringComparison.Ordinal);
        var path = Decode(question < 0 ? relativeTarget : relativeTarget[..question]);
        var options = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (question >= 0)
        {
            foreach (var pair in relativeTarget[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Decode(equals < 0 ? pair : pair[..equals]).Trim().ToLowerInvariant();
                if (name is "$filter" or "$orderby" or "$search" or "$select" or "$expand" or "$top" or "$compute")
                {
                    options[name] = WithoutInsignificantWhitespace(Decode(equals < 0 ? string.Empty : pair[(equals + 1)..]));
                }
            }
        }

        var text = new StringBuilder(path);
        foreach (var (name, value) in options)
        {
            text.Append('\n').Append(name).Append('=').Append(value);
        }

        return SkipTokenCodec.Fingerprint(text.ToString());
    }

    /// <summary>The key columns and the columns the $orderby reads, with how they compare (see <see cref="SetShape.OfOrder"/>).</summary>
    private static string OrderShape(EntityQuery query)
    {
        var columns = new List<(string Name, string Type)>();
        foreach (var (expression, _) in query.OrderBy)
        {
            OrderColumns(expression, query.Set, columns);
        }

        return SetShape.OfOrder(query.Set, columns);
    }

    private static void OrderColumns(QueryNode? node, PublishedSet set, List<(string Name, string Type)> columns)
    {
        switch (node)
        {
            case SingleValuePropertyAccessNode property when property.Source is ResourceRangeVariableReferenceNode && set.FindColumn(property.Property.Name) is { } column:
                columns.Add((column.ColumnName, SetShape.Comparison(column.Type)));
                break;
            case SingleValuePropertyAccessNode property:
                // A property of a related set ($orderby=customer/name): its EDM type is what this side knows.
                columns.Add((property.Property.DeclaringType.FullTypeName() + "/" + property.Property.Name, property.Property.Type.FullName()));
                OrderColumns(property.Source, set, columns);
                break;
            case ConvertNode convert:
                OrderColumns(convert.Source, set, columns);
                break;
            case SingleValueFunctionCallNode call:
                foreach (var parameter in call.Parameters)
                {
                    OrderColumns(parameter, set, columns);
                }

                break;
            case BinaryOperatorNode binary:
                OrderColumns(binary.Left, set, columns);
                OrderColumns(binary.Right, set, columns);
                break;
            case UnaryOperatorNode unary:
                OrderColumns(unary.Operand, set, columns);
                break;
        }
    }

    /// <summary>
    /// Outside quoted literals: runs of whitespace become one space, with none at either end, around a comma or
    /// semicolon, after an opening or before a closing parenthesis (<c>$select=a, b</c> is <c>$select=a,b</c>).
    /// </summary>
    private static string WithoutInsignificantWhitespace(string value)
    {
        var text = new StringBuilder(value.Length);
        var quote = '\0';
        var space = false;
        foreach (var c in value)
        {
            if (quote != '\0')
            {
                text.Append(c);
                quote = c == quote ? '\0' : quote;
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space && text.Length > 0 && text[^1] is not (',' or ';' or '(') && c is not (',' or ';' or ')'))
            {
                text.Append(' ');
            }

            space = false;
            text.Append(c);
            quote = c is '\'' or '"' ? c : '\0';
        }

        return text.ToString();
    }

    private static string Decode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return text;
        }
    }
}
