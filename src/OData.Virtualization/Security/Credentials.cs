using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;

namespace OData.Virtualization.Security;

/// <summary>
/// The check behind the default scheme (<see cref="CredentialsHandler"/>) and <see cref="CredentialsMiddleware"/>: one
/// instance for the process, its result kept on the request so that it is computed once however many times it is
/// asked for (a failed sign-in counts once toward its address's limit, and is logged once).
/// </summary>
internal sealed class Credentials(
    BasicCredentials basic,
    ApiKeyCredentials apiKeys,
    IOptionsMonitor<VirtualizationOptions> options,
    IClaimsTransformation transformation)
{
    /// <summary>This request's result: computed on the first call, the same task afterwards.</summary>
    public Task<AuthenticateResult> AuthenticateAsync(HttpContext context)
    {
        if (context.Features.Get<CheckedCredentials>() is { } known)
        {
            return known.Result;
        }

        var result = AuthenticateOnceAsync(context);
        context.Features.Set(new CheckedCredentials(result));
        return result;
    }

    /// <summary>Picks the scheme by what the request carries; requests without credentials end in Basic's NoResult.</summary>
    public string SchemeOf(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return options.CurrentValue.Security.Jwt is null ? Schemes.Basic : Schemes.Bearer;
        }

        if (authorization.Length == 0 && !string.IsNullOrEmpty(context.Request.Headers[options.CurrentValue.Security.ApiKeyHeader]))
        {
            return Schemes.ApiKey;
        }

        return Schemes.Basic;
    }

    private async Task<AuthenticateResult> AuthenticateOnceAsync(HttpContext context)
    {
        var scheme = SchemeOf(context);
        if (scheme == Schemes.Bearer)
        {
            return await context.AuthenticateAsync(Schemes.Bearer);
        }

        var (result, log) = scheme == Schemes.ApiKey
            ? (await apiKeys.AuthenticateAsync(context, transformation), apiKeys.HandlerLog)
            : (await basic.AuthenticateAsync(context, transformation), basic.HandlerLog);
        if (result.Failure is { } failure)
        {
            CredentialsLog.NotAuthenticatedWithFailure(log, scheme, failure.Message);
        }
        else if (result.Ticket?.Principal is not null)
        {
            CredentialsLog.Authenticated(log, scheme);
        }
        else
        {
            CredentialsLog.NotAuthenticated(log, scheme);
        }

        return result;
    }

    private sealed record CheckedCredentials(Task<AuthenticateResult> Result);
}
