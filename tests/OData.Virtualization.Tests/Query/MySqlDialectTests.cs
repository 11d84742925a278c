using OData.Virtualization.Model;
using OData.Virtualization.Query;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Tests.Query;

/// <summary>The SQL the MySQL/MariaDB dialect writes: exact text comparisons that keep the bare one an index seeks.</summary>
public sealed class MySqlDialectTests
{
    private static readonly MySqlDialect Dialect = MySqlDialect.Instance;
    private static readonly ColumnType Text = ColumnType.Of(ValueKind.String);

    [Fact]
    public void CompareColumn_Text_IsTheBinaryNoPadCollation_OtherTypesAreBare()
    {
        Assert.Equal("CONVERT(t0.\"code\" USING utf8mb4) COLLATE utf8mb4_nopad_bin", Dialect.CompareColumn("t0.\"code\"", Text));
        Assert.Equal("t0.\"n\"", Dialect.CompareColumn("t0.\"n\"", ColumnType.Of(ValueKind.Int32)));
        Assert.Equal("t0.\"u\"", Dialect.CompareColumn("t0.\"u\"", ColumnType.Of(ValueKind.Decimal) with { ReadAsText = true }));
    }

    /// <summary>MySQL 8 names the binary no-pad collation differently; the index-friendly bare comparison still comes with it.</summary>
    [Fact]
    public void MySql8_ComparesUnderItsOwnNameForTheCollation_AndKeepsTheBareEquality()
    {
        var exact = MySqlDialect.MySql8.CompareColumn("t0.\"code\"", Text);
        Assert.Equal("CONVERT(t0.\"code\" USING utf8mb4) COLLATE utf8mb4_0900_bin", exact);
        var equality = MySqlDialect.MySql8.Comparison(exact, "=", "@p0");
        Assert.Contains("t0.\"code\" = @p0", equality, StringComparison.Ordinal);
        Assert.DoesNotContain("nopad", equality, StringComparison.Ordinal);
    }

    [Fact]
    public void Comparison_EqualityWithAParameter_AddsTheBareComparison()
    {
        var exact = Dialect.CompareColumn("t0.\"code\"", Text);

        Assert.Equal($"(t0.\"code\" = @p0 AND {exact} = @p0)", Dialect.Comparison(exact, "=", "@p0"));
        Assert.Equal($"(t0.\"code\" = @p3 AND @p3 = {exact})", Dialect.Comparison("@p3", "=", exact));
        Assert.Equal($"(t0.\"code\" IN (@p0, @p1) AND {exact} IN (@p0, @p1))", Dialect.Comparison(exact, "IN", "(@p0, @p1)"));
        Assert.Equal($"(t0.\"code\" = @p0 AND {exact} = @p0)", Dialect.KeyEquals(exact, "@p0"));
    }

    [Fact]
    public void Comparison_RangesFunctionsAndColumnPairs_StayExactOnly()
    {
        var exact = Dialect.CompareColumn("t0.\"code\"", Text);
        var other = Dialect.CompareColumn("t0.\"label\"", Text);

        Assert.Equal($"({exact} > @p0)", Dialect.Comparison(exact, ">", "@p0"));
        Assert.Equal($"(lower({exact}) = @p0)", Dialect.Comparison($"lower({exact})", "=", "@p0"));
        Assert.Equal($"({exact} = {other})", Dialect.Comparison(exact, "=", other));
        Assert.Equal($"(CONCAT({exact}, {other}) = @p0)", Dialect.Comparison($"CONCAT({exact}, {other})", "=", "@p0"));
    }

    [Fact]
    public void KeyOrder_IsTheBareColumn_AndNullSafeEqualityIsTheSpaceship()
    {
        Assert.Equal("t0.\"code\"", Dialect.KeyOrderColumn("t0.\"code\"", Text));
        Assert.Equal("(a <=> b)", Dialect.NullSafeEquals("a", "b", equal: true));
        Assert.Equal("(NOT (a <=> b))", Dialect.NullSafeEquals("a", "b", equal: false));
    }

    [Fact]
    public void Keyset_OnMySql_IsTheExpandedFormWithItsLeadingBound()
    {
        var sql = new SqlBuilder(Dialect);
        var terms = new List<SqlCompiler.OrderTerm>
        {
            new("t0.\"a\"", ColumnType.Of(ValueKind.Int32), Descending: false, Nullable: false, Column: null),
            new("t0.\"id\"", ColumnType.Of(ValueKind.Int32), Descending: false, Nullable: false, Column: null),
        };

        var after = Keyset.After(sql, terms, [5, 7]);

        Assert.DoesNotContain("(t0.\"a\", t0.\"id\")", after, StringComparison.Ordinal);
        Assert.StartsWith("(t0.\"a\" >= @p", after, StringComparison.Ordinal);
        Assert.Contains("t0.\"a\" > @p", after, StringComparison.Ordinal);
        Assert.Contains("t0.\"id\" > @p", after, StringComparison.Ordinal);
    }

