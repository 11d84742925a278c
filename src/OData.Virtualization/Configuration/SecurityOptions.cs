namespace OData.Virtualization.Configuration;

/// <summary>
/// Who may read what (the <c>OData:Security</c> section): authentication methods, and policies that decide which
/// entity sets, rows and columns each principal sees.
/// </summary>
public sealed class SecurityOptions
{
    /// <summary>
    /// Serve callers without credentials (as the principal <c>anonymous</c>, role <c>anonymous</c>). Default: false.
    /// The embedded demo turns it on and says so loudly at start-up.
    /// </summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>The realm in the <c>WWW-Authenticate: Basic</c> challenge.</summary>
    public string Realm { get; init; } = "OData Virtualization";

    /// <summary>HTTP Basic users by name. Hash passwords with <c>dotnet run --project src/OData.Virtualization.Server -- hash-password</c>.</summary>
    public Dictionary<string, UserOptions> Users { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The request header that carries an API key. Default: <c>X-API-Key</c>.</summary>
    public string ApiKeyHeader { get; init; } = "X-API-Key";

    /// <summary>API keys by client name. Hash keys with <c>… -- hash-api-key</c>.</summary>
    public Dictionary<string, ApiKeyOptions> ApiKeys { get; init; } = new(StringComparer.Ordinal);

    /// <summary>OAuth 2.0 / OpenID Connect bearer tokens (JWT).</summary>
    public JwtOptions? Jwt { get; init; }

    /// <summary>Limits on failed HTTP Basic and API-key sign-ins, and on password checks at once.</summary>
    public SignInLimitOptions SignInLimits { get; init; } = new();

    /// <summary>
    /// Who sees what. With no policy configured, every authenticated principal reads every published set. With
    /// policies, a principal sees only the sets of the policies it matches.
    /// </summary>
    public List<PolicyOptions> Policies { get; init; } = [];
}

/// <summary>An HTTP Basic user.</summary>
public sealed class UserOptions
{
    /// <summary><c>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt&gt;$&lt;hash&gt;</c>, from the <c>hash-password</c> command.</summary>
    public string? PasswordHash { get; init; }

    public List<string> Roles { get; init; } = [];

