using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Publishing;

namespace OData.Virtualization.Security;

/// <summary>The authentication schemes of the OData endpoint.</summary>
internal static class Schemes
{
    public const string Selector = "odata";
    public const string Basic = "Basic";
    public const string ApiKey = "ApiKey";
    public const string Bearer = "Bearer";

    /// <summary>The anonymous caller (the demo, or <c>AllowAnonymous</c>): one principal for all its requests.</summary>
    public static readonly SharedPrincipal Anonymous = Shared("Anonymous", Identities.Anonymous, Identities.Anonymous, ["anonymous"], new Dictionary<string, string>());

    /// <summary>Principals of configured users and API keys, one per configured entry (a reload brings new entries).</summary>
    private static readonly ConditionalWeakTable<object, SharedPrincipal> s_configured = [];

    public static ClaimsPrincipal Principal(string scheme, string name, IEnumerable<string> roles, IReadOnlyDictionary<string, string> claims)
        => new(Identity(scheme, IdentityOf(scheme, name), name, roles, claims));

    /// <summary>How a configured user or API key is told apart from a principal of another method with the same name.</summary>
    private static string IdentityOf(string scheme, string name) => scheme == ApiKey ? Identities.ApiKey(name) : Identities.Basic(name);

    /// <summary>
    /// The principal of a configured user or API key: built once per configured entry and shared by its requests, so
    /// that its access scope is resolved once too (see <see cref="AccessScopes"/>). Nothing changes a principal after
    /// authentication (there is no claims transformation).
    /// </summary>
    private static SharedPrincipal Configured(object entry, string scheme, string name, IEnumerable<string> roles, IReadOnlyDictionary<string, string> claims)
        => s_configured.GetValue(entry, _ => Shared(scheme, IdentityOf(scheme, name), name, roles, claims));

    /// <summary>
    /// The successful result for a configured user or API key: the shared one, unless the host registered a claims
    /// transformation (ASP.NET Core runs it on every authenticated principal, and one that adds claims in place would
    /// leave one request's claims on every later request's principal); then a principal of its own for each request.
    /// </summary>
    public static Task<AuthenticateResult> Authenticated(IClaimsTransformation transformation, object entry, string scheme, string name, IEnumerable<string> roles, IReadOnlyDictionary<string, string> claims)
        => transformation is NoopClaimsTransformation
            ? Configured(entry, scheme, name, roles, claims).Authenticated
            : Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(Principal(scheme, name, roles, claims), scheme)));

    private static SharedPrincipal Shared(string scheme, string identity, string name, IEnumerable<string> roles, IReadOnlyDictionary<string, string> claims)
        => new(Identity(scheme, identity, name, roles, claims), scheme);

    private static ClaimsIdentity Identity(string scheme, string id, string name, IEnumerable<string> roles, IReadOnlyDictionary<string, string> claims)
    {
        var identity = new ClaimsIdentity(scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(Identities.ClaimType, id));
        identity.AddClaim(new Claim(ClaimTypes.Name, name));
        identity.AddClaims(roles.Select(r => new Claim(ClaimTypes.Role, r)));
        identity.AddClaims(claims.Select(c => new Claim(c.Key, c.Value)));
        return identity;
    }
}

/// <summary>
/// A principal that many requests share (a configured user, an API key, the anonymous caller). It carries the access
/// scope last resolved for it, with the model snapshot and the options that scope was resolved under.
/// </summary>
internal sealed class SharedPrincipal : ClaimsPrincipal
{
    internal ResolvedScope? Resolved;

    public SharedPrincipal(ClaimsIdentity identity, string scheme)
        : base(identity)
    {
        Authenticated = Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(this, scheme)));
    }

    /// <summary>The handler's answer for this principal, the same for every request (nothing changes a ticket).</summary>
    public Task<AuthenticateResult> Authenticated { get; }
}

/// <summary>An access scope and what it was resolved under; valid while both are still current.</summary>
internal sealed record ResolvedScope(ModelSnapshot Snapshot, VirtualizationOptions Options, AccessScope Scope);

