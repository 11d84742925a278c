using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using OData.Virtualization.Configuration;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Http;

/// <summary>
/// Where a request points: its service root (links are built on it) and the target relative to the root, exactly as the
/// client sent it (percent-encoding intact, so that a key such as <c>'a%2Fb'</c> reaches the URI parser as one segment).
/// The service root is the configured public base URL's when there is one, and only otherwise the request's scheme and
/// host: every link the server writes starts with it.
/// </summary>
internal sealed record RequestTarget(string ServiceRoot, string Relative)
{
    /// <summary>Whether the target is the service document (the root itself, with or without query options).</summary>
    public bool IsServiceDocument => Relative.Length == 0 || Relative[0] == '?';

    public bool IsMetadata => Relative.StartsWith("$metadata", StringComparison.Ordinal);

    public bool IsBatch => Relative.StartsWith("$batch", StringComparison.Ordinal);

    /// <summary>
    /// Reads the target of <paramref name="context"/> under <paramref name="routePrefix"/>, its service root under
    /// <paramref name="publicBase"/> when set (see <see cref="PublicBase"/>); a URL longer than the limit is a 414.
    /// System query options get their one spelling (<see cref="QueryOptionNames.Canonical"/>: <c>filter</c> is
    /// <c>$filter</c>), in the target and in the request's query string, which every later stage reads.
    /// </summary>
    public static RequestTarget Read(HttpContext context, string routePrefix, LimitOptions limits, string? publicBase)
    {
        var request = context.Request;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var target = string.IsNullOrEmpty(rawTarget) || rawTarget[0] != '/'
            ? request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent()
            : rawTarget;
        if (target.Length > limits.MaxUrlLength)
        {
            throw new ODataProblem(414, "UriTooLong", $"The request URL has {target.Length} characters; the most this service accepts is {limits.MaxUrlLength}. Shorten the query, for example with 'in' instead of many 'or' terms.");
        }

        var serviceRoot = publicBase is null
            ? $"{request.Scheme}://{request.Host}{request.PathBase}/{routePrefix}/"
            : $"{publicBase}/{routePrefix}/";
        var relative = RelativeTo(target, request.PathBase.Value, routePrefix);
        var canonical = QueryOptionNames.Canonical(relative);
        if (!ReferenceEquals(canonical, relative))
        {
            request.QueryString = new QueryString(canonical[canonical.IndexOf('?', StringComparison.Ordinal)..]);
        }

        return new RequestTarget(serviceRoot, canonical);
    }

    /// <summary>
    /// <see cref="TransportOptions.PublicBaseUrl"/> as links start: scheme, host, port (unless the scheme's default) and
    /// path, without a trailing slash. Null when unset, and when it is not an absolute http or https URL without query,
    /// fragment or credentials (the options validator stops the start then).
    /// </summary>
    public static string? PublicBase(string? configured)
    {
        if (string.IsNullOrWhiteSpace(configured) || !Uri.TryCreate(configured.Trim(), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0 || uri.Host.Length == 0)
        {
            return null;
        }

        return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    /// <summary>
    /// Refuses system query options this service does not implement (501) or that do not exist (400), and repeated ones.
    /// Custom options (names that are no system option's, with or without <c>$</c>) are allowed and ignored.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="deltaTokens">Change tracking is on: <c>$deltatoken</c> is served (otherwise a 501, as before).</param>
    public static void CheckQueryOptionNames(HttpRequest request, bool deltaTokens = false)
    {
        foreach (var name in request.Query.Keys)
        {
            if (!name.StartsWith('$') || (deltaTokens && name.Equals("$deltatoken", StringComparison.Ordinal) && request.Query[name].Count == 1))
            {
                continue;
            }

            if (QueryOptionNames.Unsupported.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw ODataProblem.NotImplemented($"The query option '{name}'", name);
            }

            if (!QueryOptionNames.Supported.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw ODataProblem.BadRequest($"'{name}' is not an OData system query option. Supported: {string.Join(", ", QueryOptionNames.Supported)}.", name);
            }

            if (request.Query[name].Count > 1)
            {
                throw ODataProblem.BadRequest($"The query option '{name}' appears more than once.", name);
            }
        }
    }

    private static string RelativeTo(string rawTarget, string? pathBase, string routePrefix)
    {
        var target = rawTarget;
        if (!string.IsNullOrEmpty(pathBase) && target.StartsWith(pathBase, StringComparison.OrdinalIgnoreCase))
        {
            target = target[pathBase.Length..];
        }

        var prefix = "/" + routePrefix;
        if (target.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            target = target[prefix.Length..];
        }

        return target.StartsWith('/') ? target[1..] : target;
    }
}
