using OData.Virtualization.Configuration;
using OData.Virtualization.Hosting;
using OData.Virtualization.Security;

namespace OData.Virtualization.Tests.Query;

public sealed class EffectiveLimitsTests
{
    private static readonly LimitOptions s_global = new() { MaxTop = 0, MaxExpandDepth = 3, MaxFilterNodes = 2000, MaxInListLength = 1000 };

    [Fact]
    public void Effective_NothingOverridden_IsTheGlobalLimits()
    {
        var limits = EffectiveLimits.For(s_global, new SourceOptions(), new PrincipalLimitOptions());

        Assert.Equal((0L, 3, 2000, 1000), (limits.MaxTop, limits.MaxExpandDepth, limits.MaxFilterNodes, limits.MaxInListLength));
    }

    [Fact]
    public void Effective_PrincipalLimits_ReplaceTheGlobalOnes_EvenWhenMoreGenerous()
    {
        var limits = EffectiveLimits.For(s_global, new SourceOptions(), new PrincipalLimitOptions { MaxTop = 500, MaxExpandDepth = 5, MaxInListLength = 5000 });

        Assert.Equal((500L, 5, 2000, 5000), (limits.MaxTop, limits.MaxExpandDepth, limits.MaxFilterNodes, limits.MaxInListLength));
    }

    [Fact]
    public void Effective_SourceCaps_WinOverAMoreGenerousPrincipal()
    {
        var source = new SourceOptions { MaxTop = 100, MaxExpandDepth = 1, MaxFilterNodes = 50, MaxInListLength = 10 };

        var limits = EffectiveLimits.For(s_global, source, new PrincipalLimitOptions { MaxTop = 500, MaxExpandDepth = 5, MaxInListLength = 5000 });

        Assert.Equal((100L, 1, 50, 10), (limits.MaxTop, limits.MaxExpandDepth, limits.MaxFilterNodes, limits.MaxInListLength));
    }

    [Fact]
    public void Effective_SourceCapAboveTheLimit_ChangesNothing()
    {
        var limits = EffectiveLimits.For(s_global, new SourceOptions { MaxExpandDepth = 8 }, new PrincipalLimitOptions());

        Assert.Equal(3, limits.MaxExpandDepth);
    }
}
