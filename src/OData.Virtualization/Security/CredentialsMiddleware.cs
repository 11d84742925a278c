using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace OData.Virtualization.Security;

/// <summary>
/// Authenticates every request with the default scheme, as ASP.NET Core's <c>UseAuthentication()</c> does (the
/// principal in <see cref="HttpContext.User"/>, a success in <see cref="IAuthenticateResultFeature"/>), but checks Basic
/// and API-key credentials through <see cref="Credentials"/> directly: no request service scope, no scheme lookups and
/// no handler activated per request for them (decision 129). A bearer token goes on to JwtBearer
/// through ASP.NET Core's authentication service, as before.
/// </summary>
/// <remarks>
/// The schemes this server registers have no request handler (<see cref="IAuthenticationRequestHandler"/>, a remote
/// sign-in's callback), the one thing the framework's middleware does besides this.
/// </remarks>
internal sealed class CredentialsMiddleware(RequestDelegate next, Credentials credentials)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var result = await credentials.AuthenticateAsync(context);
        if (result.Principal is not null)
        {
            context.User = result.Principal;
        }

        if (result.Succeeded)
        {
            context.Features.Set<IAuthenticateResultFeature>(new Succeeded(result));
        }

        await next(context);
    }

    private sealed class Succeeded(AuthenticateResult result) : IAuthenticateResultFeature
    {
        public AuthenticateResult? AuthenticateResult { get; set; } = result;
    }
}
