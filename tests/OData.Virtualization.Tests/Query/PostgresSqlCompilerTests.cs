using OData.Virtualization.Configuration;
using OData.Virtualization.Query;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Query;

/// <summary>The SQL compiled for PostgreSQL: text and bound values, no database.</summary>
public sealed class PostgresSqlCompilerTests
{
    private static CompilerHarness Pg => CompilerHarness.Postgres;

    // ---- pushdown and parameters ----------------------------------------------------------------

    [Fact]
    public void Select_NoOptions_ReadsEveryColumnOrderedByKey()
    {
        var statement = Pg.Select("customers");

        SqlAssert.Sql(
            "SELECT t0.\"id\", t0.\"name\", t0.\"city\", t0.\"credit_limit\", t0.\"balance\", t0.\"created_at\", t0.\"updated_at\", " +
            "t0.\"birth_date\", t0.\"external_id\", t0.\"CustomerCode\", t0.\"order\", t0.\"weird\"\"name\", t0.\"nickname\", t0.\"score\", t0.\"is_vip\" " +
            "FROM \"sales\".\"customers\" AS t0 ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement);
    }

    [Fact]
    public void Select_FilterTopSkip_PushesWhereOrderLimitOffsetWithParameters()
    {
        var statement = Pg.Select("customers?$select=id&$filter=score gt 4711&$top=37&$skip=91");

        // The limit is a number the planner computed (decision 56); the filter's value and the offset are bound.
        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"score\" > $1) ORDER BY t0.\"id\" ASC LIMIT 37 OFFSET $2",
            statement);
        SqlAssert.Parameters(statement, 4711, 91L);
        SqlAssert.NoLiteral(statement, "4711", "91");
    }

