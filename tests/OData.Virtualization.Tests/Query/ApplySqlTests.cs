using OData.Virtualization.Errors;
using OData.Virtualization.Query;
using OData.Virtualization.Sources;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Query;

/// <summary>
/// <c>$apply</c>'s statement (issue 12): one GROUP BY in a derived table, a single-valued navigation as a LEFT JOIN, the
/// result's filter, order and page outside it; every client value a parameter.
/// </summary>
public sealed class ApplySqlTests
{
    [Fact]
    public void GroupByThroughANavigation_IsOneStatement_WithTheResultOptionsOutside()
    {
        var query = CompilerHarness.Postgres.PlanApply("sales_orders?$apply=filter(total gt 10)/groupby((customer/city,status),aggregate(total with sum as amount,$count as n))&$filter=n ge 3&$orderby=amount desc&$top=5&$skip=10");
        var statement = SqlCompiler.Apply(query, CompilerHarness.Now, query.Top, query.Skip);
        SqlAssert.Sql(
            "SELECT g.\"g0\", g.\"g1\"::text, g.\"a0\", g.\"a1\" FROM (SELECT j0.\"city\" AS \"g0\", t0.\"status\"::text AS \"g1\", SUM(t0.\"total\") AS \"a0\", COUNT(*) AS \"a1\" " +
            "FROM \"sales\".\"sales_orders\" AS t0 LEFT JOIN \"sales\".\"customers\" AS j0 ON t0.\"customer_id\" = j0.\"id\" WHERE (t0.\"total\" > $1) " +
            "GROUP BY j0.\"city\", t0.\"status\"::text) AS g WHERE (g.\"a1\" >= $2) " +
            "ORDER BY g.\"a0\" DESC NULLS LAST, g.\"g0\" ASC NULLS FIRST, g.\"g1\"::text ASC NULLS FIRST LIMIT 5 OFFSET $3",
            statement);
        SqlAssert.Parameters(statement, 10m, 3L, 10L);

        var count = SqlCompiler.ApplyCount(query, CompilerHarness.Now);
        Assert.StartsWith("SELECT COUNT(*) FROM (SELECT ", count.Text, StringComparison.Ordinal);
        Assert.EndsWith(") AS g WHERE (g.\"a1\" >= $2)", count.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Sqlite_SumOfADecimal_IsRoundedToItsScale()
    {
        var query = CompilerHarness.Sqlite.PlanApply("sales_orders?$apply=aggregate(total with sum as amount,total with average as mean,order_id with countdistinct as orders)");
        var statement = SqlCompiler.Apply(query, CompilerHarness.Now, null, null);
        SqlAssert.Sql(
            "SELECT g.\"a0\", g.\"a1\", g.\"a2\" FROM (SELECT ROUND(SUM(t0.\"total\"), 2) AS \"a0\", AVG(t0.\"total\") AS \"a1\", COUNT(DISTINCT t0.\"order_id\") AS \"a2\" FROM \"sales_orders\" AS t0) AS g",
            statement);
    }

    [Theory]
    [InlineData(SourceProvider.PostgreSql)]
    [InlineData(SourceProvider.Sqlite)]
    public void ClientValues_AreParametersAndNeverSqlText(SourceProvider provider)
    {
        var query = CompilerHarness.For(provider).PlanApply("customers?$apply=filter(name eq 'xyzzy''; DROP')/groupby((city),aggregate(balance with max as top_balance))/filter(top_balance gt 424242.5)&$filter=city ne 'plugh'&$top=86420&$skip=97531");
        var statement = SqlCompiler.Apply(query, CompilerHarness.Now, query.Top, query.Skip);
        foreach (var text in new[] { "xyzzy", "DROP", "424242", "plugh", "97531", "top_balance" })
        {
            Assert.DoesNotContain(text, statement.Text, StringComparison.Ordinal);
        }

        // The limit is the planner's number (decision 56); every other value is bound.
        Assert.Contains(" LIMIT 86420 ", statement.Text, StringComparison.Ordinal);
        Assert.Equal(4, statement.Parameters.Count);
    }

    [Theory]
    [InlineData("customers?$apply=aggregate(name with sum as s)", "numbers only")]
    [InlineData("customers?$apply=aggregate(is_vip with max as s)", "min and max apply")]
    [InlineData("customers?$apply=aggregate(balance with sum as name)", "Choose another alias")]
    [InlineData("customers?$apply=groupby((city))&$orderby=balance", "not a property of the result")]
    [InlineData("customers?$apply=groupby((city))&$filter=sales_orders/any()", "reaches beyond an aggregated row")]
    [InlineData("order_lines?$apply=groupby((order/customer/city))", "more than one navigation step")]
    public void Mistakes_AreProblemsThatSayWhatToDo(string url, string words)
    {
        var problem = Assert.Throws<ODataProblem>(() =>
        {
            var query = CompilerHarness.Postgres.PlanApply(url);
            SqlCompiler.Apply(query, CompilerHarness.Now, null, null);
        });
        Assert.Equal(400, problem.Status);
        Assert.Contains(words, problem.Message, StringComparison.Ordinal);
    }
}
