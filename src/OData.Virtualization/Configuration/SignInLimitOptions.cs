namespace OData.Virtualization.Configuration;

/// <summary>
/// Limits on signing in with HTTP Basic and API keys (the <c>OData:Security:SignInLimits</c> section). Failures are
/// counted per client address and per user name; a request over either limit is answered 429 with <c>Retry-After</c>
/// before any password or key is checked. Password checks (PBKDF2, slow on purpose) run a few at a time, so that a
/// flood of wrong passwords cannot take every processor.
/// </summary>
public sealed class SignInLimitOptions
{
    /// <summary>
    /// Failed sign-ins (wrong or unknown user, wrong password, wrong API key) from one client address in a window,
    /// after which that address's sign-ins are refused until the window ends. IPv6 addresses count per /64 network.
    /// Behind a proxy, list it in <c>OData:Transport:KnownProxies</c> so that the client's address is the one counted;
    /// without a client address (a Unix socket) this limit does not apply. Default: 10. 0 turns the limit off.
    /// </summary>
    public int FailuresPerAddress { get; init; } = 10;

    /// <summary>
    /// Failed HTTP Basic sign-ins for one user name (known or not) from any address in a window, after which that
    /// name's sign-ins are refused until the window ends, except from addresses where the user signed in during the
    /// last day. Default: 50. 0 turns the limit off.
    /// </summary>
    public int FailuresPerUser { get; init; } = 50;

    /// <summary>The window in seconds, from an address's or a name's first failure in it. Default: 300.</summary>
    public int WindowSeconds { get; init; } = 300;

    /// <summary>Password checks running at once. Default: 0, half the processors (at least 1).</summary>
    public int ConcurrentPasswordChecks { get; init; }

    /// <summary>Password checks waiting for their turn; beyond them a sign-in is answered 503 with <c>Retry-After</c>. Default: 16.</summary>
    public int QueuedPasswordChecks { get; init; } = 16;
}
