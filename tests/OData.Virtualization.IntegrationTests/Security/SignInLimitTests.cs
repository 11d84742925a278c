using System.Globalization;
using System.Net;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// Failed HTTP Basic and API-key sign-ins are limited per client address and per user name (a server of each test's
/// own: 5 failures per address, 12 per user name, in 300 seconds). Over a limit, a request is answered 429 with
/// <c>Retry-After</c> before any password is checked (the server's count of PBKDF2 runs does not move); unknown users
/// take the same path as known ones; password checks run one at a time here, with a short queue, beyond which 503.
/// </summary>
public sealed class SignInLimitTests
{
    private const string AddressA = "198.51.100.1";
    private const string AddressB = "198.51.100.2";

    [Fact]
    public async Task WrongPasswords_OverTheAddressLimit_Are429BeforeAnyCheck_AndTheRightPasswordFromAnotherAddressWorks()
    {
        await using var server = await SignInServer.StartAsync();
        for (var i = 1; i <= 5; i++)
        {
            var (wrong, body) = await server.BasicAsync(AddressA, "alice", "wrong-" + i);
            using (wrong)
            {
                ODataAssert.AssertError(wrong, body, HttpStatusCode.Unauthorized, $"wrong password {i} from A");
            }
        }

        Assert.Equal(5, server.PasswordChecks);

        // The sixth from A, wrong or right, Basic or API key: 429 before any check.
        AssertRefused(await server.BasicAsync(AddressA, "alice", "wrong-6"), "a sixth wrong password from A");
        AssertRefused(await server.BasicAsync(AddressA, "alice", SignInServer.Passwords["alice"]), "the right password from A");
        AssertRefused(await server.ApiKeyAsync(AddressA, SignInServer.MonitorKey), "a valid API key from A");
        Assert.Equal(5, server.PasswordChecks);

        // Another address is not refused: the right password works there.
        var (right, rightBody) = await server.BasicAsync(AddressB, "alice", SignInServer.Passwords["alice"]);
        using (right)
        {
            Assert.True(right.StatusCode == HttpStatusCode.OK, $"the right password from B: {(int)right.StatusCode} {rightBody}");
        }

        // When the window has passed, A may try again.
        server.Clock.Advance(TimeSpan.FromSeconds(301));
        var (again, againBody) = await server.BasicAsync(AddressA, "alice", SignInServer.Passwords["alice"]);
        using (again)
        {
            Assert.True(again.StatusCode == HttpStatusCode.OK, $"the right password from A after the window: {(int)again.StatusCode} {againBody}");
        }
    }

    [Fact]
    public async Task WrongApiKeys_OverTheAddressLimit_Are429_AndOtherAddressesAreServed()
    {
        await using var server = await SignInServer.StartAsync();
        for (var i = 1; i <= 5; i++)
        {
            var (wrong, body) = await server.ApiKeyAsync(AddressA, "odv_wrong-" + i);
            using (wrong)
            {
                ODataAssert.AssertError(wrong, body, HttpStatusCode.Unauthorized, $"wrong API key {i} from A");
            }
        }

        AssertRefused(await server.ApiKeyAsync(AddressA, "odv_wrong-6"), "a sixth wrong API key from A");
        AssertRefused(await server.ApiKeyAsync(AddressA, SignInServer.MonitorKey), "the valid API key from A");
        AssertRefused(await server.BasicAsync(AddressA, "bob", SignInServer.Passwords["bob"]), "a valid password from A");
        Assert.Equal(0, server.PasswordChecks);

        var (valid, validBody) = await server.ApiKeyAsync(AddressB, SignInServer.MonitorKey);
        using (valid)
        {
            Assert.True(valid.StatusCode == HttpStatusCode.OK, $"the valid API key from B: {(int)valid.StatusCode} {validBody}");
        }
    }

    [Fact]
    public async Task UnknownUser_AndKnownUserWithAWrongPassword_TakeTheSamePath()
    {
        await using var server = await SignInServer.StartAsync();
        var attempts = new[] { ("nobody", "x"), ("alice", "x"), ("mallory", "alice-Passw0rd-ä"), ("bob", "x"), ("Alice", SignInServer.Passwords["alice"]) };
        var messages = new List<string>();
        for (var i = 0; i < attempts.Length; i++)
        {
            var (user, password) = attempts[i];
            var (response, body) = await server.BasicAsync(AddressA, user, password);
            using (response)
            {
                var error = ODataAssert.AssertError(response, body, HttpStatusCode.Unauthorized, $"{user}:{password}");
                messages.Add(error.GetProperty("message").GetString()!);
                Assert.Contains(response.Headers.WwwAuthenticate, c => c.Scheme == "Basic");
            }

            // Exactly one password check each, known or not.
            Assert.Equal(i + 1, server.PasswordChecks);
        }

        Assert.Single(messages.Distinct(StringComparer.Ordinal));

        // Both kinds counted toward the address's limit, and both refused alike once over it.
        var refused = new List<string>();
        foreach (var (user, password) in new[] { ("nobody", "x"), ("alice", "x") })
        {
            refused.Add(AssertRefused(await server.BasicAsync(AddressA, user, password), $"{user} over the limit"));
        }

        Assert.Single(refused.Distinct(StringComparer.Ordinal));
        Assert.Equal(attempts.Length, server.PasswordChecks);
    }

