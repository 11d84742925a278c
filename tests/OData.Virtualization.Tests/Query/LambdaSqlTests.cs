using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Query;

/// <summary><c>any</c>/<c>all</c>/<c>Nav/$count</c> in <c>$filter</c>: correlated subqueries of the related set, parameters only.</summary>
public sealed class LambdaSqlTests
{
    private static CompilerHarness Pg => CompilerHarness.Postgres;

    [Fact]
    public void Any_IsExists()
    {
        var statement = Pg.Select("customers?$select=id&$filter=sales_orders/any(o: o/status eq 'open')");
        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (EXISTS (SELECT 1 FROM \"sales\".\"sales_orders\" AS l1 WHERE l1.\"customer_id\" = t0.\"id\" AND (l1.\"status\"::text = $1))) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, "open");
    }

    [Fact]
    public void All_IsNotExistsOfARowWhoseBodyIsNotTrue_NestedLambdasTakeTheNextAlias()
    {
        var statement = Pg.Select("customers?$select=id&$filter=sales_orders/all(o: o/order_lines/any(l: l/quantity gt 2 and o/total gt 10))");
        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (NOT EXISTS (SELECT 1 FROM \"sales\".\"sales_orders\" AS l1 WHERE l1.\"customer_id\" = t0.\"id\" AND (NOT " +
            "(EXISTS (SELECT 1 FROM \"sales\".\"order_lines\" AS l2 WHERE l2.\"order_id\" = l1.\"order_id\" AND ((l2.\"quantity\" > $1) AND (l1.\"total\" > $2))))))) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, 2, 10m);
    }

    [Fact]
    public void NavigationCount_IsACorrelatedCount()
    {
        var statement = Pg.Count("customers?$filter=sales_orders/$count gt 3");
        SqlAssert.Sql(
            "SELECT COUNT(*) FROM \"sales\".\"customers\" AS t0 WHERE ((SELECT COUNT(*) FROM \"sales\".\"sales_orders\" AS l1 WHERE l1.\"customer_id\" = t0.\"id\") > $1)",
            statement);
    }
}
