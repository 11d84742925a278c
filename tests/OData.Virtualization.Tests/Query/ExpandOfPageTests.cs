using OData.Virtualization.Configuration;
using OData.Virtualization.Query;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Query;

/// <summary>
/// An expanded level read in its page's batch (issue 17): the parents are the page itself, compiled as a subquery into
/// the level's statement, its parameters numbered after the level's own.
/// </summary>
public sealed class ExpandOfPageTests
{
    private static CompilerHarness Pg => CompilerHarness.Postgres;

    [Fact]
    public void ExpandOfPage_ParentsAreThePagesRows_ParametersInOneSequence()
    {
        var query = Pg.Plan("customers?$select=id&$filter=name eq 'Zoë'&$orderby=name&$top=20&$expand=sales_orders($select=order_id;$filter=status eq 'open')");
        var statement = SqlCompiler.Expand(query.Expands[0], SqlCompiler.PageRows(query, CompilerHarness.Now), CompilerHarness.Now);

        // The page's WHERE, order (ending with the key) and limit, selecting only the join column.
        SqlAssert.Sql(
            "SELECT t0.\"order_id\", t0.\"customer_id\" FROM \"sales\".\"sales_orders\" AS t0 WHERE (t0.\"customer_id\" = ANY(ARRAY(SELECT p.\"id\" FROM (" +
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"name\" = $1) ORDER BY t0.\"name\" ASC, t0.\"id\" ASC LIMIT 20) AS p))) " +
            "AND (t0.\"status\"::text = $2) ORDER BY t0.\"order_id\" ASC",
            statement);
        SqlAssert.Parameters(statement, "Zoë", "open");
    }

    [Fact]
    public void ExpandOfExpand_NestedLevelsParentsAreTheLevelAboveWithItsCap()
    {
        var query = Pg.Plan("customers?$select=id&$top=5&$expand=sales_orders($select=order_id;$top=2;$skip=1;$expand=order_lines($select=line_no))", new LimitOptions());
        var orders = query.Expands[0];
        var page = SqlCompiler.PageRows(query, CompilerHarness.Now);
        var statement = SqlCompiler.Expand(orders.Query.Expands[0], SqlCompiler.ExpandRows(orders, page, CompilerHarness.Now), CompilerHarness.Now);

        // The lines' parents are the orders the level above returns: the same window per customer ($skip=1, $top=2).
        SqlAssert.Sql(
            "SELECT c.* FROM (SELECT DISTINCT p.\"order_id\" FROM (" +
            "SELECT c.\"order_id\" FROM (SELECT DISTINCT p.\"id\" FROM (SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 ORDER BY t0.\"id\" ASC LIMIT 5) AS p) AS p " +
            "CROSS JOIN LATERAL (SELECT t0.\"order_id\" FROM \"sales\".\"sales_orders\" AS t0 WHERE t0.\"customer_id\" = p.\"id\" ORDER BY t0.\"order_id\" ASC LIMIT 2 OFFSET $1) AS c" +
            ") AS p) AS p CROSS JOIN LATERAL (SELECT t0.\"line_no\", t0.\"order_id\" " +
            "FROM \"sales\".\"order_lines\" AS t0 WHERE t0.\"order_id\" = p.\"order_id\" ORDER BY t0.\"order_id\" ASC, t0.\"line_no\" ASC LIMIT 1000) AS c " +
            "ORDER BY c.\"order_id\" ASC, c.\"line_no\" ASC",
            statement);
        SqlAssert.Parameters(statement, 1L);
    }

    [Fact]
    public void ExpandOfPage_LateralOnThePagesKey_TakesTheKeysAsTheyAre_ANestedLevelKeepsDistinct()
    {
        var query = Pg.Plan("customers?$select=id&$top=5&$expand=sales_orders($select=order_id;$top=2;$expand=order_lines($select=line_no;$top=3))", new LimitOptions());
        var batch = OData.Virtualization.Execution.ExpandBatch.Plan(query, CompilerHarness.Now)!;

        // A page's rows are unique by the table's primary key: no DISTINCT over them (the hand-written statement has none).
        Assert.StartsWith(
            "SELECT c.* FROM (SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 ORDER BY t0.\"id\" ASC LIMIT 5) AS p CROSS JOIN LATERAL (",
            batch.Levels[0].Statement.Text,
            StringComparison.Ordinal);

        // An expanded level's rows may repeat a join value: its children still read each value once.
        Assert.Contains("SELECT DISTINCT p.\"order_id\" FROM (", batch.Levels[1].Statement.Text, StringComparison.Ordinal);
    }
}
