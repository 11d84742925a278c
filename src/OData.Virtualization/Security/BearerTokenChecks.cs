using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OData.Virtualization.Security;

/// <summary>
/// Checks on bearer tokens beyond those IdentityModel makes (signature, issuer, audience, lifetime): the token must be
/// an access token by its <c>typ</c>, and the claims the server reads must have the JSON type the JWT specification
/// gives them. IdentityModel would accept <c>"exp": "1893456000"</c> (a string) and a role claim that is a number or
/// an object (the caller then signs in with no role); such a token comes from a misconfigured or forged issuer, and is
/// refused like any invalid token.
/// </summary>
internal static class BearerTokenChecks
{
    /// <summary><c>typ</c> values of access tokens (RFC 9068 and the common <c>JWT</c>); compared ignoring case (RFC 7515).</summary>
    private static readonly string[] s_accessTokenTypes = ["JWT", "at+jwt", "application/at+jwt"];

    /// <summary>
    /// The <see cref="TokenValidationParameters.TypeValidator"/>: no <c>typ</c> (many issuers send none) or an access
    /// token's; not an ID token's, a logout token's, a DPoP proof's or any other kind a same issuer may sign.
    /// </summary>
    public static string ValidateType(string? type, SecurityToken token, TokenValidationParameters parameters)
        => string.IsNullOrEmpty(type) || s_accessTokenTypes.Contains(type, StringComparer.OrdinalIgnoreCase)
            ? type ?? string.Empty
            : throw new SecurityTokenInvalidTypeException("The bearer token is not an access token (by its 'typ' header).");

    /// <summary>
    /// After IdentityModel's checks: <c>exp</c>, <c>nbf</c> and <c>iat</c> are numbers, the name claim is a string and
    /// the role claim a string or a list of strings. Read from the payload itself: IdentityModel's claims no longer say
    /// (a numeric <c>sub</c> becomes a string claim, a string <c>exp</c> a number).
    /// </summary>
    public static Task CheckClaimTypes(TokenValidatedContext context)
    {
        if (context.SecurityToken is not JsonWebToken token)
        {
            return Task.CompletedTask;
        }

        var parameters = context.Options.TokenValidationParameters;
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.EncodedPayload));
        foreach (var claim in payload.RootElement.EnumerateObject())
        {
            var value = claim.Value;
            var wrong = claim.Name switch
            {
                "exp" or "nbf" or "iat" => value.ValueKind == JsonValueKind.Number ? null : "a number",
                _ when claim.Name == parameters.RoleClaimType => value.ValueKind == JsonValueKind.String
                    || (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(r => r.ValueKind == JsonValueKind.String)) ? null : "a string or a list of strings",
                _ when claim.Name == parameters.NameClaimType => value.ValueKind == JsonValueKind.String ? null : "a string",
                _ => null,
            };
            if (wrong is not null)
            {
                context.Fail($"The bearer token's '{claim.Name}' claim is not {wrong}.");
                return Task.CompletedTask;
            }
        }

        return Task.CompletedTask;
    }
}
