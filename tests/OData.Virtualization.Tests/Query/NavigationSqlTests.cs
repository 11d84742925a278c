using Microsoft.OData.UriParser;
using OData.Virtualization.Query;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Query;

/// <summary>
/// A navigation path's statement (issue 12): the target set's query, restricted to the rows whose foreign key is in a
/// subquery of the parent by key, parameters only, in one sequence with the query's own.
/// </summary>
public sealed class NavigationSqlTests
{
    private static CompilerHarness Pg => CompilerHarness.Postgres;

    [Fact]
    public void CollectionNavigation_IsTheTargetFilteredByASubqueryOfTheParent()
    {
        var query = Navigated("customers(7)/sales_orders?$select=order_id&$filter=status eq 'open'&$top=5", "customers", 7, "sales_orders");
        var statement = SqlCompiler.Select(query, CompilerHarness.Now);
        SqlAssert.Sql(
            "SELECT t0.\"order_id\" FROM \"sales\".\"sales_orders\" AS t0 WHERE (t0.\"customer_id\" IN (SELECT n1.\"id\" FROM \"sales\".\"customers\" AS n1 WHERE n1.\"id\" = $1)) " +
            "AND (t0.\"status\"::text = $2) ORDER BY t0.\"order_id\" ASC LIMIT 5",
            statement);
        SqlAssert.Parameters(statement, 7, "open");
    }

    [Fact]
    public void SingleNavigation_AndTheParentCount()
    {
        var query = Navigated("sales_orders(5000000001)/customer?$select=name", "sales_orders", 5000000001L, "customer");
        SqlAssert.Sql(
            "SELECT t0.\"name\", t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"id\" IN (SELECT n1.\"customer_id\" FROM \"sales\".\"sales_orders\" AS n1 WHERE n1.\"order_id\" = $1)) ORDER BY t0.\"id\" ASC",
            SqlCompiler.Select(query, CompilerHarness.Now));
        var parent = SqlCompiler.ParentCount(query.Via!, CompilerHarness.Now);
        SqlAssert.Sql("SELECT COUNT(*) FROM \"sales\".\"sales_orders\" AS n1 WHERE n1.\"order_id\" = $1", parent);
        SqlAssert.Parameters(parent, 5000000001L);
    }

    [Fact]
    public void Chain_NestsOneSubqueryPerStep()
    {
        var orders = Navigated("customers(7)/sales_orders", "customers", 7, "sales_orders");
        var lines = Pg.Model.Sets["sales_orders"].Navigations.Single(n => n.Name == "order_lines");
        var query = Pg.Plan("order_lines?$select=line_no") with
        {
            Via = new NavigationSource(Pg.Model.Sets["sales_orders"], [(Pg.Model.Sets["sales_orders"].Key[0], (object)9L)], orders.Via, lines),
        };
        var statement = SqlCompiler.Count(query, CompilerHarness.Now);
        SqlAssert.Sql(
            "SELECT COUNT(*) FROM \"sales\".\"order_lines\" AS t0 WHERE (t0.\"order_id\" IN (SELECT n1.\"order_id\" FROM \"sales\".\"sales_orders\" AS n1 WHERE n1.\"order_id\" = $1 " +
            "AND (n1.\"customer_id\" IN (SELECT n2.\"id\" FROM \"sales\".\"customers\" AS n2 WHERE n2.\"id\" = $2))))",
            statement);
        SqlAssert.Parameters(statement, 9L, 7);
    }

    /// <summary>Plans <paramref name="url"/>'s options on the target set, with the parent by key as the endpoint's navigation planner does.</summary>
    private static EntityQuery Navigated(string url, string parentSet, object parentKey, string navigation)
    {
        var parent = Pg.Model.Sets[parentSet];
        var nav = parent.Navigations.Single(n => n.Name == navigation);
        var options = url.Contains('?', StringComparison.Ordinal) ? url[url.IndexOf('?', StringComparison.Ordinal)..] : string.Empty;
        var query = Pg.Plan(nav.Target.Name + options);
        return query with { Via = new NavigationSource(parent, [(parent.Key[0], parentKey)], null, nav) };
    }
}
