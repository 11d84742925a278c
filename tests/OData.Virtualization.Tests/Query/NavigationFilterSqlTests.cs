using OData.Virtualization.Query;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Query;

/// <summary>
/// Single-valued navigation paths in <c>$filter</c>/<c>$orderby</c>: one LEFT JOIN per path from the set's own rows (shared
/// by the page, its count and the keyset continuation), a correlated subquery from a lambda's variable; parameters only.
/// </summary>
public sealed class NavigationFilterSqlTests
{
    [Fact]
    public void NestedPath_IsOneLeftJoinPerStep_SharedByFilterOrderAndCount()
    {
        const string Url = "line_notes?$select=note_id&$filter=order_lines/order/customer/name eq 'x'&$orderby=order_lines/order/customer/city desc";
        const string Joins = " LEFT JOIN \"sales\".\"order_lines\" AS j1 ON j1.\"order_id\" = t0.\"order_id\" AND j1.\"line_no\" = t0.\"line_no\""
            + " LEFT JOIN \"sales\".\"sales_orders\" AS j2 ON j2.\"order_id\" = j1.\"order_id\""
            + " LEFT JOIN \"sales\".\"customers\" AS j3 ON j3.\"id\" = j2.\"customer_id\"";
        var statement = CompilerHarness.Postgres.Select(Url);
        SqlAssert.Sql("SELECT t0.\"note_id\" FROM \"sales\".\"line_notes\" AS t0" + Joins + " WHERE (j3.\"name\" = $1) ORDER BY j3.\"city\" DESC NULLS LAST, t0.\"note_id\" DESC", statement);
        SqlAssert.Parameters(statement, "x");
        SqlAssert.Sql("SELECT COUNT(*) FROM \"sales\".\"line_notes\" AS t0" + Joins + " WHERE (j3.\"name\" = $1)", CompilerHarness.Postgres.Count(Url));
    }

    [Fact]
    public void Keyset_CarriesThePathsValues_AndTreatsThemAsNullable()
    {
        // customers.name is NOT NULL, but through a path it is NULL where the related row is missing: NULLS LAST, IS NULL.
        const string Url = "sales_orders?$select=order_id&$orderby=customer/city,customer/name desc&$filter=customer/city ne 'a'";
        var page = SqlCompiler.Page(CompilerHarness.Postgres.Plan(Url) with { Paging = new PageWindow(3, ["Köln", null, 5L]) }, CompilerHarness.Now);
        SqlAssert.Sql(
            "SELECT t0.\"order_id\", j1.\"city\" AS \"__o1\", j1.\"name\" AS \"__o2\" FROM \"sales\".\"sales_orders\" AS t0 LEFT JOIN \"sales\".\"customers\" AS j1 ON j1.\"id\" = t0.\"customer_id\""
            + " WHERE (j1.\"city\" >= $4 AND ((j1.\"city\" > $1) OR (j1.\"city\" = $2 AND j1.\"name\" IS NULL AND t0.\"order_id\" < $3))) AND ((j1.\"city\" <> $5) OR j1.\"city\" IS NULL)"
            + " ORDER BY j1.\"city\" ASC NULLS FIRST, j1.\"name\" DESC NULLS LAST, t0.\"order_id\" DESC LIMIT 3",
            page.Statement);
        SqlAssert.Parameters(page.Statement, "Köln", "Köln", 5L, "Köln", "a");
        Assert.Equal([1, 2, 0], page.OrderOrdinals);
    }

    [Fact]
    public void PathFromALambdaVariable_IsACorrelatedSubquery()
    {
        var statement = CompilerHarness.Postgres.Select("customers?$select=id&$filter=sales_orders/any(o: o/customer/city eq null)");
        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (EXISTS (SELECT 1 FROM \"sales\".\"sales_orders\" AS l1 WHERE l1.\"customer_id\" = t0.\"id\""
            + " AND ((SELECT p2.\"city\" FROM \"sales\".\"customers\" AS p2 WHERE p2.\"id\" = l1.\"customer_id\") IS NULL))) ORDER BY t0.\"id\" ASC",
            statement);
    }

    [Fact]
    public void Sqlite_CountHasTheSameJoins()
        => SqlAssert.Sql(
            "SELECT COUNT(*) FROM \"sales_orders\" AS t0 LEFT JOIN \"customers\" AS j1 ON j1.\"id\" = t0.\"customer_id\" WHERE ((j1.\"city\" <> @p0) OR j1.\"city\" IS NULL)",
            CompilerHarness.Sqlite.Count("sales_orders?$filter=customer/city ne 'a'"));
}
