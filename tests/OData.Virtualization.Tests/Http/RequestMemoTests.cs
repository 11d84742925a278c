using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Http;

public sealed class RequestMemoTests
{
    private static readonly PreparedRequest s_prepared = Prepared("customers?$top=5");

    [Theory]
    [InlineData("transactions?$skiptoken=abc", "transactions?$skiptoken=")]
    [InlineData("transactions?$top=5&%24skiptoken=abc.def&$select=id", "transactions?$top=5&$skiptoken=&$select=id")]
    [InlineData("transactions?$SKIPTOKEN=abc", "transactions?$skiptoken=")]
    [InlineData("transactions?$top=5", null)] // no token: its own key
    [InlineData("transactions?$skiptoken=a&$skiptoken=b", null)] // two tokens: planned (and refused) every time
    [InlineData("transactions?$skip%74oken=a", null)] // spelled in a way this does not read: planned every time
    public void WalkOf_LeavesOutTheTokensValueOnly(string relative, string? walk)
        => Assert.Equal(walk, RequestMemo.WalkOf(relative));

    [Fact]
    public void Remember_AContinuation_IsRememberedByItsWalk_AndNeverAnsweredFromARememberedKey()
    {
        using var memo = new RequestMemo(new ChangeableOptions());
        const string relative = "customers?$top=50&$skiptoken=abc";
        var key = RequestMemo.Key("scope", "http://h/odata/", RequestMemo.WalkOf(relative)!, "", "");
        var paged = s_prepared with { Page = new OData.Virtualization.Paging.PagePlan(s_prepared.Query, 5, true, 0, 5, "f", null) };
        memo.Remember(key, relative, paged);
        memo.RememberAnswer(key, "cache-key", TimeSpan.FromSeconds(30), 0);

        Assert.True(memo.TryGet(key, out var entry));
        Assert.Same(paged, entry.Prepared);
        Assert.Null(entry.Answer); // each token is its own page
    }

    [Fact]
    public void Remember_AContinuationThatIsNotAPagedCollection_IsNotRemembered()
    {
        using var memo = new RequestMemo(new ChangeableOptions());
        const string relative = "customers?$top=50&$skiptoken=abc";
        var key = RequestMemo.Key("scope", "http://h/odata/", RequestMemo.WalkOf(relative)!, "", "");
        memo.Remember(key, relative, s_prepared);
        Assert.False(memo.TryGet(key, out _));
    }

    [Fact]
    public void Remember_APlannedRequest_IsFoundByTheSameKeyWithItsPlan()
    {
        using var memo = new RequestMemo(new ChangeableOptions());
        var key = RequestMemo.Key("scope", "http://h/odata/", "customers?$top=5", "application/json", "");
        memo.Remember(key, "customers?$top=5", s_prepared);
        Assert.True(memo.TryGet(key, out var entry));
        Assert.Same(s_prepared, entry.Prepared);
        Assert.Null(entry.Answer);
    }

    [Fact]
    public void Key_EveryPartThatShapesThePlan_GivesADifferentKey()
    {
        var keys = new[]
        {
            RequestMemo.Key("scope-a", "http://h/odata/", "accounts?$top=5", "application/json", ""),
            RequestMemo.Key("scope-b", "http://h/odata/", "accounts?$top=5", "application/json", ""),
            RequestMemo.Key("scope-a", "http://other/odata/", "accounts?$top=5", "application/json", ""),
            RequestMemo.Key("scope-a", "http://h/odata/", "accounts?$top=6", "application/json", ""),
            RequestMemo.Key("scope-a", "http://h/odata/", "accounts?$top=5", "application/json;odata.metadata=full", ""),
            RequestMemo.Key("scope-a", "http://h/odata/", "accounts?$top=5", "application/json", "odata.maxpagesize=2"),
        };
        Assert.Equal(keys.Length, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void RememberAnswer_ARequestWithNow_IsNeverAnsweredFromARememberedKey()
    {
        using var memo = new RequestMemo(new ChangeableOptions());
        const string relative = "customers?$filter=created_at%20lt%20now()";
        var key = RequestMemo.Key("scope", "http://h/odata/", relative, "", "");
        memo.Remember(key, relative, s_prepared);
        memo.RememberAnswer(key, "cache-key", TimeSpan.FromSeconds(30), 0);
        Assert.True(memo.TryGet(key, out var entry));
        Assert.Null(entry.Answer);
    }

    [Fact]
    public void RememberAnswer_ARememberedRequest_KeepsTheCacheKeyAndTtl()
    {
        using var memo = new RequestMemo(new ChangeableOptions());
        var key = RequestMemo.Key("scope", "http://h/odata/", "customers?$top=5", "", "");
        memo.Remember(key, "customers?$top=5", s_prepared);
        memo.RememberAnswer(key, "cache-key", TimeSpan.FromSeconds(30), 0);
        Assert.True(memo.TryGet(key, out var entry));
        Assert.Equal(new RequestMemo.CachedAnswer("cache-key", TimeSpan.FromSeconds(30), 0), entry.Answer);
    }

    [Fact]
    public void OptionsChange_ForgetsEveryPlanAndMovesTheGeneration()
    {
        var monitor = new ChangeableOptions();
        using var memo = new RequestMemo(monitor);
        memo.Remember("k", "customers", s_prepared);
        var generation = memo.Generation;
        Assert.Equal(1, memo.Count);
        monitor.Change(new VirtualizationOptions());
        Assert.Equal(0, memo.Count);
        Assert.NotEqual(generation, memo.Generation);
    }

    [Fact]
    public void Remember_StaysBounded()
    {
        using var memo = new RequestMemo(new ChangeableOptions());
        for (var i = 0; i < RequestMemo.MaxRemembered * 2 + 10; i++)
        {
            memo.Remember("k" + i, "customers", s_prepared);
        }

        Assert.InRange(memo.Count, 1, RequestMemo.MaxRemembered);
    }

    private static PreparedRequest Prepared(string relative)
    {
        var query = CompilerHarness.Postgres.Plan(relative);
        return new PreparedRequest(PreparedKind.Collection, query.Set, query, null, ResponseFormat.Default);
    }
}
