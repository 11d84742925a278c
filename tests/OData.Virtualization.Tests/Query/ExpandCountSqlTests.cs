using OData.Virtualization.Query;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Query;

/// <summary><c>$count=true</c> inside <c>$expand</c>: a level that counts each parent's related rows, grouped by the foreign key.</summary>
public sealed class ExpandCountSqlTests
{
    [Fact]
    public void CountLevel_FollowsItsLevel_AndCountsBeforeTopWithTheNestedFilter()
    {
        var query = CompilerHarness.Postgres.Plan("customers?$select=id&$expand=sales_orders($count=true;$top=2;$filter=status eq 'open';$select=order_id)");
        Assert.Equal(2, query.Expands.Count);
        Assert.False(query.Expands[0].CountsOnly);
        Assert.True(query.Expands[1].CountsOnly);
        var statement = SqlCompiler.Expand(query.Expands[1], [[7]], CompilerHarness.Now);
        SqlAssert.Sql(
            "SELECT COUNT(*) AS \"__count\", NULL, t0.\"customer_id\" FROM \"sales\".\"sales_orders\" AS t0 WHERE (t0.\"customer_id\" = ANY($1)) AND (t0.\"status\"::text = $2) GROUP BY t0.\"customer_id\"",
            statement);
    }

    [Fact]
    public void WithoutCount_NoCountLevel()
        => Assert.Single(CompilerHarness.Sqlite.Plan("customers?$expand=sales_orders($count=false)").Expands);
}
