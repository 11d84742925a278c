using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Net.Http.Headers;
using OData.Virtualization.Execution;
using OData.Virtualization.Security;

namespace OData.Virtualization.Http;

/// <summary>
/// One part of a <c>$batch</c> as a request of its own: a <see cref="DefaultHttpContext"/> over the batch's services,
/// connection, caller and cancellation, with the part's method, target and headers, and a buffer for its response. The
/// endpoint serves it exactly as if it had come alone. The batch's credentials are the part's: its own
/// <c>Authorization</c> or API key header is dropped, and the caller the batch signed in as is handed over (no second
/// password check). A part of a change set carries the change set's transaction (<see cref="ChangeSetTransaction"/>).
/// </summary>
internal sealed class BatchPartContext : IHttpRequestLifetimeFeature
{
    /// <summary>Headers of a part that are the batch's business, not the part's (credentials, transport).</summary>
    private static readonly HashSet<string> s_notFromPart = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Authorization, HeaderNames.Cookie, HeaderNames.Host, HeaderNames.ContentLength, HeaderNames.TransferEncoding,
        HeaderNames.AcceptEncoding, HeaderNames.Connection,
    };

    private readonly MemoryStream _body = new();

    private BatchPartContext(HttpContext parent, string method, string rawTarget, string index, ReadOnlyMemory<byte> body, CancellationToken aborted)
    {
        RequestAborted = aborted;
        var features = new FeatureCollection();
        var queryAt = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = queryAt < 0 ? rawTarget : rawTarget[..queryAt];
        features.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Method = method,
            Protocol = parent.Request.Protocol,
            Scheme = parent.Request.Scheme,
            PathBase = parent.Request.PathBase.Value ?? string.Empty,
            Path = PathString.FromUriComponent(path[parent.Request.PathBase.ToUriComponent().Length..]).Value ?? "/",
            QueryString = queryAt < 0 ? string.Empty : rawTarget[queryAt..],
            RawTarget = rawTarget,
            Body = MemoryMarshal.TryGetArray(body, out var bytes) ? new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false) : new MemoryStream(body.ToArray(), writable: false),
        });
        features.Set<IHttpResponseFeature>(new HttpResponseFeature());
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(_body));
        features.Set<IHttpRequestLifetimeFeature>(this);
        features.Set<IHttpRequestIdentifierFeature>(new HttpRequestIdentifierFeature { TraceIdentifier = parent.TraceIdentifier + ":" + index });
        if (parent.Features.Get<IHttpConnectionFeature>() is { } connection)
        {
            features.Set(connection);
        }

        Context = new DefaultHttpContext(features) { RequestServices = parent.RequestServices, User = parent.User };
        Context.Request.Host = parent.Request.Host;
    }

    public HttpContext Context { get; }

    public CancellationToken RequestAborted { get; set; }

    /// <summary>Set when the endpoint broke the part's response off (a failure after its body had started).</summary>
    public bool Aborted { get; private set; }

    public void Abort() => Aborted = true;

    /// <summary>
    /// The context of a part with <paramref name="method"/>, <paramref name="rawTarget"/> (path and query, as sent) and the
    /// part's own headers, less those that belong to the batch; the batch's credentials and its signed-in caller instead.
    /// </summary>
    public static BatchPartContext Create(HttpContext parent, int index, string method, string rawTarget, IEnumerable<KeyValuePair<string, string>> headers, string apiKeyHeader, CancellationToken aborted, ReadOnlyMemory<byte> body = default, ChangeSetTransaction? changeSet = null)
    {
        var part = new BatchPartContext(parent, method, rawTarget, (index + 1).ToString(CultureInfo.InvariantCulture), body, aborted);
        if (changeSet is not null)
        {
            part.Context.Features.Set(changeSet);
        }

        var target = part.Context.Request.Headers;
        foreach (var (name, value) in headers)
        {
            if (!s_notFromPart.Contains(name) && !string.Equals(name, apiKeyHeader, StringComparison.OrdinalIgnoreCase))
            {
                target.Append(name, value);
            }
        }

        if (!body.IsEmpty)
        {
            target.ContentLength = body.Length;
        }

        var source = parent.Request.Headers;
        if (source.Authorization.Count > 0)
        {
            target.Authorization = source.Authorization;
        }

        if (source.TryGetValue(apiKeyHeader, out var key))
        {
            target[apiKeyHeader] = key;
        }

        if (parent.User.Identity is ClaimsIdentity { IsAuthenticated: true, AuthenticationType: Schemes.Basic or Schemes.ApiKey or Schemes.Bearer } identity)
        {
            part.Context.Features.Set<IAuthenticateResultFeature>(new AuthenticationFeatures(AuthenticateResult.Success(new AuthenticationTicket(parent.User, identity.AuthenticationType))));
        }

        return part;
    }

    /// <summary>The part's response as it was written: status, headers and body.</summary>
    public async Task<BatchAnswer> AnswerAsync()
    {
        await Context.Response.CompleteAsync();
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in Context.Response.Headers)
        {
            if (!string.Equals(name, HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                headers.Add(new(name, values.ToString()));
            }
        }

        return new BatchAnswer(Context.Response.StatusCode, headers, _body.GetBuffer().AsMemory(0, (int)_body.Length));
    }

    private sealed class AuthenticationFeatures(AuthenticateResult result) : IAuthenticateResultFeature
    {
        public AuthenticateResult? AuthenticateResult { get; set; } = result;
    }
}
