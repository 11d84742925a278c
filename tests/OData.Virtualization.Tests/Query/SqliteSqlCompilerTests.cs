using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Query;

/// <summary>The SQL compiled for SQLite: text and bound values, no database.</summary>
public sealed class SqliteSqlCompilerTests
{
    private static CompilerHarness Lite => CompilerHarness.Sqlite;

    // ---- pushdown and parameters ----------------------------------------------------------------

    [Fact]
    public void Select_NoOptions_ReadsEveryColumnOrderedByKey()
    {
        var statement = Lite.Select("customers");

        SqlAssert.Sql(
            "SELECT t0.\"id\", t0.\"name\", t0.\"city\", t0.\"credit_limit\", t0.\"balance\", t0.\"created_at\", t0.\"updated_at\", " +
            "t0.\"birth_date\", t0.\"external_id\", t0.\"CustomerCode\", t0.\"order\", t0.\"weird\"\"name\", t0.\"nickname\", t0.\"score\", t0.\"is_vip\" " +
            "FROM \"customers\" AS t0 ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement);
    }

    [Fact]
    public void Select_FilterTopSkip_PushesWhereOrderLimitOffsetWithParameters()
    {
        var statement = Lite.Select("customers?$select=id&$filter=score gt 4711&$top=37&$skip=91");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"score\" > @p0) ORDER BY t0.\"id\" ASC LIMIT 37 OFFSET @p1",
            statement);
        SqlAssert.Parameters(statement, 4711L, 91L);
        SqlAssert.NoLiteral(statement, "4711", "91");
    }

