using OData.Virtualization.Paging;
using OData.Virtualization.Query;
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

    [Fact]
    public void FirstPage_IsCompiledOncePerPageSize_WithItsCountAndWindowedForm()
    {
        var prepared = Prepared("customers?$filter=score gt 3&$count=true");
        var (page, count) = prepared.Pages.Compile(Page(prepared, limit: 11), CompilerHarness.Now);
        var again = prepared.Pages.Compile(Page(prepared, limit: 11), CompilerHarness.Now.AddHours(1));
        var other = prepared.Pages.Compile(Page(prepared, limit: 26), CompilerHarness.Now);
        var windowed = prepared.Pages.CompileWindowed(Page(prepared, limit: 11), CompilerHarness.Now);

        Assert.Same(page, again.Page);
        Assert.Same(count, again.Count);
        Assert.NotNull(count);
        Assert.EndsWith(" LIMIT 11", page.Statement.Text, StringComparison.Ordinal);
        Assert.EndsWith(" LIMIT 26", other.Page.Statement.Text, StringComparison.Ordinal);
        Assert.Contains("COUNT(*) OVER ()", windowed.Statement.Text, StringComparison.Ordinal);
        Assert.Same(windowed, prepared.Pages.CompileWindowed(Page(prepared, limit: 11), CompilerHarness.Now));
    }

    [Fact]
    public void ContinuationPage_AndNow_AreCompiledEveryTime()
    {
        var prepared = Prepared("customers?$filter=score gt 3");
        var after = Page(prepared, limit: 11, after: [42]);
        Assert.NotSame(prepared.Pages.Compile(after, CompilerHarness.Now).Page, prepared.Pages.Compile(after, CompilerHarness.Now).Page);

        var timed = Prepared("sales_orders?$filter=ordered_on lt now()");
        var first = timed.Pages.Compile(Page(timed, limit: 11), CompilerHarness.Now).Page;
        var later = timed.Pages.Compile(Page(timed, limit: 11), CompilerHarness.Now.AddHours(1)).Page;
        Assert.NotEqual(first.Statement.Parameters.Select(p => p.Value), later.Statement.Parameters.Select(p => p.Value));
    }

    private static PagePlan Page(PreparedRequest prepared, long limit, object?[]? after = null)
        => new(prepared.Query with { Paging = new PageWindow(limit, after) }, limit - 1, true, after is null ? 0 : 10, (int)limit - 1, "f", null);

    private static PreparedRequest Prepared(string relative)
    {
        var query = CompilerHarness.Postgres.Plan(relative);
        return new PreparedRequest(PreparedKind.Collection, query.Set, query, null, ResponseFormat.Default);
    }
}
