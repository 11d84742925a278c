using System.Globalization;
using System.Text.RegularExpressions;
using OData.Virtualization.Query;
using OData.Virtualization.Sources;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Query;

/// <summary>Properties every compiled statement has, in both dialects: client values only as parameters.</summary>
public sealed partial class SqlCompilerTests
{
    /// <summary>URLs and the client texts in them that must not reach the SQL text.</summary>
    public static TheoryData<SourceProvider, string, string[]> ClientValues()
    {
        var cases = new (string Url, string[] Texts)[]
        {
            ("customers?$filter=name eq 'O''Brien; DROP TABLE x'", ["Brien", "DROP"]),
            ("customers?$filter=name eq '--' or city eq '/*'", ["--", "/*"]),
            ("customers?$filter=city ne 'Robert''); DELETE FROM customers;--'", ["Robert", "DELETE"]),
            ("customers?$filter=score gt 424242 and score lt 535353", ["424242", "535353"]),
            ("customers?$filter=credit_limit eq 98765.43", ["98765"]),
            ("customers?$filter=created_at gt 2031-07-19T08:09:10Z", ["2031", "08:09"]),
            ("customers?$filter=updated_at lt 2031-07-19T08:09:10%2B05:00", ["2031", "08:09", "05:00"]),
            ("customers?$filter=birth_date eq 1977-11-23", ["1977", "11-23"]),
            ("customers?$filter=external_id eq 0badc0de-1234-4abc-8def-0123456789ab", ["0badc0de", "456789"]),
            ("customers?$skip=97531", ["97531"]),
            ("customers?$filter=id in (31337, 42424, 53535)", ["31337", "42424", "53535"]),
            ("customers?$filter=name in ('alpha''beta', 'gamma')", ["alpha", "gamma"]),
            ("customers?$filter=contains(name,'xyzzy') or startswith(city,'plugh') or endswith(nickname,'frotz')", ["xyzzy", "plugh", "frotz"]),
            ("customers?$filter=indexof(name,'quux') eq 73737", ["quux", "73737"]),
            ("customers?$filter=substring(name,61616,71717) eq 'corge'", ["61616", "71717", "corge"]),
            ("customers?$filter=concat(name,'grault') eq 'garply'", ["grault", "garply"]),
            ("customers?$filter=score add 81818 gt 91919", ["81818", "91919"]),
            ("customers?$search=waldo", ["waldo"]),
            ("customers?$search=\"fred thud\"", ["fred", "thud"]),
            ("customers?$orderby=name&$expand=sales_orders($filter=reference eq 'plover';$top=12121;$skip=13131)", ["plover", "13131"]),
        };

        var data = new TheoryData<SourceProvider, string, string[]>();
        foreach (var provider in new[] { SourceProvider.PostgreSql, SourceProvider.Sqlite })
        {
            foreach (var (url, texts) in cases)
            {
                data.Add(provider, url, texts);
            }
        }

        return data;
    }

    /// <summary>
    /// The one number written into the text: the limit, a <see cref="long"/> the planner computed from <c>$top</c> and the
    /// page size (PostgreSQL plans a statement again on every execution while its LIMIT is a parameter; decision 56).
    /// </summary>
    [Theory]
    [InlineData(SourceProvider.PostgreSql)]
    [InlineData(SourceProvider.Sqlite)]
    public void Select_Top_IsTheLimitsNumber_AndSkipStaysAParameter(SourceProvider provider)
    {
        var statement = SqlCompiler.Select(CompilerHarness.For(provider).Plan("customers?$top=86420&$skip=97531"), CompilerHarness.Now);

        Assert.Matches(@" LIMIT 86420 OFFSET (\$1|@p0)$", statement.Text);
        SqlAssert.Parameters(statement, 97531L);
        SqlAssert.NoLiteral(statement, "97531");
    }

    [Theory]
    [MemberData(nameof(ClientValues))]
    public void Select_ClientValues_AreParametersAndNeverSqlText(SourceProvider provider, string url, string[] clientTexts)
    {
        var harness = CompilerHarness.For(provider);
        var query = harness.Plan(url);
        var statements = new List<SqlStatement>
        {
            SqlCompiler.Select(query, CompilerHarness.Now),
            SqlCompiler.Count(query, CompilerHarness.Now),
        };
        foreach (var expand in query.Expands)
        {
            statements.Add(SqlCompiler.Expand(expand, [[1], [2]], CompilerHarness.Now));
        }

        foreach (var statement in statements)
        {
            SqlAssert.NoLiteral(statement, clientTexts);

            // The only quoted string literal the compiler writes is LIKE's escape character.
            Assert.DoesNotContain("'", statement.Text.Replace("ESCAPE '\\'", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);

            // Every parameter is referenced, and nothing references a parameter that does not exist.
            var referenced = Placeholders(provider, statement.Text);
            Assert.Equal(Enumerable.Range(0, statement.Parameters.Count).ToHashSet(), referenced);
        }
    }

    [Theory]
    [InlineData(SourceProvider.PostgreSql)]
    [InlineData(SourceProvider.Sqlite)]
    public void Select_SameQueryTwice_GivesTheSameStatement(SourceProvider provider)
    {
        var harness = CompilerHarness.For(provider);
        const string url = "customers?$filter=city ne 'Bern' and score in (1,2)&$orderby=city desc&$top=5&$skip=5&$search=a";

        var first = harness.Select(url);
        var second = harness.Select(url);

        Assert.Equal(first.Text, second.Text);
        Assert.Equal(first.Parameters.Count, second.Parameters.Count);
    }

    private static HashSet<int> Placeholders(SourceProvider provider, string sql)
    {
        var regex = provider == SourceProvider.PostgreSql ? PostgresPlaceholder() : SqlitePlaceholder();
        return regex.Matches(sql)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) - (provider == SourceProvider.PostgreSql ? 1 : 0))
            .ToHashSet();
    }

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex PostgresPlaceholder();

    [GeneratedRegex(@"@p(\d+)")]
    private static partial Regex SqlitePlaceholder();
}