    [Fact]
    public void Select_SkipOnly_UsesLimitMinusOne()
    {
        var statement = Lite.Select("customers?$select=id&$skip=40");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 ORDER BY t0.\"id\" ASC LIMIT -1 OFFSET @p0", statement);
        SqlAssert.Parameters(statement, 40L);
    }

    [Fact]
    public void Select_InjectionAttemptInStringLiteral_IsOneParameterAndNoText()
    {
        var statement = Lite.Select("customers?$select=id&$filter=name eq 'O''Brien; DROP TABLE x'");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"name\" = @p0) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, "O'Brien; DROP TABLE x");
        SqlAssert.NoLiteral(statement, "Brien", "DROP", "'");
    }

    [Fact]
    public void Select_ByKey_BindsKeyAndHasNoOrderOrLimit()
    {
        var statement = Lite.Select("customers(42)?$select=name");

        SqlAssert.Sql("SELECT t0.\"name\", t0.\"id\" FROM \"customers\" AS t0 WHERE t0.\"id\" = @p0", statement);
        SqlAssert.Parameters(statement, 42L);
    }

    [Fact]
    public void Select_GuidLiteral_IsCanonicalLowerCaseText()
    {
        var statement = Lite.Select("customers?$select=id&$filter=external_id eq 8A3B2C1D-0000-4000-8000-00000000ABCD");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"external_id\" = @p0) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, "8a3b2c1d-0000-4000-8000-00000000abcd");
        SqlAssert.NoLiteral(statement, "8a3b2c1d");
    }

    [Fact]
    public void Select_DecimalLiteral_IsBoundAsNumber()
    {
        var statement = Lite.Select("customers?$select=id&$filter=credit_limit ge 1000.50");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"credit_limit\" >= @p0) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, 1000.5d);
    }

    [Fact]
    public void Filter_ComparisonEqFalse_IsStrictNegation()
    {
        var statement = Lite.Select("customers?$select=id&$filter=(score gt 1) eq false");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (NOT ((t0.\"score\" > @p0) AND t0.\"score\" IS NOT NULL)) ORDER BY t0.\"id\" ASC", statement);
    }

    [Fact]
    public void Select_MixedCaseReservedAndQuotedColumnNames_AreQuotedAndQuotesDoubled()
    {
        var statement = Lite.Select("customers?$select=CustomerCode,order,weird_name&$filter=weird_name eq 'x' and order gt 1&$orderby=CustomerCode");

        SqlAssert.Sql(
            "SELECT t0.\"CustomerCode\", t0.\"order\", t0.\"weird\"\"name\", t0.\"id\" FROM \"customers\" AS t0 " +
            "WHERE ((t0.\"weird\"\"name\" = @p0) AND (t0.\"order\" > @p1)) ORDER BY t0.\"CustomerCode\" ASC, t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, "x", 1L);
    }

    // ---- null semantics -------------------------------------------------------------------------

    [Fact]
    public void Filter_EqNull_IsNullWithoutParameter()
    {
        var statement = Lite.Select("customers?$select=id&$filter=city eq null");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"city\" IS NULL) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement);
    }

    [Fact]
    public void Filter_NeOnNullableColumn_IncludesNullRows()
    {
        var statement = Lite.Select("customers?$select=id&$filter=city ne 'Bern'");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE ((t0.\"city\" <> @p0) OR t0.\"city\" IS NULL) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, "Bern");
    }

    [Fact]
    public void Filter_NotGtOnNullableColumn_GuardsWithIsNotNull()
    {
        var statement = Lite.Select("customers?$select=id&$filter=not(score gt 5)");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (NOT ((t0.\"score\" > @p0) AND t0.\"score\" IS NOT NULL)) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, 5L);
    }

    [Fact]
    public void Filter_NotGtOnNonNullableColumn_HasNoGuard()
    {
        var statement = Lite.Select("customers?$select=id&$filter=not(id gt 5)");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (NOT (t0.\"id\" > @p0)) ORDER BY t0.\"id\" ASC", statement);
    }

    [Fact]
    public void Filter_EqBetweenTwoNullableColumns_IsIs()
    {
        var statement = Lite.Select("customers?$select=id&$filter=city eq nickname");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"city\" IS t0.\"nickname\") ORDER BY t0.\"id\" ASC", statement);
    }

    [Fact]
    public void Filter_NeBetweenTwoNullableColumns_IsIsNot()
    {
        var statement = Lite.Select("customers?$select=id&$filter=city ne nickname");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"city\" IS NOT t0.\"nickname\") ORDER BY t0.\"id\" ASC", statement);
    }

    // ---- temporal values as ISO text --------------------------------------------------------------

    [Fact]
    public void Filter_DateTimeColumn_ComparesBareColumnWithStoredTextForm()
    {
        var statement = Lite.Select("customers?$select=id&$filter=created_at gt 2024-03-15T10:00:00%2B02:00");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"created_at\" > @p0) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, "2024-03-15 08:00:00");
    }

    [Fact]
    public void Filter_DateTimeColumnWithFraction_KeepsTheFraction()
    {
        var statement = Lite.Select("customers?$select=id&$filter=created_at gt 2024-03-15T10:00:00.25Z");

        SqlAssert.Parameters(statement, "2024-03-15 10:00:00.25");
    }

    [Fact]
    public void Filter_DateTimeOffsetColumn_ComparesBareColumnWithUtcIsoText()
    {
        var statement = Lite.Select("customers?$select=id&$filter=updated_at ge 2024-03-15T10:00:00%2B02:00");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"updated_at\" >= @p0) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, "2024-03-15T08:00:00+00:00");
    }

    [Fact]
    public void Filter_DateColumn_ComparesBareColumnWithIsoDate()
    {
        var statement = Lite.Select("customers?$select=id&$filter=birth_date lt 2000-01-31");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"birth_date\" < @p0) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, "2000-01-31");
    }

    [Fact]
    public void Filter_DateTimeColumnVersusNow_BindsNowInTheColumnsTextForm()
    {
        // DATETIME values are stored as 'yyyy-MM-dd HH:mm:ss': a 'T'-separated parameter would compare wrongly as text.
        var statement = Lite.Select("customers?$select=id&$filter=created_at lt now()");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"created_at\" < @p0) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, "2025-06-30 12:34:56");
    }

    [Fact]
    public void Filter_NowVersusDateTimeColumn_BindsNowInTheColumnsTextForm()
    {
        var statement = Lite.Select("customers?$select=id&$filter=now() gt created_at");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (@p0 > t0.\"created_at\") ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, "2025-06-30 12:34:56");
    }

    [Fact]
    public void Filter_DateTimeOffsetColumnVersusNow_BindsUtcIsoText()
    {
        var statement = Lite.Select("customers?$select=id&$filter=updated_at lt now()");

        SqlAssert.Parameters(statement, "2025-06-30T12:34:56+00:00");
    }

    // ---- string functions -----------------------------------------------------------------------

    [Fact]
    public void Filter_Contains_IsCaseSensitiveInstrWithRawText()
    {
        var statement = Lite.Select("customers?$select=id&$filter=contains(name,'50%25_%5C')");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (instr(t0.\"name\", @p0) > 0) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, @"50%_\");
        Assert.DoesNotContain("LIKE", statement.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Filter_StartsWith_IsSubstrComparison()
    {
        var statement = Lite.Select("customers?$select=id&$filter=startswith(name,'A_')");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (substr(t0.\"name\", 1, length(@p0)) = @p0) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, "A_");
    }

    [Fact]
    public void Filter_EndsWith_IsSubstrComparisonFromTheEnd()
    {
        var statement = Lite.Select("customers?$select=id&$filter=endswith(name,'%25z')");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (CASE WHEN length(@p0) = 0 THEN t0.\"name\" IS NOT NULL " +
            "ELSE substr(t0.\"name\", -length(@p0)) = @p0 END) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, "%z");
    }

    // ---- boolean columns -------------------------------------------------------------------------

    [Fact]
    public void Filter_BooleanEqTrue_IsNonZero()
    {
        var statement = Lite.Select("customers?$select=id&$filter=is_vip eq true");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"is_vip\" <> 0) ORDER BY t0.\"id\" ASC", statement);
    }

    [Fact]
    public void Filter_BooleanEqFalse_ExcludesNulls()
    {
        var statement = Lite.Select("customers?$select=id&$filter=is_vip eq false");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (NOT COALESCE((t0.\"is_vip\" <> 0), 1)) ORDER BY t0.\"id\" ASC", statement);
    }

    [Fact]
    public void Filter_BooleanNeTrue_IncludesNulls()
    {
        var statement = Lite.Select("customers?$select=id&$filter=is_vip ne true");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (NOT COALESCE(t0.\"is_vip\", 0)) ORDER BY t0.\"id\" ASC", statement);
    }

    [Fact]
    public void Filter_BooleanInList_BindsIntegers()
    {
        var statement = Lite.Select("customers?$select=id&$filter=is_vip in (true, null)");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE ((t0.\"is_vip\" IN (@p0)) OR (t0.\"is_vip\" IS NULL)) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, 1L);
    }

    // ---- ordering -------------------------------------------------------------------------------

    [Fact]
    public void OrderBy_NullableColumns_NeedNoNullsModifier()
    {
        // SQLite sorts NULLs first ascending and last descending by itself, as OData requires.
        var statement = Lite.Select("customers?$select=id&$orderby=city desc,score");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 ORDER BY t0.\"city\" DESC, t0.\"score\" ASC, t0.\"id\" ASC", statement);
    }

    [Fact]
    public void OrderBy_KeyAlreadyOrdered_IsNotAppendedAgain()
    {
        var statement = Lite.Select("customers?$select=id&$orderby=id desc");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 ORDER BY t0.\"id\" DESC", statement);
    }

    [Fact]
    public void OrderBy_PartOfCompositeKey_AppendsOnlyTheRest()
    {
        var statement = Lite.Select("order_lines?$select=sku&$orderby=line_no desc");

        SqlAssert.Sql(
            "SELECT t0.\"sku\", t0.\"order_id\", t0.\"line_no\" FROM \"order_lines\" AS t0 ORDER BY t0.\"line_no\" DESC, t0.\"order_id\" DESC",
            statement);
    }

    // ---- in -------------------------------------------------------------------------------------

    [Fact]
    public void Filter_In_IsInListOfParameters()
    {
        var statement = Lite.Select("customers?$select=id&$filter=name in ('Zürich', 'O''Brien')");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"name\" IN (@p0, @p1)) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, "Zürich", "O'Brien");
        SqlAssert.NoLiteral(statement, "Brien", "rich");
    }

    [Fact]
    public void Filter_InWithNull_AddsIsNull()
    {
        var statement = Lite.Select("customers?$select=id&$filter=city in ('Bern', null)");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE ((t0.\"city\" IN (@p0)) OR (t0.\"city\" IS NULL)) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, "Bern");
    }

    [Fact]
    public void Filter_InOnDates_BindsIsoText()
    {
        var statement = Lite.Select("sales_orders?$select=order_id&$filter=ordered_on in (2024-01-01, 2024-12-31)");

        SqlAssert.Sql(
            "SELECT t0.\"order_id\" FROM \"sales_orders\" AS t0 WHERE (t0.\"ordered_on\" IN (@p0, @p1)) ORDER BY t0.\"order_id\" ASC",
            statement);
        SqlAssert.Parameters(statement, "2024-01-01", "2024-12-31");
    }

    // ---- $count ---------------------------------------------------------------------------------

    [Fact]
    public void Count_WithFilterOrderAndPaging_KeepsOnlyTheWhere()
    {
        var count = Lite.Count("customers?$filter=city eq 'Bern'&$orderby=name&$top=5&$skip=10&$count=true");

        SqlAssert.Sql("SELECT COUNT(*) FROM \"customers\" AS t0 WHERE (t0.\"city\" = @p0)", count);
        SqlAssert.Parameters(count, "Bern");
    }

    // ---- $search --------------------------------------------------------------------------------

    [Fact]
    public void Search_OneTerm_LikeOverEveryTextColumnEscaped()
    {
        var statement = Lite.Select("sales_orders?$select=order_id&$search=%2250%25_off%22");

        SqlAssert.Sql(
            "SELECT t0.\"order_id\" FROM \"sales_orders\" AS t0 WHERE " +
            "(COALESCE((t0.\"status\" LIKE @p0 ESCAPE '\\'), 0) OR (t0.\"reference\" LIKE @p1 ESCAPE '\\')) ORDER BY t0.\"order_id\" ASC",
            statement);
        SqlAssert.Parameters(statement, @"%50\%\_off%", @"%50\%\_off%");
        SqlAssert.NoLiteral(statement, "off");
    }

    // ---- $expand --------------------------------------------------------------------------------

    [Fact]
    public void Expand_ToMany_OneStatementWithParentKeysAsParameters()
    {
        var statement = Lite.Expand("customers?$select=id&$expand=sales_orders($select=order_id)", [1L], [2L], [2L]);

        SqlAssert.Sql(
            "SELECT t0.\"order_id\", t0.\"customer_id\" FROM \"sales_orders\" AS t0 WHERE ((t0.\"customer_id\") IN ((@p0), (@p1))) ORDER BY t0.\"order_id\" ASC",
            statement);
        SqlAssert.Parameters(statement, 1L, 2L);
    }

    [Fact]
    public void Expand_NestedTop_RowNumberPerParent()
    {
        var statement = Lite.Expand("customers?$select=id&$expand=sales_orders($select=order_id;$orderby=ordered_on desc;$top=2)", [1L]);

        SqlAssert.Sql(
            "SELECT * FROM (SELECT t0.\"order_id\", t0.\"customer_id\" AS \"__j0\", ROW_NUMBER() OVER (PARTITION BY t0.\"customer_id\" " +
            "ORDER BY t0.\"ordered_on\" DESC, t0.\"order_id\" DESC) AS \"__rn\" FROM \"sales_orders\" AS t0 " +
            "WHERE ((t0.\"customer_id\") IN ((@p0)))) AS w WHERE w.\"__rn\" > @p1 AND w.\"__rn\" <= @p2 ORDER BY w.\"__rn\"",
            statement);
        SqlAssert.Parameters(statement, 1L, 0L, 2L);
    }

    [Fact]
    public void Expand_CompositeJoin_RowValueIn()
    {
        var statement = Lite.Expand("order_lines?$select=sku&$expand=line_notes($select=note)", [10L, 1L], [10L, 2L]);

        SqlAssert.Sql(
            "SELECT t0.\"note\", t0.\"note_id\", t0.\"order_id\", t0.\"line_no\" FROM \"line_notes\" AS t0 " +
            "WHERE ((t0.\"order_id\", t0.\"line_no\") IN ((@p0, @p1), (@p2, @p3))) ORDER BY t0.\"note_id\" ASC",
            statement);
        SqlAssert.Parameters(statement, 10L, 1L, 10L, 2L);
    }
}
