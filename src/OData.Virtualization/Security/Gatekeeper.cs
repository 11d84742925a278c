using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Errors;
using OData.Virtualization.Publishing;

namespace OData.Virtualization.Security;

/// <summary>
/// Lets a request in, or answers 401 with the challenges the clients expect: <c>Basic realm=…</c> for Salesforce
/// and Excel, <c>Bearer authorization_uri=…</c> for Power Query's organizational-account sign-in (which first
/// sends an empty <c>Bearer</c> to discover it).
/// </summary>
internal sealed class Gatekeeper(AccessScopes scopes, ModelHost models, IOptionsMonitor<VirtualizationOptions> options, ILogger<Gatekeeper> logger)
{
    public async ValueTask<AccessScope> AdmitAsync(HttpContext context)
    {
        var security = options.CurrentValue.Security;
        // The authentication middleware has already run the default scheme (this selector); reuse its success when one
        // of our schemes produced it (a host may set another default scheme, or authorization may have written the
        // feature). A failure is not kept there, so it is asked for again (the handlers remember their result per request).
        var result = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult is { Succeeded: true, Ticket.AuthenticationScheme: Schemes.Basic or Schemes.ApiKey or Schemes.Bearer } done
            ? done
            : await context.AuthenticateAsync(Schemes.Selector);
        if (result.Succeeded)
        {
            context.User = result.Principal;
            return scopes.Resolve(result.Principal);
        }

        if (result.Failure is SignInRefusedException refused)
        {
            // Refused before its credentials were checked (too many failures, or too many password checks waiting):
            // 429 or 503, not 401. No log line per attempt: FailedSignIns logs when a limit is reached.
            throw refused.Answer(context);
        }

        if (result.Failure is { } failure)
        {
            var reason = AuthenticationFailures.Describe(context, failure);
            ServerLog.AuthenticationFailed(logger, context.Connection.RemoteIpAddress?.ToString(), reason);
            ServerLog.AuthenticationFailureDetail(logger, context.TraceIdentifier, failure.Message);
            Challenge(context, security, invalidToken: context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase));
            throw new ODataProblem(401, "Unauthorized", reason + " " + HowToAuthenticate(security));
        }

        if (AllowsAnonymous(security, models) && !HasCredentials(context, security))
        {
            return scopes.Resolve(Schemes.Anonymous);
        }

        Challenge(context, security, invalidToken: false);
        throw new ODataProblem(401, "Unauthorized", "This service needs credentials. " + HowToAuthenticate(security));
    }

    /// <summary>Explicitly configured, or the embedded demo with no authentication method configured.</summary>
    public static bool AllowsAnonymous(SecurityOptions security, ModelHost models)
        => security.AllowAnonymous
           || (models.IsDemo && security.Users.Count == 0 && security.ApiKeys.Count == 0 && security.Jwt is null);

    private static bool HasCredentials(HttpContext context, SecurityOptions security)
        => !string.IsNullOrEmpty(context.Request.Headers.Authorization) || !string.IsNullOrEmpty(context.Request.Headers[security.ApiKeyHeader]);

    /// <summary>The <c>WWW-Authenticate</c> challenges of the configured methods (also used by the administration endpoints).</summary>
    internal static void Challenge(HttpContext context, SecurityOptions security, bool invalidToken)
    {
        var headers = context.Response.Headers;
        var challenges = new List<string>();
        if (security.Users.Count > 0)
        {
            challenges.Add($"Basic realm=\"{security.Realm}\", charset=\"UTF-8\"");
        }

        if (security.Jwt is { } jwt)
        {
            var bearer = "Bearer realm=\"" + security.Realm + "\"";
            if (jwt.AuthorizationUri is { Length: > 0 } uri)
            {
                bearer += ", authorization_uri=\"" + uri + "\"";
            }

            if (invalidToken)
            {
                bearer += ", error=\"invalid_token\"";
            }

            challenges.Add(bearer);
        }

        if (security.ApiKeys.Count > 0)
        {
            // Not a registered scheme, but a 401 must say how to authenticate (RFC 9110): name the header.
            challenges.Add($"ApiKey header=\"{security.ApiKeyHeader}\"");
        }

        if (challenges.Count > 0)
        {
            headers.WWWAuthenticate = challenges.ToArray();
        }
    }

    internal static string HowToAuthenticate(SecurityOptions security)
    {
        var ways = new List<string>();
        if (security.Users.Count > 0)
        {
            ways.Add("HTTP Basic (user name and password)");
        }

        if (security.ApiKeys.Count > 0)
        {
            ways.Add($"an API key in the '{security.ApiKeyHeader}' header");
        }

        if (security.Jwt is not null)
        {
            ways.Add("an OAuth 2.0 bearer token");
        }

        return ways.Count == 0
            ? "No authentication method is configured: ask the operator."
            : "Send " + string.Join(", or ", ways) + ".";
    }
}