    [Fact]
    public async Task WrongPasswordsForOneUser_FromManyAddresses_OverTheUserLimit_Are429_ExceptFromAnAddressItSignedInFrom()
    {
        await using var server = await SignInServer.StartAsync();
        const string Home = "203.0.113.200";
        var (signedIn, signedInBody) = await server.BasicAsync(Home, "bob", SignInServer.Passwords["bob"]);
        using (signedIn)
        {
            Assert.True(signedIn.StatusCode == HttpStatusCode.OK, $"bob at home: {(int)signedIn.StatusCode} {signedInBody}");
        }

        // 12 wrong passwords for bob, one from each address: no address is over its own limit.
        for (var i = 1; i <= 12; i++)
        {
            var (wrong, body) = await server.BasicAsync("203.0.113." + i, "bob", "guess-" + i);
            using (wrong)
            {
                ODataAssert.AssertError(wrong, body, HttpStatusCode.Unauthorized, $"guess {i}");
            }
        }

        var checks = server.PasswordChecks;
        AssertRefused(await server.BasicAsync("203.0.113.13", "bob", SignInServer.Passwords["bob"]), "bob's right password from a new address");
        AssertRefused(await server.BasicAsync("203.0.113.14", "bob", "guess-14"), "a 13th guess for bob");
        Assert.Equal(checks, server.PasswordChecks);

        // Where bob signed in before, bob is still served; other users from new addresses too.
        var (home, homeBody) = await server.BasicAsync(Home, "bob", SignInServer.Passwords["bob"]);
        using (home)
        {
            Assert.True(home.StatusCode == HttpStatusCode.OK, $"bob at home during the attack: {(int)home.StatusCode} {homeBody}");
        }

        var (alice, aliceBody) = await server.BasicAsync("203.0.113.15", "alice", SignInServer.Passwords["alice"]);
        using (alice)
        {
            Assert.True(alice.StatusCode == HttpStatusCode.OK, $"alice from a new address: {(int)alice.StatusCode} {aliceBody}");
        }
    }

    [Fact]
    public async Task PasswordChecks_RunOneAtATime_AndBeyondTheQueue_Are503WithRetryAfter()
    {
        await using var server = await SignInServer.StartAsync(settings =>
        {
            settings["OData:Security:SignInLimits:ConcurrentPasswordChecks"] = "1";
            settings["OData:Security:SignInLimits:QueuedPasswordChecks"] = "2";
        });

        // 40 wrong logins at once, each from an address and for a user name of its own: no sign-in limit applies.
        var answers = await Task.WhenAll(Enumerable.Range(1, 40).Select(i => server.BasicAsync("192.0.2." + i, "user" + i, "x")));
        var statuses = answers.Select(a => a.Response.StatusCode).ToList();
        try
        {
            Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.ServiceUnavailable, $"status {(int)s}"));
            var busy = answers.Where(a => a.Response.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
            Assert.NotEmpty(busy);
            foreach (var (response, body) in busy)
            {
                ODataAssert.AssertError(response, body, HttpStatusCode.ServiceUnavailable, "a password check beyond the queue");
                Assert.InRange(RetryAfterSeconds(response), 1, 60);
            }

            Assert.Equal(statuses.Count(s => s == HttpStatusCode.Unauthorized), server.PasswordChecks);
            Assert.Equal(1, server.PeakConcurrentChecks);
        }
        finally
        {
            foreach (var (response, _) in answers)
            {
                response.Dispose();
            }
        }
    }

    /// <summary>Asserts a 429 with <c>Retry-After</c> within the window and an OData error; returns its message.</summary>
    private static string AssertRefused((HttpResponseMessage Response, string Body) answer, string what)
    {
        var (response, body) = answer;
        using (response)
        {
            var error = ODataAssert.AssertError(response, body, HttpStatusCode.TooManyRequests, what);
            Assert.InRange(RetryAfterSeconds(response), 1, 300);
            return error.GetProperty("message").GetString()!;
        }
    }

    private static double RetryAfterSeconds(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("Retry-After", out var values), $"{(int)response.StatusCode} without Retry-After");
        return double.Parse(values!.Single(), CultureInfo.InvariantCulture);
    }
}