    [Fact]
    public void Select_TopOnly_HasLimitWithoutOffset()
    {
        var statement = Pg.Select("customers?$select=id&$top=5");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 ORDER BY t0.\"id\" ASC LIMIT 5", statement);
        Assert.Empty(statement.Parameters);
    }

    [Fact]
    public void Select_SkipOnly_HasOffsetWithoutLimit()
    {
        var statement = Pg.Select("customers?$select=id&$skip=40");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 ORDER BY t0.\"id\" ASC OFFSET $1", statement);
        SqlAssert.Parameters(statement, 40L);
    }

    [Fact]
    public void Select_InjectionAttemptInStringLiteral_IsOneParameterAndNoText()
    {
        var statement = Pg.Select("customers?$select=id&$filter=name eq 'O''Brien; DROP TABLE x'");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"name\" = $1) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, "O'Brien; DROP TABLE x");
        SqlAssert.NoLiteral(statement, "Brien", "DROP", "'");
    }

    [Fact]
    public void Select_ByKey_BindsKeyAndHasNoOrderOrLimit()
    {
        var statement = Pg.Select("customers(42)?$select=name");

        SqlAssert.Sql("SELECT t0.\"name\", t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE t0.\"id\" = $1", statement);
        SqlAssert.Parameters(statement, 42);
    }

    [Fact]
    public void Select_GuidLiteral_IsGuidParameter()
    {
        var statement = Pg.Select("customers?$select=id&$filter=external_id eq 8a3b2c1d-0000-4000-8000-00000000abcd");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"external_id\" = $1) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, Guid.Parse("8a3b2c1d-0000-4000-8000-00000000abcd"));
        SqlAssert.NoLiteral(statement, "8a3b2c1d", "abcd");
    }

    [Fact]
    public void Select_DecimalLiteralOnNumericColumn_IsDecimalParameter()
    {
        var statement = Pg.Select("customers?$select=id&$filter=credit_limit ge 1000.50");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"credit_limit\" >= $1) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, 1000.50m);
        SqlAssert.NoLiteral(statement, "1000");
    }

    [Fact]
    public void Select_IntegerLiteralOnBigintColumn_IsLongParameter()
    {
        var statement = Pg.Select("sales_orders?$select=order_id&$filter=order_id eq 5000000001 or order_id eq 7");

        SqlAssert.Sql(
            "SELECT t0.\"order_id\" FROM \"sales\".\"sales_orders\" AS t0 WHERE ((t0.\"order_id\" = $1) OR (t0.\"order_id\" = $2)) ORDER BY t0.\"order_id\" ASC",
            statement);
        SqlAssert.Parameters(statement, 5000000001L, 7L);
    }

    [Fact]
    public void Select_MixedCaseReservedAndQuotedColumnNames_AreQuotedAndQuotesDoubled()
    {
        var statement = Pg.Select("customers?$select=CustomerCode,order,weird_name&$filter=weird_name eq 'x' and order gt 1&$orderby=CustomerCode");

        SqlAssert.Sql(
            "SELECT t0.\"CustomerCode\", t0.\"order\", t0.\"weird\"\"name\", t0.\"id\" FROM \"sales\".\"customers\" AS t0 " +
            "WHERE ((t0.\"weird\"\"name\" = $1) AND (t0.\"order\" > $2)) ORDER BY t0.\"CustomerCode\" ASC NULLS FIRST, t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, "x", 1);
    }

    [Fact]
    public void Select_EnumColumn_ComparesAsText()
    {
        var statement = Pg.Select("sales_orders?$select=order_id&$filter=status eq 'open'");

        SqlAssert.Sql(
            "SELECT t0.\"order_id\" FROM \"sales\".\"sales_orders\" AS t0 WHERE (t0.\"status\"::text = $1) ORDER BY t0.\"order_id\" ASC",
            statement);
        SqlAssert.Parameters(statement, "open");
    }

    // ---- null semantics -------------------------------------------------------------------------

    [Fact]
    public void Filter_EqNull_IsNullWithoutParameter()
    {
        var statement = Pg.Select("customers?$select=id&$filter=city eq null");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"city\" IS NULL) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement);
    }

    [Fact]
    public void Filter_NeNull_IsNotNull()
    {
        var statement = Pg.Select("customers?$select=id&$filter=null ne city");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"city\" IS NOT NULL) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement);
    }

    [Fact]
    public void Filter_NeOnNullableColumn_IncludesNullRows()
    {
        var statement = Pg.Select("customers?$select=id&$filter=city ne 'Bern'");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE ((t0.\"city\" <> $1) OR t0.\"city\" IS NULL) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, "Bern");
    }

    [Fact]
    public void Filter_NeOnNonNullableColumn_HasNoNullTest()
    {
        var statement = Pg.Select("customers?$select=id&$filter=name ne 'Bern'");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"name\" <> $1) ORDER BY t0.\"id\" ASC", statement);
    }

    [Fact]
    public void Filter_GtOnNullableColumn_IsPlainComparison()
    {
        var statement = Pg.Select("customers?$select=id&$filter=score gt 5");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"score\" > $1) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, 5);
    }

    [Fact]
    public void Filter_NotGtOnNullableColumn_GuardsWithIsNotNull()
    {
        var statement = Pg.Select("customers?$select=id&$filter=not(score gt 5)");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (NOT ((t0.\"score\" > $1) AND t0.\"score\" IS NOT NULL)) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, 5);
    }

    [Fact]
    public void Filter_NotEqOnNullableColumn_GuardsWithIsNotNull()
    {
        var statement = Pg.Select("customers?$select=id&$filter=not(city eq 'Bern')");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (NOT ((t0.\"city\" = $1) AND t0.\"city\" IS NOT NULL)) ORDER BY t0.\"id\" ASC",
            statement);
    }

    [Fact]
    public void Filter_NotGtOnNonNullableColumns_HasNoGuard()
    {
        var statement = Pg.Select("customers?$select=id&$filter=not(balance gt 5) and not(id eq 3)");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE ((NOT (t0.\"balance\" > $1)) AND (NOT (t0.\"id\" = $2))) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, 5m, 3);
    }

    [Fact]
    public void Filter_GtNull_IsFalse()
    {
        var statement = Pg.Select("customers?$select=id&$filter=score gt null");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (1 = 0) ORDER BY t0.\"id\" ASC", statement);
    }

    [Fact]
    public void Filter_EqBetweenTwoNullableColumns_IsNotDistinctFrom()
    {
        var statement = Pg.Select("customers?$select=id&$filter=city eq nickname");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"city\" IS NOT DISTINCT FROM t0.\"nickname\") ORDER BY t0.\"id\" ASC",
            statement);
    }

    [Fact]
    public void Filter_NeBetweenTwoNullableColumns_IsDistinctFrom()
    {
        var statement = Pg.Select("customers?$select=id&$filter=city ne nickname");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"city\" IS DISTINCT FROM t0.\"nickname\") ORDER BY t0.\"id\" ASC",
            statement);
    }

    // ---- sargable temporal comparisons ------------------------------------------------------------

    [Fact]
    public void Filter_TimestampWithoutTimeZone_ComparesBareColumnWithUnspecifiedDateTime()
    {
        var statement = Pg.Select("customers?$select=id&$filter=created_at gt 2024-03-15T10:00:00Z");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"created_at\" > $1) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, new DateTime(2024, 3, 15, 10, 0, 0, DateTimeKind.Unspecified));
        SqlAssert.NoLiteral(statement, "2024");
    }

    [Fact]
    public void Filter_TimestampWithoutTimeZoneAndOffsetLiteral_ConvertsToUtcWallClock()
    {
        var statement = Pg.Select("customers?$select=id&$filter=created_at le 2024-03-15T10:00:00%2B02:00");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"created_at\" <= $1) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, new DateTime(2024, 3, 15, 8, 0, 0, DateTimeKind.Unspecified));
    }

    [Fact]
    public void Filter_TimestampWithTimeZone_ComparesBareColumnWithUtcDateTime()
    {
        var statement = Pg.Select("customers?$select=id&$filter=updated_at ge 2024-03-15T10:00:00%2B02:00");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"updated_at\" >= $1) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, new DateTime(2024, 3, 15, 8, 0, 0, DateTimeKind.Utc));
    }

    [Fact]
    public void Filter_DateColumn_ComparesBareColumnWithDateOnly()
    {
        var statement = Pg.Select("customers?$select=id&$filter=birth_date lt 2000-01-31");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"birth_date\" < $1) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, new DateOnly(2000, 1, 31));
    }

    [Fact]
    public void Filter_DateRange_BothBoundsAreParametersOnTheBareColumn()
    {
        var statement = Pg.Select("customers?$select=id&$filter=created_at ge 2024-01-01T00:00:00Z and created_at lt 2024-02-01T00:00:00Z");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE ((t0.\"created_at\" >= $1) AND (t0.\"created_at\" < $2)) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(
            statement,
            new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Unspecified),
            new DateTime(2024, 2, 1, 0, 0, 0, DateTimeKind.Unspecified));
    }

    [Fact]
    public void Filter_TimestampWithoutTimeZoneVersusNow_BindsNowAsTimestamp()
    {
        // A timestamptz parameter would make PostgreSQL cast the column to timestamptz: no index on it could serve the comparison.
        var statement = Pg.Select("customers?$select=id&$filter=created_at lt now()");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"created_at\" < $1) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, new DateTime(2025, 6, 30, 12, 34, 56, DateTimeKind.Unspecified));
    }

    [Fact]
    public void Filter_NowVersusTimestampWithoutTimeZone_BindsNowAsTimestamp()
    {
        var statement = Pg.Select("customers?$select=id&$filter=now() gt created_at");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE ($1 > t0.\"created_at\") ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, new DateTime(2025, 6, 30, 12, 34, 56, DateTimeKind.Unspecified));
    }

    [Fact]
    public void Filter_TimestampWithTimeZoneVersusNow_BindsNowAsUtc()
    {
        var statement = Pg.Select("customers?$select=id&$filter=updated_at lt now()");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"updated_at\" < $1) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, new DateTime(2025, 6, 30, 12, 34, 56, DateTimeKind.Utc));
    }

    // ---- string functions -----------------------------------------------------------------------

    [Fact]
    public void Filter_ContainsWithWildcardsAndEscape_EscapesThemInTheParameter()
    {
        var statement = Pg.Select("customers?$select=id&$filter=contains(name,'50%25_%5C')");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"name\" LIKE $1 ESCAPE '\\') ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, @"%50\%\_\\%");
    }

    [Fact]
    public void Filter_StartsWithAndEndsWith_AreCaseSensitiveLikeWithEscapedPattern()
    {
        var statement = Pg.Select("customers?$select=id&$filter=startswith(name,'A_') and endswith(name,'%25z')");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE ((t0.\"name\" LIKE $1 ESCAPE '\\') AND (t0.\"name\" LIKE $2 ESCAPE '\\')) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, @"A\_%", @"%\%z");
    }

    [Fact]
    public void Filter_ContainsEqTrue_IsThePlainMatch()
    {
        var statement = Pg.Select("customers?$select=id&$filter=contains(name,'Acme') eq true or contains(city,'Acme') eq true");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE ((t0.\"name\" LIKE $1 ESCAPE '\\') OR (t0.\"city\" LIKE $2 ESCAPE '\\')) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, "%Acme%", "%Acme%");
    }

    [Fact]
    public void Filter_NotContainsOnNullableColumn_CoalescesToFalse()
    {
        var statement = Pg.Select("customers?$select=id&$filter=not contains(city,'x')");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (NOT COALESCE((t0.\"city\" LIKE $1 ESCAPE '\\'), FALSE)) ORDER BY t0.\"id\" ASC",
            statement);
    }

    // ---- boolean columns -------------------------------------------------------------------------

    [Fact]
    public void Filter_BooleanEqTrue_IsTheColumn()
    {
        var statement = Pg.Select("customers?$select=id&$filter=is_vip eq true");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE t0.\"is_vip\" ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement);
    }

    [Fact]
    public void Filter_BooleanEqFalse_ExcludesNulls()
    {
        var statement = Pg.Select("customers?$select=id&$filter=is_vip eq false");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (NOT COALESCE(t0.\"is_vip\", TRUE)) ORDER BY t0.\"id\" ASC", statement);
    }

    [Fact]
    public void Filter_BooleanNeTrue_IncludesNulls()
    {
        // OData: null ne true is true, as null ne 'x' is.
        var statement = Pg.Select("customers?$select=id&$filter=is_vip ne true");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (NOT COALESCE(t0.\"is_vip\", FALSE)) ORDER BY t0.\"id\" ASC", statement);
    }

    [Fact]
    public void Filter_BooleanNeFalse_IncludesNulls()
    {
        var statement = Pg.Select("customers?$select=id&$filter=is_vip ne false");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (NOT (NOT COALESCE(t0.\"is_vip\", TRUE))) ORDER BY t0.\"id\" ASC",
            statement);
    }

    [Fact]
    public void Filter_ContainsNeTrue_IncludesNullColumn()
    {
        var statement = Pg.Select("customers?$select=id&$filter=contains(city,'x') ne true");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (NOT COALESCE((t0.\"city\" LIKE $1 ESCAPE '\\'), FALSE)) ORDER BY t0.\"id\" ASC",
            statement);
    }

    [Fact]
    public void Filter_NotBoolean_TreatsNullAsFalse()
    {
        var statement = Pg.Select("customers?$select=id&$filter=not is_vip");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (NOT COALESCE(t0.\"is_vip\", FALSE)) ORDER BY t0.\"id\" ASC", statement);
    }

    [Fact]
    public void Filter_BooleanInList_IsBoolArray()
    {
        var statement = Pg.Select("customers?$select=id&$filter=is_vip in (true, null)");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE ((t0.\"is_vip\" = ANY($1)) OR (t0.\"is_vip\" IS NULL)) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, new[] { true });
    }

    // ---- ordering -------------------------------------------------------------------------------

    [Fact]
    public void OrderBy_NullableAscending_NullsFirstThenKey()
    {
        var statement = Pg.Select("customers?$select=id&$orderby=city");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 ORDER BY t0.\"city\" ASC NULLS FIRST, t0.\"id\" ASC", statement);
    }

    [Fact]
    public void OrderBy_NullableDescending_NullsLastThenKey()
    {
        var statement = Pg.Select("customers?$select=id&$orderby=city desc,score asc");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 ORDER BY t0.\"city\" DESC NULLS LAST, t0.\"score\" ASC NULLS FIRST, t0.\"id\" ASC",
            statement);
    }

    [Fact]
    public void OrderBy_NonNullableColumn_HasNoNullsModifier()
    {
        var statement = Pg.Select("customers?$select=id&$orderby=name desc,created_at");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 ORDER BY t0.\"name\" DESC, t0.\"created_at\" ASC, t0.\"id\" ASC", statement);
    }

    [Fact]
    public void OrderBy_KeyAlreadyOrdered_IsNotAppendedAgain()
    {
        var statement = Pg.Select("customers?$select=id&$orderby=id desc");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 ORDER BY t0.\"id\" DESC", statement);
    }

    [Fact]
    public void OrderBy_PartOfCompositeKey_AppendsOnlyTheRest()
    {
        var statement = Pg.Select("order_lines?$select=sku&$orderby=line_no desc");

        SqlAssert.Sql(
            "SELECT t0.\"sku\", t0.\"order_id\", t0.\"line_no\" FROM \"sales\".\"order_lines\" AS t0 ORDER BY t0.\"line_no\" DESC, t0.\"order_id\" DESC",
            statement);
    }

    // ---- in -------------------------------------------------------------------------------------

    [Fact]
    public void Filter_InOnIntegerColumn_IsAnyWithOneTypedArray()
    {
        var statement = Pg.Select("customers?$select=id&$filter=id in (1, 2, 30303)");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"id\" = ANY($1)) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, new[] { 1, 2, 30303 });
        SqlAssert.NoLiteral(statement, "30303");
    }

    [Fact]
    public void Filter_InOnBigintColumn_IsLongArray()
    {
        var statement = Pg.Select("sales_orders?$select=order_id&$filter=order_id in (1, 5000000001)");

        SqlAssert.Sql(
            "SELECT t0.\"order_id\" FROM \"sales\".\"sales_orders\" AS t0 WHERE (t0.\"order_id\" = ANY($1)) ORDER BY t0.\"order_id\" ASC",
            statement);
        SqlAssert.Parameters(statement, new[] { 1L, 5000000001L });
    }

    [Fact]
    public void Filter_InOnStrings_IsStringArrayWithNoLiteralText()
    {
        var statement = Pg.Select("customers?$select=id&$filter=name in ('Zürich', 'O''Brien')");

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"name\" = ANY($1)) ORDER BY t0.\"id\" ASC", statement);
        SqlAssert.Parameters(statement, (object)new[] { "Zürich", "O'Brien" });
        SqlAssert.NoLiteral(statement, "Brien", "rich");
    }

    [Fact]
    public void Filter_InWithNull_AddsIsNull()
    {
        var statement = Pg.Select("customers?$select=id&$filter=city in ('Bern', null)");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE ((t0.\"city\" = ANY($1)) OR (t0.\"city\" IS NULL)) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, (object)new[] { "Bern" });
    }

    [Fact]
    public void Filter_NotInOnNullableColumn_GuardsWithIsNotNull()
    {
        var statement = Pg.Select("customers?$select=id&$filter=not (score in (1, 2))");

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (NOT ((t0.\"score\" = ANY($1)) AND t0.\"score\" IS NOT NULL)) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, new[] { 1, 2 });
    }

    [Fact]
    public void Filter_InOnDateColumn_IsDateOnlyArray()
    {
        var statement = Pg.Select("sales_orders?$select=order_id&$filter=ordered_on in (2024-01-01, 2024-12-31)");

        SqlAssert.Sql(
            "SELECT t0.\"order_id\" FROM \"sales\".\"sales_orders\" AS t0 WHERE (t0.\"ordered_on\" = ANY($1)) ORDER BY t0.\"order_id\" ASC",
            statement);
        SqlAssert.Parameters(statement, new[] { new DateOnly(2024, 1, 1), new DateOnly(2024, 12, 31) });
    }

    // ---- $count ---------------------------------------------------------------------------------

    [Fact]
    public void Count_WithFilterOrderAndPaging_KeepsOnlyTheWhere()
    {
        var query = "customers?$filter=city eq 'Bern'&$orderby=name&$top=5&$skip=10&$count=true";

        var count = Pg.Count(query);

        SqlAssert.Sql("SELECT COUNT(*) FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"city\" = $1)", count);
        SqlAssert.Parameters(count, "Bern");
    }

    [Fact]
    public void Count_CountSegment_CountsTheFilteredSet()
    {
        var count = Pg.Count("customers/$count?$filter=score ge 3");

        SqlAssert.Sql("SELECT COUNT(*) FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"score\" >= $1)", count);
        SqlAssert.Parameters(count, 3);
    }

    [Fact]
    public void Count_NoFilter_HasNoWhere()
    {
        var count = Pg.Count("customers?$count=true");

        SqlAssert.Sql("SELECT COUNT(*) FROM \"sales\".\"customers\" AS t0", count);
        SqlAssert.Parameters(count);
    }

    // ---- $search --------------------------------------------------------------------------------

    [Fact]
    public void Search_OneTerm_IlikeOverEveryTextColumnEscaped()
    {
        var statement = Pg.Select("sales_orders?$select=order_id&$search=%2250%25_off%22");

        SqlAssert.Sql(
            "SELECT t0.\"order_id\" FROM \"sales\".\"sales_orders\" AS t0 WHERE " +
            "(COALESCE((t0.\"status\"::text ILIKE $1 ESCAPE '\\'), FALSE) OR (t0.\"reference\" ILIKE $2 ESCAPE '\\')) " +
            "ORDER BY t0.\"order_id\" ASC",
            statement);
        SqlAssert.Parameters(statement, @"%50\%\_off%", @"%50\%\_off%");
        SqlAssert.NoLiteral(statement, "off");
    }

    [Fact]
    public void Search_WithFilter_AndsBoth()
    {
        var statement = Pg.Select("order_lines?$select=sku&$filter=quantity gt 2&$search=bolt");

        SqlAssert.Sql(
            "SELECT t0.\"sku\", t0.\"order_id\", t0.\"line_no\" FROM \"sales\".\"order_lines\" AS t0 WHERE (t0.\"quantity\" > $1) AND " +
            "((t0.\"sku\" ILIKE $2 ESCAPE '\\')) ORDER BY t0.\"order_id\" ASC, t0.\"line_no\" ASC",
            statement);
        SqlAssert.Parameters(statement, 2, "%bolt%");
    }

    // ---- $expand --------------------------------------------------------------------------------

    [Fact]
    public void Expand_ToMany_OneStatementWithParentKeysAsOneArray()
    {
        var statement = Pg.Expand("customers?$select=id&$expand=sales_orders($select=order_id)", [1], [2], [2], [7]);

        SqlAssert.Sql(
            "SELECT t0.\"order_id\", t0.\"customer_id\" FROM \"sales\".\"sales_orders\" AS t0 WHERE (t0.\"customer_id\" = ANY($1)) ORDER BY t0.\"order_id\" ASC",
            statement);
        SqlAssert.Parameters(statement, new[] { 1, 2, 7 });
    }

    [Fact]
    public void Expand_ToManyWithTheDefaultCap_BoundsRelatedRowsPerParentInSql()
    {
        var query = Pg.Plan("customers?$select=id&$expand=sales_orders($select=order_id)", new LimitOptions());
        var statement = SqlCompiler.Expand(query.Expands[0], [[1]], CompilerHarness.Now);

        // Each parent's orders stop at the cap: a lateral join with LIMIT, not a window over every order.
        Assert.Contains("CROSS JOIN LATERAL (SELECT t0.\"order_id\", t0.\"customer_id\" FROM \"sales\".\"sales_orders\" AS t0 WHERE t0.\"customer_id\" = p.v ORDER BY t0.\"order_id\" ASC LIMIT 1000) AS c ORDER BY c.\"order_id\" ASC", statement.Text, StringComparison.Ordinal);
        Assert.Single(statement.Parameters);
    }

    [Fact]
    public void Expand_ToOne_JoinsOnThePrincipalKey()
    {
        var statement = Pg.Expand("sales_orders?$select=order_id&$expand=customer($select=name)", [3], [null], [4]);

        SqlAssert.Sql(
            "SELECT t0.\"name\", t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"id\" = ANY($1)) ORDER BY t0.\"id\" ASC",
            statement);
        SqlAssert.Parameters(statement, new[] { 3, 4 });
    }

    [Fact]
    public void Expand_NestedFilterAndOrder_AppliedAfterTheJoinPredicate()
    {
        var statement = Pg.Expand("customers?$select=id&$expand=sales_orders($select=order_id;$filter=status eq 'open';$orderby=total desc)", [1], [2]);

        SqlAssert.Sql(
            "SELECT t0.\"order_id\", t0.\"customer_id\" FROM \"sales\".\"sales_orders\" AS t0 " +
            "WHERE (t0.\"customer_id\" = ANY($1)) AND (t0.\"status\"::text = $2) ORDER BY t0.\"total\" DESC, t0.\"order_id\" DESC",
            statement);
        SqlAssert.Parameters(statement, new[] { 1, 2 }, "open");
    }

    [Fact]
    public void Expand_NestedTopAndSkip_LateralLimitPerParent()
    {
        var statement = Pg.Expand("customers?$select=id&$expand=sales_orders($select=order_id;$orderby=ordered_on desc;$top=2;$skip=1)", [1], [2]);

        SqlAssert.Sql(
            "SELECT c.* FROM unnest($1) AS p(v) CROSS JOIN LATERAL (SELECT t0.\"order_id\", t0.\"customer_id\", t0.\"ordered_on\" AS \"__o0\" " +
            "FROM \"sales\".\"sales_orders\" AS t0 WHERE t0.\"customer_id\" = p.v ORDER BY t0.\"ordered_on\" DESC, t0.\"order_id\" DESC LIMIT 2 OFFSET $2) AS c " +
            "ORDER BY c.\"__o0\" DESC, c.\"order_id\" DESC",
            statement);
        SqlAssert.Parameters(statement, new[] { 1, 2 }, 1L);
    }

    [Fact]
    public void Expand_TopWhereNoIndexFindsTheRelatedRows_NumbersThemInOneScan()
    {
        // line_notes(order_id, line_no) has no index: a lateral join would scan line_notes once per parent.
        var statement = Pg.Expand("order_lines?$select=sku&$expand=line_notes($select=note;$top=2)", [5000000001L, 1], [5000000001L, 2]);

        Assert.StartsWith("SELECT * FROM (SELECT t0.\"note\", t0.\"note_id\", t0.\"order_id\" AS \"__j0\", t0.\"line_no\" AS \"__j1\", ROW_NUMBER() OVER (PARTITION BY t0.\"order_id\", t0.\"line_no\"", statement.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("LATERAL", statement.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Expand_CompositeJoin_RowValueInWithTypedParameters()
    {
        var statement = Pg.Expand("order_lines?$select=sku&$expand=line_notes($select=note)", [5000000001L, 1], [5000000001L, 2], [5000000001L, 1]);

        SqlAssert.Sql(
            "SELECT t0.\"note\", t0.\"note_id\", t0.\"order_id\", t0.\"line_no\" FROM \"sales\".\"line_notes\" AS t0 " +
            "WHERE ((t0.\"order_id\", t0.\"line_no\") IN (($1, $2), ($3, $4))) ORDER BY t0.\"note_id\" ASC",
            statement);
        SqlAssert.Parameters(statement, 5000000001L, 1, 5000000001L, 2);
    }

    [Fact]
    public void Expand_NoParentValues_MatchesNothing()
    {
        var statement = Pg.Expand("customers?$select=id&$expand=sales_orders($select=order_id)", new object?[] { null });

        SqlAssert.Sql(
            "SELECT t0.\"order_id\", t0.\"customer_id\" FROM \"sales\".\"sales_orders\" AS t0 WHERE (1 = 0) ORDER BY t0.\"order_id\" ASC",
            statement);
        SqlAssert.Parameters(statement);
    }

    [Fact]
    public void Expand_ParentStatement_ReadsTheJoinColumns()
    {
        var statement = Pg.Select("sales_orders?$select=total&$expand=customer($select=name)");

        SqlAssert.Sql(
            "SELECT t0.\"total\", t0.\"order_id\", t0.\"customer_id\" FROM \"sales\".\"sales_orders\" AS t0 ORDER BY t0.\"order_id\" ASC",
            statement);
    }
}