    [Fact]
    public void Limit_SkipWithoutTop_IsTheLargestRowCount()
    {
        Assert.Equal(" LIMIT 18446744073709551615 OFFSET @p0", Dialect.Limit(null, "@p0"));
        Assert.Equal(" LIMIT 10", Dialect.Limit("10", null));
    }

    [Fact]
    public void NaN_IsAClientError()
        => Assert.Throws<OData.Virtualization.Errors.ODataProblem>(() => Dialect.ToProviderValue(double.NaN, ColumnType.Of(ValueKind.Double)));

    [Theory]
    [InlineData("bigint(20) unsigned", "Decimal", true)]
    [InlineData("bigint unsigned", "Decimal", true)]
    [InlineData("bigint(20)", "Int64", false)]
    [InlineData("int(10) unsigned", "Int64", false)]
    [InlineData("int(11)", "Int32", false)]
    [InlineData("tinyint(1)", "Boolean", false)]
    [InlineData("tinyint(4)", "Int16", false)]
    [InlineData("tinyint(3) unsigned", "Byte", false)]
    [InlineData("bit(1)", "Boolean", false)]
    [InlineData("bit(8)", "Int64", false)]
    [InlineData("decimal(65,30)", "Decimal", true)]
    [InlineData("decimal(12,2)", "Decimal", false)]
    [InlineData("enum('a','b')", "String", false)]
    [InlineData("set('a','b')", "String", false)]
    [InlineData("json", "String", false)]
    [InlineData("longtext", "String", false)]
    [InlineData("year(4)", "Int16", false)]
    [InlineData("datetime(6)", "DateTime", false)]
    [InlineData("timestamp", "DateTimeOffset", false)]
    [InlineData("time(3)", "Duration", false)]
    [InlineData("date", "Date", false)]
    [InlineData("varbinary(16)", "Binary", false)]
    public void TypeMapper_MySql_MapsEachTypeExactly(string storeType, string kind, bool readAsText)
    {
        var (type, reason) = TypeMapper.Map(SourceProvider.MySql, new DbColumn("c", storeType, IsNullable: true));

        Assert.True(type is not null, reason);
        Assert.Equal(kind, type.Kind.ToString());
        Assert.Equal(readAsText, type.ReadAsText);
    }

    [Theory]
    [InlineData("point")]
    [InlineData("geometry")]
    [InlineData("bit(64)")]
    public void TypeMapper_MySql_UnsupportedTypesSayWhy(string storeType)
    {
        var (type, reason) = TypeMapper.Map(SourceProvider.MySql, new DbColumn("c", storeType, IsNullable: true));

        Assert.Null(type);
        Assert.Contains(storeType, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OrderTerm_AConstant_IsASubSelect_AColumnStaysBare()
    {
        // MySqlConnector writes the value into the statement, and MySQL reads a bare integer as a column's position.
        Assert.Equal("(SELECT @p0)", Dialect.OrderTerm("@p0"));
        Assert.Equal("t0.\"n\"", Dialect.OrderTerm("t0.\"n\""));
        Assert.Equal("(t0.\"n\" + @p1)", Dialect.OrderTerm("(t0.\"n\" + @p1)"));
    }

    [Fact]
    public void Modulo_OfDecimals_AddsZero_OtherKindsAreBare()
    {
        // MariaDB's -340.00 % 10 is a negative zero that is not equal to 0.
        Assert.Equal("((a % b) + 0)", Dialect.Modulo("a", "b", ValueKind.Decimal));
        Assert.Equal("(a % b)", Dialect.Modulo("a", "b", ValueKind.Int64));
    }

    [Fact]
    public void ProviderValue_ComparedWithAFloat_IsTheFloatsDouble_UnlessBeyondItsRange()
    {
        var single = ColumnType.Of(ValueKind.Single);
        Assert.Equal((double)0.35f, Dialect.ToProviderValue(0.35m, single));
        Assert.Equal((double)0.35f, Dialect.ToProviderValue(0.35d, single));
        Assert.Equal(1e308, Dialect.ToProviderValue(1e308, single));
        Assert.Equal(0.35d, Dialect.ToProviderValue(0.35d, ColumnType.Of(ValueKind.Double)));
    }
}
