using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace OData.Virtualization.Security;

/// <summary>
/// What a 401 says about a failed sign-in: a fixed sentence per kind of failure, never the validator's own message (it
/// carries the signing key's thumbprint as <c>InternalId</c>, key ids, the expected issuer and the server's clock, from
/// which a guessable key can be tested offline). The validator's message goes to the log at Debug.
/// </summary>
internal static class AuthenticationFailures
{
    public static string Describe(HttpContext context, Exception failure)
    {
        if (!context.Request.Headers.Authorization.ToString().StartsWith("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            // Basic and API-key failures are this service's own fixed sentences.
            return failure.Message;
        }

        if (failure is AggregateException { InnerExceptions.Count: > 0 } many)
        {
            failure = many.InnerExceptions[0];
        }

        return failure switch
        {
            SecurityTokenExpiredException => "The token has expired. Get a new one from its issuer.",
            SecurityTokenNotYetValidException => "The token is not valid yet.",
            SecurityTokenNoExpirationException => "The token has no expiry ('exp'); this service accepts only tokens that expire.",
            SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidAlgorithmException => "The token's signature is not valid.",
            SecurityTokenInvalidIssuerException => "The token was issued by an issuer this service does not trust.",
            SecurityTokenInvalidAudienceException => "The token is not meant for this service (its audience).",
            SecurityTokenNoSubjectException => "The token names no caller (no subject, 'oid', 'azp' or 'client_id' claim): this service cannot tell it apart from other callers.",
            SecurityTokenMalformedException or ArgumentException => "The bearer token is not a well-formed JWT.",
            _ => "The token is not valid.",
        };
    }
}
