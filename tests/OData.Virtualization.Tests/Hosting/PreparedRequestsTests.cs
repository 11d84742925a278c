using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Hosting;

namespace OData.Virtualization.Tests.Hosting;

public sealed class PreparedRequestsTests
{
    [Theory]
    [InlineData("transactions?$skiptoken=abc")]
    [InlineData("transactions?$top=5&%24skiptoken=abc")]
    [InlineData("transactions?$SKIPTOKEN=abc")]
    public void KeyOf_ALinkWithASkipToken_IsNotRemembered(string relative)
        => Assert.Null(PreparedRequests.KeyOf("scope", "http://h/odata/", relative, "", ""));

    [Fact]
    public void KeyOf_EveryPartThatShapesThePlan_GivesADifferentKey()
    {
        var keys = new[]
        {
            PreparedRequests.KeyOf("scope-a", "http://h/odata/", "accounts?$top=5", "application/json", ""),
            PreparedRequests.KeyOf("scope-b", "http://h/odata/", "accounts?$top=5", "application/json", ""),
            PreparedRequests.KeyOf("scope-a", "http://other/odata/", "accounts?$top=5", "application/json", ""),
            PreparedRequests.KeyOf("scope-a", "http://h/odata/", "accounts?$top=6", "application/json", ""),
            PreparedRequests.KeyOf("scope-a", "http://h/odata/", "accounts?$top=5", "application/json;odata.metadata=full", ""),
            PreparedRequests.KeyOf("scope-a", "http://h/odata/", "accounts?$top=5", "application/json", "odata.maxpagesize=2"),
        };
        Assert.Equal(keys.Length, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void OptionsChange_ForgetsEveryPlan()
    {
        var monitor = new Monitor();
        using var memo = new PreparedRequests(monitor);
        memo.Remember("k", null!);
        Assert.Equal(1, memo.Count);
        monitor.Change();
        Assert.Equal(0, memo.Count);
    }

    [Fact]
    public void Remember_StaysBounded()
    {
        using var memo = new PreparedRequests(new Monitor());
        for (var i = 0; i < PreparedRequests.MaxRemembered * 2 + 10; i++)
        {
            memo.Remember("k" + i, null!);
        }

        Assert.InRange(memo.Count, 1, PreparedRequests.MaxRemembered);
    }

    private sealed class Monitor : IOptionsMonitor<VirtualizationOptions>
    {
        private Action<VirtualizationOptions, string?>? _listener;

        public VirtualizationOptions CurrentValue { get; } = new();

        public VirtualizationOptions Get(string? name) => CurrentValue;

        public IDisposable OnChange(Action<VirtualizationOptions, string?> listener)
        {
            _listener = listener;
            return new Subscription();
        }

        public void Change() => _listener?.Invoke(CurrentValue, null);

        private sealed class Subscription : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }
}
