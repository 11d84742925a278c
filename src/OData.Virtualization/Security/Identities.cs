using System.Security.Claims;

namespace OData.Virtualization.Security;

/// <summary>
/// A principal's identity includes how it signed in: <c>basic:teller</c>, <c>apikey:teller</c>,
/// <c>jwt:https://issuer/|subject</c>, <c>anonymous</c>. Rate limits, statement shares, cached scopes and the request
/// log use it, so a token whose subject is <c>teller</c> is never the Basic user <c>teller</c>.
/// </summary>
internal static class Identities
{
    /// <summary>The claim that carries the identity (set when a principal is authenticated).</summary>
    public const string ClaimType = "odv:identity";

    public const string Anonymous = "anonymous";

    public static string Basic(string user) => "basic:" + user;

    public static string ApiKey(string name) => "apikey:" + name;

    public static string Jwt(string issuer, string subject) => "jwt:" + issuer + "|" + subject;

    /// <summary>
    /// The identity of a principal: the one its sign-in gave it; for a principal of another scheme (a host's own), that
    /// scheme and its name, or <c>unnamed</c>; <c>anonymous</c> when not authenticated.
    /// </summary>
    public static string Of(ClaimsPrincipal principal)
    {
        if (principal.FindFirst(ClaimType)?.Value is { } identity)
        {
            return identity;
        }

        if (principal.Identity is not { IsAuthenticated: true } authenticated)
        {
            return Anonymous;
        }

        return authenticated.Name is { } name ? authenticated.AuthenticationType!.ToLowerInvariant() + ":" + name : "unnamed";
    }

    /// <summary>
    /// Whether a policy's <c>Principals</c> entry names <paramref name="identity"/>. A plain name means the Basic user or
    /// API key of that name (as before identities had a method); <c>basic:</c>, <c>apikey:</c> name one method;
    /// <c>jwt:subject</c> a token of the trusted issuer with that subject, <c>jwt:issuer|subject</c> exactly.
    /// </summary>
    public static bool Matches(string entry, string identity)
    {
        if (string.Equals(entry, identity, StringComparison.Ordinal))
        {
            return true; // a full identity, or "anonymous"
        }

        if (entry.StartsWith("basic:", StringComparison.Ordinal) || entry.StartsWith("apikey:", StringComparison.Ordinal))
        {
            return false;
        }

        if (entry.StartsWith("jwt:", StringComparison.Ordinal))
        {
            if (!identity.StartsWith("jwt:", StringComparison.Ordinal))
            {
                return false;
            }

            if (entry.Contains('|', StringComparison.Ordinal))
            {
                return false;
            }

            // The subject is what follows the issuer (issuers are URLs, without '|').
            var separator = identity.IndexOf('|', StringComparison.Ordinal);
            return separator >= 0 && identity.AsSpan(separator + 1).SequenceEqual(entry.AsSpan("jwt:".Length));
        }

        return string.Equals(identity, Basic(entry), StringComparison.Ordinal) || string.Equals(identity, ApiKey(entry), StringComparison.Ordinal);
    }
}
