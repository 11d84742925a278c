using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using OData.Virtualization.Configuration;

namespace OData.Virtualization.Security;

/// <summary>
/// How bearer tokens are validated (<c>OData:Security:Jwt</c>), and the identity a valid token gets: <c>jwt:</c>, its
/// issuer, <c>|</c> and the first of its name claim, <c>sub</c>, <c>oid</c>, <c>azp</c>, <c>client_id</c> that it
/// carries. A token with none of them is refused: it could not be told apart from another caller.
/// </summary>
internal static class JwtValidation
{
    /// <summary>Claims that name a token's caller when the configured name claim is missing, in order.</summary>
    private static readonly string[] s_subjectClaims = ["sub", "oid", "azp", "client_id", "appid"];

    public static void Configure(JwtBearerOptions bearer, JwtOptions? jwt)
    {
        if (jwt is null)
        {
            return;
        }

        bearer.MapInboundClaims = false;
        bearer.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        if (!string.IsNullOrEmpty(jwt.Authority))
        {
            bearer.Authority = jwt.Authority;
        }

        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = jwt.ValidateIssuer,
            ValidIssuer = jwt.Issuer,
            ValidateAudience = jwt.ValidateAudience,
            ValidAudience = jwt.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(jwt.ClockSkewSeconds),
            NameClaimType = jwt.NameClaim,
            RoleClaimType = jwt.RoleClaim,
            IssuerSigningKey = SigningKeys.TryDecode(jwt.SigningKey) is { } key ? new SymmetricSecurityKey(key) : null,
            ValidateIssuerSigningKey = true,
            TypeValidator = BearerTokenChecks.ValidateType,
        };
        bearer.Events = new JwtBearerEvents
        {
            OnTokenValidated = async context =>
            {
                await BearerTokenChecks.CheckClaimTypes(context);
                if (context.Result is null)
                {
                    await Identify(context, jwt);
                }
            },
        };
    }

    /// <summary>Gives a valid token's principal its identity claim, or refuses a token that names no caller.</summary>
    private static Task Identify(TokenValidatedContext context, JwtOptions jwt)
    {
        if (context.Principal?.Identity is not ClaimsIdentity identity)
        {
            context.Fail(new SecurityTokenException("The token has no identity."));
            return Task.CompletedTask;
        }

        var subject = identity.FindFirst(jwt.NameClaim)?.Value;
        foreach (var claim in s_subjectClaims)
        {
            if (!string.IsNullOrWhiteSpace(subject))
            {
                break;
            }

            subject = identity.FindFirst(claim)?.Value;
        }

        if (string.IsNullOrWhiteSpace(subject))
        {
            context.Fail(new SecurityTokenNoSubjectException());
            return Task.CompletedTask;
        }

        var issuer = identity.FindFirst("iss")?.Value ?? string.Empty;
        identity.AddClaim(new Claim(Identities.ClaimType, Identities.Jwt(issuer, subject)));
        if (identity.Name is null)
        {
            // Row filters and the request log see a name even when the configured name claim is missing.
            identity.AddClaim(new Claim(jwt.NameClaim, subject));
        }

        return Task.CompletedTask;
    }
}

/// <summary>A valid token that names no caller (no name claim, <c>sub</c>, <c>oid</c>, <c>azp</c> or <c>client_id</c>).</summary>
internal sealed class SecurityTokenNoSubjectException() : SecurityTokenException("The token names no caller.");
