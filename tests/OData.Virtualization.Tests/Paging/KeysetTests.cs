using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using OData.Virtualization.Paging;
using OData.Virtualization.Query;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Paging;

/// <summary>
/// The keyset continuation: "rows strictly after this position" in OData's total order (NULLs first ascending, last
/// descending, then the key), as SQL with every position value a parameter.
/// </summary>
public sealed partial class KeysetTests
{
    private const long PageRows = 11;

    private static CompilerHarness Pg => CompilerHarness.Postgres;

    private static CompilerHarness Lite => CompilerHarness.Sqlite;

    // ---- one term, several terms, one direction: the row-value form an index seeks ---------------

    [Fact]
    public void After_KeyAscending_IsGreaterThanTheLastKey()
    {
        var statement = Continue(Pg, "customers?$select=id", 42);

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"id\" > $1) ORDER BY t0.\"id\" ASC LIMIT 11", statement);
        SqlAssert.Parameters(statement, 42);
    }

    [Fact]
    public void After_KeyDescending_IsLessThanTheLastKey()
    {
        var statement = Continue(Pg, "customers?$select=id&$orderby=id desc", 42);

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"id\" < $1) ORDER BY t0.\"id\" DESC LIMIT 11", statement);
        SqlAssert.Parameters(statement, 42);
    }

    [Fact]
    public void After_NotNullTermThenKey_Ascending_IsOneRowValueComparison()
    {
        var statement = Continue(Pg, "customers?$select=id,name&$orderby=name", "Smith", 7);

        SqlAssert.Sql(
            "SELECT t0.\"id\", t0.\"name\" FROM \"sales\".\"customers\" AS t0 WHERE ((t0.\"name\", t0.\"id\") > ($1, $2)) " +
            "ORDER BY t0.\"name\" ASC, t0.\"id\" ASC LIMIT 11",
            statement);
        SqlAssert.Parameters(statement, "Smith", 7);
    }

    [Fact]
    public void After_NotNullTermThenKey_Descending_IsOneRowValueComparisonTheOtherWay()
    {
        var statement = Continue(Pg, "customers?$select=id,name&$orderby=name desc", "Smith", 7);

        SqlAssert.Sql(
            "SELECT t0.\"id\", t0.\"name\" FROM \"sales\".\"customers\" AS t0 WHERE ((t0.\"name\", t0.\"id\") < ($1, $2)) " +
            "ORDER BY t0.\"name\" DESC, t0.\"id\" DESC LIMIT 11",
            statement);
        SqlAssert.Parameters(statement, "Smith", 7);
    }

    [Fact]
    public void After_CompositeKey_ComparesBothKeyColumnsAsOneRowValue()
    {
        var statement = Continue(Pg, "order_lines?$select=order_id,line_no", 5_000_000_001L, 3);

        SqlAssert.Sql(
            "SELECT t0.\"order_id\", t0.\"line_no\" FROM \"sales\".\"order_lines\" AS t0 WHERE ((t0.\"order_id\", t0.\"line_no\") > ($1, $2)) " +
            "ORDER BY t0.\"order_id\" ASC, t0.\"line_no\" ASC LIMIT 11",
            statement);
        SqlAssert.Parameters(statement, 5_000_000_001L, 3);
    }

    // ---- mixed directions: an OR of "equal so far, then after" with a bound in front -------------

    [Fact]
    public void After_MixedDirections_IsOrOfPrefixesWithALeadingBound()
    {
        var statement = Continue(Pg, "customers?$select=id,name,balance&$orderby=name desc,balance", "Smith", 100.50m, 7);

        // name DESC, balance ASC, id ASC (the key follows the last term): after (Smith, 100.50, 7) is a smaller name,
        // or the same name and a larger balance, or both the same and a larger id; no row after it has a larger name.
        SqlAssert.Sql(
            "SELECT t0.\"id\", t0.\"name\", t0.\"balance\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"name\" <= $6 AND (" +
            "(t0.\"name\" < $1) OR (t0.\"name\" = $2 AND t0.\"balance\" > $3) OR (t0.\"name\" = $2 AND t0.\"balance\" = $4 AND t0.\"id\" > $5))) " +
            "ORDER BY t0.\"name\" DESC, t0.\"balance\" ASC, t0.\"id\" ASC LIMIT 11",
            statement);
        SqlAssert.Parameters(statement, "Smith", "Smith", 100.50m, 100.50m, 7, "Smith");
    }

    // ---- nullable terms: NULLs first ascending, last descending -----------------------------------

    [Fact]
    public void After_NullableAscending_ValueNotNull_ExcludesTheNullsThatCameFirst()
    {
        var statement = Continue(Pg, "customers?$select=id,city&$orderby=city", "Bern", 7);

        SqlAssert.Sql(
            "SELECT t0.\"id\", t0.\"city\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"city\" >= $4 AND (" +
            "(t0.\"city\" > $1) OR (t0.\"city\" = $2 AND t0.\"id\" > $3))) ORDER BY t0.\"city\" ASC NULLS FIRST, t0.\"id\" ASC LIMIT 11",
            statement);
        SqlAssert.Parameters(statement, "Bern", "Bern", 7, "Bern");
    }

    [Fact]
    public void After_NullableAscending_ValueNull_IsEveryNonNullOrALaterNull_WithoutBindingNull()
    {
        var statement = Continue(Pg, "customers?$select=id,city&$orderby=city", null, 7);

        SqlAssert.Sql(
            "SELECT t0.\"id\", t0.\"city\" FROM \"sales\".\"customers\" AS t0 WHERE (" +
            "(t0.\"city\" IS NOT NULL) OR (t0.\"city\" IS NULL AND t0.\"id\" > $1)) ORDER BY t0.\"city\" ASC NULLS FIRST, t0.\"id\" ASC LIMIT 11",
            statement);
        SqlAssert.Parameters(statement, 7);
    }

    [Fact]
    public void After_NullableDescending_ValueNotNull_KeepsTheNullsThatComeLast()
    {
        var statement = Continue(Pg, "customers?$select=id,city&$orderby=city desc", "Bern", 7);

        SqlAssert.Sql(
            "SELECT t0.\"id\", t0.\"city\" FROM \"sales\".\"customers\" AS t0 WHERE ((t0.\"city\" <= $4 OR t0.\"city\" IS NULL) AND (" +
            "((t0.\"city\" < $1 OR t0.\"city\" IS NULL)) OR (t0.\"city\" = $2 AND t0.\"id\" < $3))) " +
            "ORDER BY t0.\"city\" DESC NULLS LAST, t0.\"id\" DESC LIMIT 11",
            statement);
        SqlAssert.Parameters(statement, "Bern", "Bern", 7, "Bern");
    }

    [Fact]
    public void After_NullableDescending_ValueNull_IsOnlyLaterNulls()
    {
        var statement = Continue(Pg, "customers?$select=id,city&$orderby=city desc", null, 7);

        SqlAssert.Sql(
            "SELECT t0.\"id\", t0.\"city\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"city\" IS NULL AND (" +
            "(t0.\"city\" IS NULL AND t0.\"id\" < $1))) ORDER BY t0.\"city\" DESC NULLS LAST, t0.\"id\" DESC LIMIT 11",
            statement);
        SqlAssert.Parameters(statement, 7);
    }

    [Fact]
    public void After_SqliteNullableDescending_SameShapeWithNamedParameters()
    {
        var statement = Continue(Lite, "customers?$select=id,city&$orderby=city desc", "Bern", 7);

        SqlAssert.Sql(
            "SELECT t0.\"id\", t0.\"city\" FROM \"customers\" AS t0 WHERE ((t0.\"city\" <= @p3 OR t0.\"city\" IS NULL) AND (" +
            "((t0.\"city\" < @p0 OR t0.\"city\" IS NULL)) OR (t0.\"city\" = @p1 AND t0.\"id\" < @p2))) " +
            "ORDER BY t0.\"city\" DESC, t0.\"id\" DESC LIMIT 11",
            statement);
        SqlAssert.Parameters(statement, "Bern", "Bern", 7, "Bern");
    }

    [Fact]
    public void After_LastTermNullableDescendingAndNull_NothingFollows()
    {
        // Only reachable when the order does not end in the key; the compiler always appends it, so this is the
        // building block alone: nothing comes after a NULL of a descending term.
        var sql = new SqlBuilder(Pg.Model.Sets["customers"].Source.Dialect);
        var terms = SqlCompiler.OrderTerms(sql, Pg.Plan("customers?$orderby=city desc"), CompilerHarness.Now);

        Assert.Equal("(1 = 0)", Keyset.After(sql, [terms[0]], [null]));
        Assert.Empty(sql.Parameters);
    }

    // ---- where it sits in the statement ------------------------------------------------------------

    [Fact]
    public void After_WithFilter_IsAndedBeforeTheFilter()
    {
        var statement = Continue(Pg, "customers?$select=id&$filter=score gt 5", 42);

        SqlAssert.Sql(
            "SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"id\" > $1) AND (t0.\"score\" > $2) ORDER BY t0.\"id\" ASC LIMIT 11",
            statement);
        SqlAssert.Parameters(statement, 42, 5);
    }

    [Fact]
    public void Page_ContinuationOfARequestWithSkip_SeeksInsteadOfSkippingAgain()
    {
        var first = Page(Pg, "customers?$select=id&$skip=5", after: null).Statement;
        var next = Continue(Pg, "customers?$select=id&$skip=5", 42);

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 ORDER BY t0.\"id\" ASC LIMIT 11 OFFSET $1", first);
        SqlAssert.Parameters(first, 5L);
        SqlAssert.Sql("SELECT t0.\"id\" FROM \"sales\".\"customers\" AS t0 WHERE (t0.\"id\" > $1) ORDER BY t0.\"id\" ASC LIMIT 11", next);
        SqlAssert.Parameters(next, 42);
    }

    [Fact]
    public void Page_OrderColumnNotSelected_IsReadToMintTheNextPosition()
    {
        var page = Page(Pg, "customers?$select=id&$orderby=name", after: ["Smith", 7]);

        SqlAssert.Sql(
            "SELECT t0.\"id\", t0.\"name\" AS \"__o1\" FROM \"sales\".\"customers\" AS t0 WHERE ((t0.\"name\", t0.\"id\") > ($1, $2)) " +
            "ORDER BY t0.\"name\" ASC, t0.\"id\" ASC LIMIT 11",
            page.Statement);
        Assert.Equal(new[] { 1, 0 }, page.OrderOrdinals);
    }

    [Fact]
    public void After_WrongNumberOfValues_Is400InvalidSkipToken()
    {
        var problem = Assert.Throws<ODataProblem>(() => Continue(Pg, "customers?$select=id,name&$orderby=name", "Smith"));

        Assert.Equal((400, "InvalidSkipToken", "$skiptoken"), (problem.Status, problem.Code, problem.Target));
    }

    // ---- parameters: typed as the column, never SQL text -------------------------------------------

    [Fact]
    public void After_TimestampWithOffset_BindsTheSameInstantAsTheColumnType()
    {
        // created_at is a timestamp without time zone, published read as UTC: 05:04:05+02:00 is 03:04:05 in the column.
        var position = new DateTimeOffset(2025, 1, 2, 5, 4, 5, TimeSpan.FromHours(2));

        var pg = Continue(Pg, "customers?$select=id,created_at&$orderby=created_at", position, 7);
        var lite = Continue(Lite, "customers?$select=id,created_at&$orderby=created_at", position, 7);

        Assert.Contains("WHERE ((t0.\"created_at\", t0.\"id\") > ($1, $2))", pg.Text, StringComparison.Ordinal);
        SqlAssert.Parameters(pg, new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Unspecified), 7);
        Assert.Contains("WHERE ((t0.\"created_at\", t0.\"id\") > (@p0, @p1))", lite.Text, StringComparison.Ordinal);
        SqlAssert.Parameters(lite, "2025-01-02 03:04:05", 7);
    }

    [Fact]
    public void After_DecimalBeyondSystemDecimalAsText_IsCastToNumericOnPostgres()
    {
        const string huge = "123456789012345678901234567890.5";

        var pg = Continue(Pg, "customers?$select=id,balance&$orderby=balance", huge, 7);
        var lite = Continue(Lite, "customers?$select=id,balance&$orderby=balance", huge, 7);

        Assert.Contains("WHERE ((t0.\"balance\", t0.\"id\") > (CAST($1 AS numeric), $2))", pg.Text, StringComparison.Ordinal);
        SqlAssert.Parameters(pg, huge, 7);
        SqlAssert.NoLiteral(pg, "12345");
        Assert.Contains("WHERE ((t0.\"balance\", t0.\"id\") > (@p0, @p1))", lite.Text, StringComparison.Ordinal);
    }

    public static TheoryData<bool, string, object?[]> Positions() => new()
    {
        { true, "customers?$select=id,name&$orderby=name", ["Robert'); DROP TABLE customers;--", 424242] },
        { false, "customers?$select=id,name&$orderby=name desc", ["O'Brien /* x */", 535353] },
        { true, "customers?$select=id,city&$orderby=city", ["Zürich-plugh", 616161] },
        { false, "customers?$select=id,city&$orderby=city desc", ["xyzzy", 717171] },
        { true, "customers?$select=id,name,balance&$orderby=name desc,balance", ["quux", 98765.43m, 818181] },
        { false, "customers?$select=id,created_at,city&$orderby=created_at desc,city", [new DateTimeOffset(2031, 7, 19, 8, 9, 10, TimeSpan.Zero), "frotz", 919191] },
        { true, "customers?$select=id,external_id&$orderby=external_id", [Guid.Parse("0badc0de-1234-4abc-8def-0123456789ab"), 313131] },
    };

    [Theory]
    [MemberData(nameof(Positions))]
    public void After_AnyPosition_ValuesAreParametersAndNeverSqlText(bool postgres, string url, object?[] after)
    {
        var statement = Continue(postgres ? Pg : Lite, url, after);

        var texts = after.Select(v => v switch
        {
            DateTimeOffset => "2031",
            Guid => "0badc0de",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => v!.ToString()!,
        }).ToArray();
        SqlAssert.NoLiteral(statement, texts);
        SqlAssert.NoLiteral(statement, "DROP", "Brien", "plugh");
        Assert.DoesNotContain("'", statement.Text, StringComparison.Ordinal);
        var placeholders = (postgres ? PostgresPlaceholder() : SqlitePlaceholder()).Matches(statement.Text)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) - (postgres ? 1 : 0))
            .ToHashSet();
        Assert.Equal(Enumerable.Range(0, statement.Parameters.Count).ToHashSet(), placeholders);
    }

    // ---- walked on the embedded engine: no row twice, none left out ---------------------------------

    [Theory]
    [InlineData("city")]
    [InlineData("city desc")]
    [InlineData("score,city desc")]
    [InlineData("city desc,score")]
    [InlineData("name desc,balance")]
    [InlineData("name,city")]
    [InlineData("score desc,name desc")]
    [InlineData("id desc")]
    [InlineData("name")]
    [InlineData("name desc")]
    [InlineData("balance,name")]
    public void Page_WalkedToTheEnd_ReturnsEveryRowOnceInODataOrder(string orderBy)
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        Execute(connection, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT, balance NUMERIC NOT NULL, score INTEGER)");
        foreach (var row in s_rows)
        {
            Execute(connection, "INSERT INTO customers VALUES ($id, $name, $city, $balance, $score)",
                ("$id", row.Id), ("$name", row.Name), ("$city", row.City), ("$balance", row.Balance), ("$score", row.Score));
        }

        var url = "customers?$select=id&$orderby=" + orderBy;
        var walked = new List<long>();
        object?[]? after = null;
        for (var pages = 0; pages <= s_rows.Length; pages++)
        {
            var page = Page(Lite, url, after, limit: 3);
            var last = (object?[]?)null;
            using (var command = connection.CreateCommand())
            {
                command.CommandText = page.Statement.Text;
                for (var i = 0; i < page.Statement.Parameters.Count; i++)
                {
                    command.Parameters.Add(Lite.Model.Sets["customers"].Source.Dialect.CreateParameter(command, i, page.Statement.Parameters[i]));
                }

                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    walked.Add(reader.GetInt64(0));
                    last = page.OrderOrdinals.Select(o => reader.IsDBNull(o) ? null : reader.GetValue(o)).ToArray();
                }
            }

            if (last is null)
            {
                break;
            }

            after = last;
        }

        Assert.Equal(Expected(orderBy), walked);
    }

    private static readonly (long Id, string Name, string? City, double Balance, long? Score)[] s_rows =
    [
        (1, "Meier", "Bern", 100.5, 3),
        (2, "Adler", null, 20, null),
        (3, "Meier", "Aarau", 100.5, 3),
        (4, "Zoller", "Bern", 7, null),
        (5, "Adler", "Zug", 100.5, 1),
        (6, "Brun", null, 20, 3),
        (7, "Meier", null, 5, 1),
        (8, "Brun", "Bern", 20, null),
        (9, "Zoller", "Aarau", 7, 3),
        (10, "Keller", "Zug", 100.5, 2),
        (11, "Adler", "Bern", 5, 2),
        (12, "Keller", null, 7, null),
        (13, "Meier", "Bern", 100.5, 3),
    ];

    /// <summary>The same order evaluated in memory: NULLs first ascending and last descending, then the key in the last term's direction.</summary>
    private static List<long> Expected(string orderBy)
    {
        var terms = orderBy.Split(',').Select(t => t.Split(' ')).Select(p => (Name: p[0], Descending: p.Length > 1)).ToList();
        if (!terms.Any(t => t.Name == "id"))
        {
            terms.Add(("id", terms[^1].Descending));
        }

        var rows = s_rows.ToList();
        rows.Sort((a, b) =>
        {
            foreach (var (name, descending) in terms)
            {
                var compared = CompareNullsFirst(Value(a, name), Value(b, name));
                if (compared != 0)
                {
                    return descending ? -compared : compared;
                }
            }

            return 0;
        });
        return rows.Select(r => r.Id).ToList();
    }

    private static IComparable? Value((long Id, string Name, string? City, double Balance, long? Score) row, string name) => name switch
    {
        "id" => row.Id,
        "name" => row.Name,
        "city" => row.City,
        "balance" => row.Balance,
        "score" => row.Score,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static int CompareNullsFirst(IComparable? a, IComparable? b)
        => a is null ? (b is null ? 0 : -1) : b is null ? 1 : a is string s ? string.CompareOrdinal(s, (string)b) : a.CompareTo(b);

    private static void Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static SqlStatement Continue(CompilerHarness harness, string url, params object?[] after)
        => Page(harness, url, after).Statement;

    private static SqlCompiler.PageStatement Page(CompilerHarness harness, string url, object?[]? after, long limit = PageRows)
        => SqlCompiler.Page(harness.Plan(url) with { Paging = new PageWindow(limit, after) }, CompilerHarness.Now);

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex PostgresPlaceholder();

    [GeneratedRegex(@"@p(\d+)")]
    private static partial Regex SqlitePlaceholder();
}
