using OData.Virtualization.Serialization;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Http;

/// <summary>A remembered request's statement is compiled once, unless it binds the instant of the request.</summary>
public sealed class PreparedRequestTests
{
    [Fact]
    public void Select_WithoutNow_IsCompiledOnce()
    {
        var prepared = Prepared("customers?$filter=score gt 3");
        var first = prepared.Select(CompilerHarness.Now);

        Assert.False(first.UsesNow);
        Assert.Same(first, prepared.Select(CompilerHarness.Now.AddHours(1)));
    }

    [Theory]
    [InlineData("sales_orders?$filter=ordered_on lt now()")]
    [InlineData("sales_orders?$filter=ordered_on lt now() or total gt 5")]
    public void Select_WithNow_IsCompiledForEveryInstant(string relative)
    {
        var prepared = Prepared(relative);
        var first = prepared.Select(CompilerHarness.Now);
        var later = prepared.Select(CompilerHarness.Now.AddHours(1));

        Assert.True(first.UsesNow);
        Assert.NotSame(first, later);
        Assert.NotEqual(first.Parameters.Select(p => p.Value), later.Parameters.Select(p => p.Value));
    }

    private static PreparedRequest Prepared(string relative)
    {
        var query = CompilerHarness.Postgres.Plan(relative);
        return new PreparedRequest(PreparedKind.Collection, query.Set, query, null, ResponseFormat.Default);
    }
}