/// <summary>
/// HTTP Basic against the users in configuration. A client address or user name with too many recent failures is
/// refused before anything is checked (<see cref="FailedSignIns"/>); passwords are checked a few at a time and right
/// ones remembered for a few minutes (<see cref="PasswordChecks"/>). An unknown user costs what a known one does.
/// One instance for the process: the scheme's own handler and the OData endpoint's (<see cref="CredentialsHandler"/>) both call it.
/// </summary>
internal sealed class BasicCredentials(
    IOptionsMonitor<VirtualizationOptions> options,
    FailedSignIns failures,
    PasswordChecks passwords,
    ServerMetrics metrics,
    ILoggerFactory loggers)
{
    /// <summary>Where the <c>Basic</c> scheme's handler logs its outcome (ASP.NET Core's category for a handler: its type's name).</summary>
    internal ILogger HandlerLog { get; } = loggers.CreateLogger(typeof(BasicAuthenticationHandler).FullName!);

    public async Task<AuthenticateResult> AuthenticateAsync(HttpContext context, IClaimsTransformation transformation)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        string user, password;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return AuthenticateResult.Fail("The Basic credentials are not 'user:password'.");
            }

            (user, password) = (decoded[..colon], decoded[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return AuthenticateResult.Fail("The Basic credentials are not valid base64.");
        }

        var address = context.Connection.RemoteIpAddress;
        if (failures.TryStart(address, user) is { } wait)
        {
            metrics.RateLimited("failed_sign_ins");
            return AuthenticateResult.Fail(SignInRefusedException.TooManyFailures(wait));
        }

        _ = options.CurrentValue.Security.Users.TryGetValue(user, out var configured);
        PasswordCheck check;
        try
        {
            check = await passwords.CheckAsync(user, password, configured?.PasswordHash, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            failures.Refund(address, user, checkedRight: false);
            return AuthenticateResult.Fail("The client went away while its password waited to be checked.");
        }

        switch (check)
        {
            case PasswordCheck.Wrong:
                return AuthenticateResult.Fail("The user name or password is wrong.");
            case PasswordCheck.Busy:
                failures.Refund(address, user, checkedRight: false);
                metrics.RateLimited("password_checks");
                return AuthenticateResult.Fail(SignInRefusedException.ChecksBusy());
            default:
                failures.Refund(address, user, checkedRight: check == PasswordCheck.Right);
                break;
        }

        return await Schemes.Authenticated(transformation, configured!, Schemes.Basic, user, configured!.Roles, configured.Claims);
    }
}

/// <summary>
/// API keys in a configurable header, compared with the stored hashes in constant time. A client address with too
/// many recent failures is refused before the key is hashed (<see cref="FailedSignIns"/>). One instance for the
/// process, as <see cref="BasicCredentials"/>.
/// </summary>
internal sealed class ApiKeyCredentials(IOptionsMonitor<VirtualizationOptions> options, FailedSignIns failures, ServerMetrics metrics, ILoggerFactory loggers)
{
    /// <summary>Where the <c>ApiKey</c> scheme's handler logs its outcome.</summary>
    internal ILogger HandlerLog { get; } = loggers.CreateLogger(typeof(ApiKeyAuthenticationHandler).FullName!);

    public Task<AuthenticateResult> AuthenticateAsync(HttpContext context, IClaimsTransformation transformation)
    {
        var security = options.CurrentValue.Security;
        var key = context.Request.Headers[security.ApiKeyHeader].ToString();
        if (string.IsNullOrEmpty(key))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var address = context.Connection.RemoteIpAddress;
        if (failures.TryStart(address, user: null) is { } wait)
        {
            metrics.RateLimited("failed_sign_ins");
            return Task.FromResult(AuthenticateResult.Fail(SignInRefusedException.TooManyFailures(wait)));
        }

        // The key is hashed once; every configured hash is compared (no early exit), so that timing says nothing
        // about which one nearly matched.
        Span<char> hashed = stackalloc char[SecretHasher.ApiKeyHashLength];
        SecretHasher.HashApiKey(key, hashed);
        string? name = null;
        ApiKeyOptions? apiKey = null;
        foreach (var (client, configured) in security.ApiKeys)
        {
            if (SecretHasher.VerifyApiKeyHash(hashed, configured.KeyHash))
            {
                (name, apiKey) = (client, configured);
            }
        }

        if (name is null || apiKey is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }

        failures.Refund(address, user: null, checkedRight: false);
        return Schemes.Authenticated(transformation, apiKey, Schemes.ApiKey, name, apiKey.Roles, apiKey.Claims);
    }
}

/// <summary>The <c>Basic</c> scheme, for a host that names it (the OData endpoint checks Basic credentials through <see cref="CredentialsHandler"/>).</summary>
internal sealed class BasicAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    BasicCredentials basic,
    IClaimsTransformation transformation)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggers, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => basic.AuthenticateAsync(Context, transformation);
}

/// <summary>The <c>ApiKey</c> scheme, for a host that names it (the OData endpoint checks keys through <see cref="CredentialsHandler"/>).</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    ApiKeyCredentials apiKeys,
    IClaimsTransformation transformation)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggers, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => apiKeys.AuthenticateAsync(Context, transformation);
}
