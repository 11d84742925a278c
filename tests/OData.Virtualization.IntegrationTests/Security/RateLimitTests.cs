using System.Globalization;
using System.Net;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>A principal whose policy allows 3 requests a minute gets a 429 on the 4th; other principals do not notice.</summary>
[Collection(SecureBankCollection.Name)]
public sealed class RateLimitTests(SecureBankFixture bank)
{
    [Fact]
    public async Task FourthRequestInAMinute_Is429WithRetryAfter_AndOtherPrincipalsAreUnaffected()
    {
        using var metered = bank.AsUser("metered");
        using var teller = bank.AsUser("teller");
        for (var i = 1; i <= 3; i++)
        {
            using var ok = await metered.GetAsync("accounts/$count");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("3;w=60", ok.Headers.GetValues("RateLimit-Policy").Single());
        }

        var (response, body) = await metered.SendAsync(HttpMethod.Get, "accounts/$count");
        using (response)
        {
            var error = ODataAssert.AssertError(response, body, HttpStatusCode.TooManyRequests, "the 4th request of 'metered'");
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
            var retryAfter = response.Headers.RetryAfter;
            Assert.NotNull(retryAfter);
            var seconds = retryAfter!.Delta?.TotalSeconds ?? double.Parse(response.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
            Assert.InRange(seconds, 1, 60);
            Assert.Equal("0", response.Headers.GetValues("RateLimit-Remaining").Single());
        }

        // Still limited for anything else it asks, while others are served.
        using (var again = await metered.GetAsync("$metadata"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        }

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(1000, await teller.GetCountAsync("accounts/$count"));
        }

        using var admin = bank.AsUser("admin");
        Assert.Equal(20000, await admin.GetCountAsync("accounts/$count"));
    }
}
