using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OData.Virtualization.Security;

/// <summary>
/// The OData endpoint's scheme (<see cref="Schemes.Selector"/>, the default): picks the method by what the request
/// carries — a bearer token when JWT is configured, else an API key in its header when there is no
/// <c>Authorization</c>, else Basic — and checks Basic and API-key credentials itself. Only a bearer token goes on to
/// a second handler (the <c>Bearer</c> scheme's, JwtBearer). A policy scheme did the same choice by forwarding every
/// request to the chosen scheme, which resolved and initialised a second handler per request (decision 122).
/// </summary>
/// <remarks>
/// As the handlers it replaces: the result is computed once per request (<see cref="Credentials"/>: the middleware asks,
/// and the <see cref="Gatekeeper"/> asks again after a failure), and the same log lines are written under the same categories
/// (the <c>Basic</c> and <c>ApiKey</c> schemes' handler types). Challenge and forbid go to the chosen scheme, as a
/// policy scheme forwards them.
/// </remarks>
internal sealed class CredentialsHandler(Credentials credentials) : IAuthenticationHandler
{
    private HttpContext? _context;

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
    {
        _context = context;
        return Task.CompletedTask;
    }

    public Task<AuthenticateResult> AuthenticateAsync() => credentials.AuthenticateAsync(Context);

    public Task ChallengeAsync(AuthenticationProperties? properties) => Context.ChallengeAsync(credentials.SchemeOf(Context), properties);

    public Task ForbidAsync(AuthenticationProperties? properties) => Context.ForbidAsync(credentials.SchemeOf(Context), properties);

    private HttpContext Context => _context ?? throw new InvalidOperationException("The handler was used before it was initialised.");
}

/// <summary>
/// The lines ASP.NET Core's <c>AuthenticationHandler</c> writes after authenticating (same event ids, names, levels
/// and messages), written by <see cref="Credentials"/> under the category of the scheme's handler type, where
/// they were written when a policy scheme forwarded to those handlers.
/// </summary>
internal static partial class CredentialsLog
{
    [LoggerMessage(EventId = 7, EventName = "AuthenticationSchemeNotAuthenticatedWithFailure", Level = LogLevel.Information, Message = "{AuthenticationScheme} was not authenticated. Failure message: {FailureMessage}")]
    public static partial void NotAuthenticatedWithFailure(ILogger logger, string authenticationScheme, string failureMessage);

    [LoggerMessage(EventId = 8, EventName = "AuthenticationSchemeAuthenticated", Level = LogLevel.Debug, Message = "AuthenticationScheme: {AuthenticationScheme} was successfully authenticated.")]
    public static partial void Authenticated(ILogger logger, string authenticationScheme);

    [LoggerMessage(EventId = 9, EventName = "AuthenticationSchemeNotAuthenticated", Level = LogLevel.Debug, Message = "AuthenticationScheme: {AuthenticationScheme} was not authenticated.")]
    public static partial void NotAuthenticated(ILogger logger, string authenticationScheme);
}
