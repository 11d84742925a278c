using System.Globalization;
using Microsoft.AspNetCore.Http;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Security;

/// <summary>
/// A sign-in refused before its credentials were checked: too many failures from its address or for its user name
/// (429), or too many password checks waiting (503). The authentication handlers fail with it; the gatekeeper and the
/// administration endpoints answer it with <see cref="Answer"/> instead of a 401.
/// </summary>
internal sealed class SignInRefusedException(int status, string code, string reason, TimeSpan retryAfter) : Exception(reason)
{
    public static SignInRefusedException TooManyFailures(TimeSpan retryAfter)
        => new(429, "TooManySignInFailures", "Too many failed sign-ins came from this address or for this user name.", retryAfter);

    public static SignInRefusedException ChecksBusy()
        => new(503, "SignInBusy", "The server is checking too many passwords right now.", TimeSpan.FromSeconds(1));

    public int Status { get; } = status;

    public string Code { get; } = code;

    public TimeSpan RetryAfter { get; } = retryAfter;

    /// <summary>Sets <c>Retry-After</c> on the response and returns the OData error to write.</summary>
    public ODataProblem Answer(HttpContext context)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(RetryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return new ODataProblem(Status, Code, $"{Message} Retry after {seconds} seconds.");
    }
}