    /// <summary>Claims available to policies as <c>@claims.&lt;name&gt;</c> (for example a branch).</summary>
    public Dictionary<string, string> Claims { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>An API key client.</summary>
public sealed class ApiKeyOptions
{
    /// <summary><c>sha256$&lt;hex&gt;</c> of the key, from the <c>hash-api-key</c> command.</summary>
    public string? KeyHash { get; init; }

    public List<string> Roles { get; init; } = [];

    public Dictionary<string, string> Claims { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>Bearer JWT validation.</summary>
public sealed class JwtOptions
{
    /// <summary>The issuer's base URL: signing keys are discovered from its OpenID configuration.</summary>
    public string? Authority { get; init; }

    /// <summary>
    /// A symmetric (HS256) signing key instead of an authority: at least 32 random bytes, base64 (for example the output
    /// of <c>openssl rand -base64 32</c>). A shorter key, or one that is text rather than random bytes, stops the start.
    /// </summary>
    public string? SigningKey { get; init; }

    /// <summary>The expected <c>iss</c>. Required with a <see cref="SigningKey"/>; with an authority, the authority's.</summary>
    public string? Issuer { get; init; }

    /// <summary>Whether <c>iss</c> is checked. Default: true; turning it off must be said by name.</summary>
    public bool ValidateIssuer { get; init; } = true;

    /// <summary>The expected <c>aud</c>. Required unless <see cref="ValidateAudience"/> is false.</summary>
    public string? Audience { get; init; }

    /// <summary>Whether <c>aud</c> is checked. Default: true; turning it off must be said by name.</summary>
    public bool ValidateAudience { get; init; } = true;

    /// <summary>The claim that carries roles. Default: <c>roles</c>.</summary>
    public string RoleClaim { get; init; } = "roles";

    /// <summary>The claim that names the principal. Default: <c>sub</c>.</summary>
    public string NameClaim { get; init; } = "sub";

    /// <summary>
    /// The authorization endpoint sent in <c>WWW-Authenticate: Bearer authorization_uri=…</c>: Power Query's
    /// organizational-account sign-in starts there.
    /// </summary>
    public string? AuthorizationUri { get; init; }

    /// <summary>Allowed clock skew in seconds, 0 to 300. Default: 30.</summary>
    public int ClockSkewSeconds { get; init; } = 30;

    /// <summary>Require HTTPS for the metadata address. Default: true.</summary>
    public bool RequireHttpsMetadata { get; init; } = true;
}

/// <summary>What the principals it matches may read.</summary>
public sealed class PolicyOptions
{
    public string? Name { get; init; }

    /// <summary>Principals (user names, API key names, JWT subjects) this policy applies to.</summary>
    public List<string> Principals { get; init; } = [];

    /// <summary>Roles this policy applies to.</summary>
    public List<string> Roles { get; init; } = [];

    /// <summary>Claims (name → required value) this policy applies to.</summary>
    public Dictionary<string, string> Claims { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Entity sets this policy grants, by published name; <c>*</c> grants every set.</summary>
    public Dictionary<string, EntitySetPolicyOptions> EntitySets { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Limits for the principals this policy applies to (the most generous of the matched policies wins).</summary>
    public PrincipalLimitOptions? Limits { get; init; }
}

/// <summary>Rows and columns of one entity set a policy grants.</summary>
public sealed class EntitySetPolicyOptions
{
    /// <summary>
    /// Only rows matching this OData <c>$filter</c> expression, with <c>@claims.&lt;name&gt;</c> replaced by the
    /// caller's claim (for example <c>branch_id eq @claims.branch</c>). Compiled into the SQL of every request.
    /// </summary>
    public string? RowFilter { get; init; }

    /// <summary>Columns (property names) this principal never sees, not even in <c>$metadata</c>.</summary>
    public List<string> HiddenColumns { get; init; } = [];

    /// <summary>
    /// String properties shown masked: every character but the last <c>n</c> replaced by <c>*</c>
    /// (<c>{"iban": 4}</c>). A masked property cannot be used in <c>$filter</c>, <c>$orderby</c> or <c>$search</c>.
    /// </summary>
    public Dictionary<string, int> MaskedColumns { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The writes this policy grants on the set: any of <c>insert</c>, <c>update</c>, <c>delete</c> (none by default).
    /// Only what the set's own configuration also allows (<see cref="EntitySetOptions.Writes"/>); the row filter holds
    /// for the row before and after the write, hidden and masked columns cannot be written.
    /// </summary>
    public List<string> Writes { get; init; } = [];
}

/// <summary>Limits per principal.</summary>
public sealed class PrincipalLimitOptions
{
    /// <summary>Requests per minute per principal. Default: OData:Limits:RequestsPerMinute.</summary>
    public int? RequestsPerMinute { get; init; }

    /// <summary>Requests at once per principal. Default: OData:Limits:ConcurrentRequests.</summary>
    public int? ConcurrentRequests { get; init; }

    /// <summary>The largest <c>$top</c>. Default: OData:Limits:MaxTop.</summary>
    public long? MaxTop { get; init; }

    /// <summary>The most rows per page for this principal (never more than the set's maximum).</summary>
    public int? MaxPageSize { get; init; }

    /// <summary>The deepest <c>$expand</c>. Default: OData:Limits:MaxExpandDepth.</summary>
    public int? MaxExpandDepth { get; init; }

    /// <summary>The most terms in a <c>$filter</c>. Default: OData:Limits:MaxFilterNodes.</summary>
    public int? MaxFilterNodes { get; init; }

    /// <summary>The most values in an <c>in</c> list. Default: OData:Limits:MaxInListLength.</summary>
    public int? MaxInListLength { get; init; }
}
