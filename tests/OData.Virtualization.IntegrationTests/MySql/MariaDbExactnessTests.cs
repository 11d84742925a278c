using System.Net;
using System.Text.Json;
using MySqlConnector;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Model;
using OData.Virtualization.Query;

namespace OData.Virtualization.IntegrationTests.MySql;

/// <summary>
/// Comparisons on a MariaDB whose default collation is case-insensitive must be exact — 'abc' is not 'AbC', 'b' is not
/// 'b ' — and still use the index; keys must echo; a keyset walk must return every row exactly once. Each expectation is
/// computed here with ordinal string comparison over the rows read directly, not taken from the database's collation.
/// </summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbExactnessTests(MariaDbFixture fixture)
{
    private HttpClient Client => fixture.Client;

    [Theory]
    [InlineData("abc")]
    [InlineData("AbC")]
    [InlineData("äbc")]
    [InlineData("b")]
    [InlineData("b ")]
    [InlineData("a\\c")]
    [InlineData("x'y")]
    public async Task Filter_EqOnCaseInsensitiveColumn_ReturnsOnlyTheExactValue(string label)
    {
        var rows = await Client.GetValuesAsync($"codes?$filter=label eq {ODataAssert.StringLiteral(label)}");
        var labels = rows.Select(r => r.GetProperty("label").GetString()).ToList();
        var expected = (await fixture.ColumnAsync("SELECT label FROM codes")).Where(l => string.Equals(l, label, StringComparison.Ordinal)).ToList();

        Assert.Equal(expected, labels);
        Assert.All(labels, l => Assert.Equal(label, l));
    }

    [Fact]
    public async Task Filter_KeysDifferingOnlyInCase_AreDistinctRows()
    {
        var rows = await Client.GetValuesAsync("codes?$filter=code eq 'abc'");
        Assert.Equal("abc", Assert.Single(rows).GetProperty("code").GetString());

        var (ne, _) = await Client.GetAllKeysAsync("codes?$filter=code ne 'abc'", ["code"]);
        Assert.Equal(13, ne.Count);
        Assert.DoesNotContain("abc", ne);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("AbC")]
    [InlineData("ABC")]
    [InlineData("Äbc")]
    [InlineData("x'y")]
    [InlineData("日本")]
    [InlineData("a%c")]
    [InlineData("a_c")]
    [InlineData("a\\c")]
    public async Task Entity_ByKey_EchoesTheKeyAsked(string code)
    {
        var json = await Client.GetJsonAsync($"codes({ODataAssert.StringLiteral(code)})");
        Assert.Equal(code, json.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Entity_ByKeyOnCaseInsensitiveKey_AnotherCaseIsNotFound()
    {
        var json = await Client.GetJsonAsync("ci_keys('abc')");
        Assert.Equal("abc", json.GetProperty("code").GetString());

        using var response = await Client.GetAsync("ci_keys('ABC')");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("code gt 'abc'")]
    [InlineData("label lt 'b'")]
    [InlineData("label ge 'a'")]
    [InlineData("contains(label, 'bc')")]
    [InlineData("startswith(label, 'a')")]
    [InlineData("endswith(label, 'C')")]
    [InlineData("contains(label, '%')")]
    [InlineData("contains(label, '_')")]
    [InlineData("contains(label, '\\')")]
    [InlineData("tolower(label) eq 'abc'")]
    [InlineData("toupper(code) eq 'ABC'")]
    [InlineData("length(label) eq 2")]
    [InlineData("indexof(label, 'b') eq 1")]
    [InlineData("substring(label, 1) eq 'bc'")]
    [InlineData("substring(label, 1, 1) eq 'b'")]
    [InlineData("concat(code, 'x') eq 'abcx'")]
    [InlineData("trim(label) eq 'b'")]
    [InlineData("label in ('abc', 'B', 'b ')")]
    [InlineData("note eq null")]
    [InlineData("note ne 'lower'")]
    [InlineData("not (note eq 'lower')")]
    [InlineData("note gt 'm'")]
    [InlineData("not (note gt 'm')")]
    [InlineData("n mod 3 eq 1 and n div 2 ge 2")]
    public async Task Filter_MatchesOrdinalEvaluation(string filter)
    {
        var rows = await RowsAsync();
        var expected = rows.Where(Oracle(filter)).Select(r => r.Code).Order(StringComparer.Ordinal).ToList();
        var (keys, _) = await Client.GetAllKeysAsync($"codes?$filter={Uri.EscapeDataString(filter)}", ["code"]);
        Assert.Equal(expected, keys.Order(StringComparer.Ordinal).ToList());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("label")]
    [InlineData("label desc")]
    [InlineData("note")]
    [InlineData("note desc,label")]
    public async Task NextLinkWalk_ReturnsEveryRowOnce_InCodePointOrder(string? orderBy)
    {
        var rows = await RowsAsync();
        var (keys, _) = await Client.GetAllKeysAsync("codes" + (orderBy is null ? string.Empty : "?$orderby=" + orderBy), ["code"]);

        Assert.Equal(rows.Count, keys.Count);
        Assert.Equal(rows.Select(r => r.Code).Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        if (orderBy is not null)
        {
            // Ordered by the client's terms in code point order (UTF-8 byte order), nulls first ascending.
            var byCode = rows.ToDictionary(r => r.Code, StringComparer.Ordinal);
            var terms = orderBy.Split(',').Select(t => t.Split(' ')).Select(t => (Name: t[0], Desc: t.Length > 1)).ToList();
            for (var i = 1; i < keys.Count; i++)
            {
                var order = Compare(byCode[keys[i - 1]], byCode[keys[i]], terms);
                Assert.True(order <= 0, $"{keys[i - 1]} before {keys[i]} breaks $orderby={orderBy}");
            }
        }
    }

    [Fact]
    public async Task NextLinkWalk_CaseInsensitiveKey_ReturnsEveryRowOnce()
    {
        var codes = await fixture.ColumnAsync("SELECT code FROM ci_keys");
        foreach (var orderBy in new[] { string.Empty, "?$orderby=v desc", "?$orderby=code" })
        {
            var (keys, _) = await Client.GetAllKeysAsync("ci_keys" + orderBy, ["code"]);
            Assert.Equal(codes.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task ExactEquality_StillSeeksTheIndex()
    {
        // The statement shapes the dialect writes for an equality on an indexed case-insensitive column and on a key.
        var dialect = MySqlDialect.Instance;
        var text = ColumnType.Of(ValueKind.String);
        var exactOnly = $"({dialect.CompareColumn("t.\"label\"", text)} = @p0)";
        var onLabel = dialect.Comparison(dialect.CompareColumn("t.\"label\"", text), "=", "@p0");
        var onKey = dialect.Comparison(dialect.CompareColumn("t.\"code\"", text), "=", "@p0");

        // The exact comparison alone hides the column from its index: the reason for the second comparison.
        // (EXPLAIN's access type: ALL or index is a scan of the table or of a whole index; ref and const seek.)
        Assert.Contains(await IndexUsedAsync($"SELECT * FROM many AS t WHERE {exactOnly}", "label-7"), new[] { "ALL", "index", "ALL ix_many_label", "index ix_many_label" });
        Assert.Equal("ref ix_many_label", await IndexUsedAsync($"SELECT * FROM many AS t WHERE {onLabel}", "label-7"));
        Assert.Equal("const PRIMARY", await IndexUsedAsync($"SELECT * FROM codes AS t WHERE {onKey}", "abc"));

        // And it is exact: 'label-7' and 'Label-7' are equal under the column's collation, one of them is asked for.
        var rows = await fixture.ColumnAsync("SELECT COUNT(*) FROM many WHERE label = 'label-7'");
        Assert.True(long.Parse(rows[0]!, System.Globalization.CultureInfo.InvariantCulture) > 4);
        var (keys, _) = await Client.GetAllKeysAsync("many?$filter=label eq 'label-7'", ["id"]);
        var expected = await fixture.ColumnAsync("SELECT id FROM many WHERE CAST(label AS BINARY) = 'label-7'");
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    private async Task<string> IndexUsedAsync(string sql, string value)
    {
        await using var connection = new MySqlConnection(fixture.RootConnectionString);
        await connection.OpenAsync();
        await using (var mode = new MySqlCommand("SET SESSION sql_mode = 'ANSI_QUOTES'", connection))
        {
            await mode.ExecuteNonQueryAsync();
        }

        await using var command = new MySqlCommand("EXPLAIN " + sql, connection);
        command.Parameters.AddWithValue("@p0", value);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var type = reader.GetString(reader.GetOrdinal("type"));
        return reader.IsDBNull(reader.GetOrdinal("key")) ? type : type + " " + reader.GetString(reader.GetOrdinal("key"));
    }

    private sealed record Row(string Code, string Label, string? Note, int N);

    private async Task<List<Row>> RowsAsync()
    {
        await using var connection = new MySqlConnection(fixture.RootConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT code, label, note, n FROM codes", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt32(3)));
        }

        return rows;
    }

    /// <summary>The filters above, evaluated with ordinal comparisons and OData's null rules.</summary>
    private static Func<Row, bool> Oracle(string filter) => filter switch
    {
        "code gt 'abc'" => r => Ord(r.Code, "abc") > 0,
        "label lt 'b'" => r => Ord(r.Label, "b") < 0,
        "label ge 'a'" => r => Ord(r.Label, "a") >= 0,
        "contains(label, 'bc')" => r => r.Label.Contains("bc", StringComparison.Ordinal),
        "startswith(label, 'a')" => r => r.Label.StartsWith('a'),
        "endswith(label, 'C')" => r => r.Label.EndsWith('C'),
        "contains(label, '%')" => r => r.Label.Contains('%', StringComparison.Ordinal),
        "contains(label, '_')" => r => r.Label.Contains('_', StringComparison.Ordinal),
        "contains(label, '\\')" => r => r.Label.Contains('\\', StringComparison.Ordinal),
        "tolower(label) eq 'abc'" => r => r.Label.ToLowerInvariant() == "abc",
        "toupper(code) eq 'ABC'" => r => r.Code.ToUpperInvariant() == "ABC",
        "length(label) eq 2" => r => r.Label.Length == 2,
        "indexof(label, 'b') eq 1" => r => r.Label.IndexOf('b', StringComparison.Ordinal) == 1,
        "substring(label, 1) eq 'bc'" => r => r.Label.Length >= 1 && r.Label[1..] == "bc",
        "substring(label, 1, 1) eq 'b'" => r => r.Label.Length >= 2 && r.Label.Substring(1, 1) == "b",
        "concat(code, 'x') eq 'abcx'" => r => r.Code + "x" == "abcx",
        "trim(label) eq 'b'" => r => r.Label.Trim() == "b",
        "label in ('abc', 'B', 'b ')" => r => r.Label is "abc" or "B" or "b ",
        "note eq null" => r => r.Note is null,
        "note ne 'lower'" => r => r.Note != "lower",
        "not (note eq 'lower')" => r => r.Note != "lower",
        "note gt 'm'" => r => r.Note is not null && Ord(r.Note, "m") > 0,
        "not (note gt 'm')" => r => !(r.Note is not null && Ord(r.Note, "m") > 0),
        "n mod 3 eq 1 and n div 2 ge 2" => r => r.N % 3 == 1 && r.N / 2 >= 2,
        _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, "No oracle for this filter."),
    };

    /// <summary>Code point order (UTF-8 byte order), as the server's exact collation orders text.</summary>
    private static int Ord(string a, string b)
    {
        var x = System.Text.Encoding.UTF8.GetBytes(a);
        var y = System.Text.Encoding.UTF8.GetBytes(b);
        return ((ReadOnlySpan<byte>)x).SequenceCompareTo(y);
    }

    private static int Compare(Row a, Row b, IReadOnlyList<(string Name, bool Desc)> terms)
    {
        foreach (var (name, desc) in terms)
        {
            var (x, y) = name switch
            {
                "label" => (a.Label, b.Label),
                "note" => (a.Note, b.Note),
                _ => (a.Code, b.Code),
            };
            var c = (x, y) switch
            {
                (null, null) => 0,
                (null, _) => -1,
                (_, null) => 1,
                _ => Ord(x, y),
            };
            if (c != 0)
            {
                return desc ? -c : c;
            }
        }

        return 0;
    }
}
