using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OData.Virtualization.Configuration;
using OData.Virtualization.Security;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Security;

/// <summary>
/// Failed sign-ins per client address and per user name, in windows from the first failure: over a limit a sign-in is
/// refused (with how long to wait) until the window ends; a started sign-in counts until it is refunded; IPv6 counts
/// per /64; where a user signed in, that user's name limit does not apply; no address, no address limit.
/// </summary>
public sealed class FailedSignInsTests
{
    private static readonly IPAddress s_a = IPAddress.Parse("198.51.100.1");
    private static readonly IPAddress s_b = IPAddress.Parse("198.51.100.2");

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryStart_OverTheAddressLimit_IsRefusedUntilTheWindowEnds()
    {
        var signIns = SignIns(perAddress: 3, perUser: 0);
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(signIns.TryStart(s_a, "alice"));
        }

        Assert.Equal(TimeSpan.FromSeconds(300), signIns.TryStart(s_a, "alice"));
        Assert.Equal(TimeSpan.FromSeconds(300), signIns.TryStart(s_a, user: null));
        Assert.Null(signIns.TryStart(s_b, "alice"));

        _clock.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(TimeSpan.FromSeconds(200), signIns.TryStart(s_a, "bob"));
        _clock.Advance(TimeSpan.FromSeconds(200));
        Assert.Null(signIns.TryStart(s_a, "alice"));
    }

    [Fact]
    public void Refund_GivesTheAttemptBack()
    {
        var signIns = SignIns(perAddress: 2, perUser: 0);
        Assert.Null(signIns.TryStart(s_a, "alice"));
        Assert.Null(signIns.TryStart(s_a, "alice"));
        signIns.Refund(s_a, "alice", checkedRight: false);
        Assert.Null(signIns.TryStart(s_a, "alice"));
        Assert.NotNull(signIns.TryStart(s_a, "alice"));
    }

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    [InlineData("::ffff:198.51.100.1", "198.51.100.1", true)]
    [InlineData("198.51.100.1", "198.51.100.2", false)]
    public void Addresses_CountPerIPv4AddressAndPerIPv6Slash64(string first, string second, bool together)
    {
        var signIns = SignIns(perAddress: 1, perUser: 0);
        Assert.Null(signIns.TryStart(IPAddress.Parse(first), "alice"));
        Assert.Equal(together, signIns.TryStart(IPAddress.Parse(second), "alice") is not null);
    }

    [Fact]
    public void UserLimit_AppliesFromEveryAddress_ExceptWhereTheUserSignedIn()
    {
        var signIns = SignIns(perAddress: 0, perUser: 2);
        var home = IPAddress.Parse("203.0.113.200");
        Assert.Null(signIns.TryStart(home, "bob"));
        signIns.Refund(home, "bob", checkedRight: true);

        Assert.Null(signIns.TryStart(IPAddress.Parse("203.0.113.1"), "bob"));
        Assert.Null(signIns.TryStart(IPAddress.Parse("203.0.113.2"), "bob"));
        Assert.NotNull(signIns.TryStart(IPAddress.Parse("203.0.113.3"), "bob"));
        Assert.Null(signIns.TryStart(home, "bob"));
        Assert.Null(signIns.TryStart(IPAddress.Parse("203.0.113.3"), "alice"));

        // The exemption lasts a day.
        _clock.Advance(TimeSpan.FromHours(25));
        for (var i = 0; i < 2; i++)
        {
            Assert.Null(signIns.TryStart(IPAddress.Parse("203.0.113.1"), "bob"));
        }

        Assert.NotNull(signIns.TryStart(home, "bob"));
    }

    [Fact]
    public void UnknownAndLongNames_AreCountedLikeKnownOnes()
    {
        var signIns = SignIns(perAddress: 0, perUser: 1);
        var longName = new string('x', 10_000);
        Assert.Null(signIns.TryStart(s_a, longName));
        Assert.NotNull(signIns.TryStart(s_b, longName));
        Assert.Null(signIns.TryStart(s_b, longName[..^1]));
    }

    [Fact]
    public void NoAddress_HasNoAddressLimit_ButTheUserLimitHolds()
    {
        var signIns = SignIns(perAddress: 1, perUser: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(signIns.TryStart(address: null, "alice"));
        }

        Assert.NotNull(signIns.TryStart(address: null, "alice"));
        Assert.Null(signIns.TryStart(address: null, user: null));
    }

    [Fact]
    public void LimitsOfZero_AreOff()
    {
        var signIns = SignIns(perAddress: 0, perUser: 0);
        for (var i = 0; i < 1_000; i++)
        {
            Assert.Null(signIns.TryStart(s_a, "alice"));
        }
    }

    private FailedSignIns SignIns(int perAddress, int perUser)
    {
        var options = new VirtualizationOptions
        {
            Security = new SecurityOptions { SignInLimits = new SignInLimitOptions { FailuresPerAddress = perAddress, FailuresPerUser = perUser, WindowSeconds = 300 } },
        };
        return new FailedSignIns(new ChangeableOptions(options), _clock, NullLogger<FailedSignIns>.Instance);
    }
}
