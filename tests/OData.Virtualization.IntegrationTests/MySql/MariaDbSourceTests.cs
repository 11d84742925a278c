using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using OData.Virtualization.Configuration;
using OData.Virtualization.Hosting;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.MySql;

/// <summary>
/// A MariaDB source end to end: discovery of what the account may read, the type mapping (exact for every value the
/// column holds), read-only sessions with the server's statement time limit, and every query option the other
/// dialects serve, answered as the rows read directly say, or refused with a 4xx or 501 — never a 5xx.
/// </summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbSourceTests(MariaDbFixture fixture)
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Discovery_PublishesWhatTheAccountMaySelect_AndReportsTheRest()
    {
        var sets = (await Client.GetValuesAsync(string.Empty)).Select(s => s.GetProperty("name").GetString()!).ToList();

        Assert.Equal(["Größe____Maß_", "children", "churn", "ci_keys", "codes", "many", "select", "types"], sets.Order(StringComparer.Ordinal));
        var report = fixture.Factory.Services.GetRequiredService<ModelHost>().Report;
        Assert.Contains(report, line => line.Contains("exact.label_counts", StringComparison.Ordinal) && line.Contains(":Key", StringComparison.Ordinal));
        Assert.Contains(report, line => line.Contains("geo", StringComparison.Ordinal) && line.Contains("point", StringComparison.Ordinal));
        Assert.DoesNotContain(report, line => line.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metadata_MapsEachTypeExactly()
    {
        var xml = await Client.GetTextAsync("$metadata");
        var doc = System.Xml.Linq.XDocument.Parse(xml);
        var types = doc.Descendants().Where(e => e.Name.LocalName == "EntityType" && (string?)e.Attribute("Name") == "types").Single()
            .Elements().Where(e => e.Name.LocalName == "Property")
            .ToDictionary(p => (string)p.Attribute("Name")!, p => (string)p.Attribute("Type")!);

        Assert.Equal("Edm.Decimal", types["u64"]);
        Assert.Equal("Edm.Int64", types["i64"]);
        Assert.Equal("Edm.Int64", types["u32"]);
        Assert.Equal("Edm.Int16", types["i8"]);
        Assert.Equal("Edm.Byte", types["u8"]);
        Assert.Equal("Edm.Boolean", types["flag"]);
        Assert.Equal("Edm.Boolean", types["b1"]);
        Assert.Equal("Edm.Int64", types["b8"]);
        Assert.Equal("Edm.Decimal", types["d65"]);
        Assert.Equal("Edm.Single", types["f"]);
        Assert.Equal("Edm.Double", types["dbl"]);
        Assert.Equal("Edm.String", types["e"]);
        Assert.Equal("Edm.String", types["s"]);
        Assert.Equal("Edm.String", types["js"]);
        Assert.Equal("Edm.Int16", types["y"]);
        Assert.Equal("Edm.DateTimeOffset", types["dt"]);
        Assert.Equal("Edm.DateTimeOffset", types["ts"]);
        Assert.Equal("Edm.Date", types["d"]);
        Assert.Equal("Edm.Duration", types["tm"]);
        Assert.Equal("Edm.Int32", types["g"]);
        Assert.Equal("Edm.Binary", types["vb"]);
        Assert.DoesNotContain("geo", types.Keys);
    }

    [Fact]
    public async Task Values_AreExact_AtTheEdgesOfEachType()
    {
        using var response = await Client.GetAsync("types(1)");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var row = JsonDocument.Parse(body).RootElement;

        Assert.Equal("18446744073709551615", row.GetProperty("u64").GetRawText());
        Assert.Equal("-9223372036854775808", row.GetProperty("i64").GetRawText());
        Assert.Equal("4294967295", row.GetProperty("u32").GetRawText());
        Assert.Equal(-128, row.GetProperty("i8").GetInt32());
        Assert.Equal(255, row.GetProperty("u8").GetInt32());
        Assert.True(row.GetProperty("flag").GetBoolean());
        Assert.True(row.GetProperty("b1").GetBoolean());
        Assert.Equal(165, row.GetProperty("b8").GetInt64());
        var direct = await fixture.ColumnAsync("SELECT CAST(d65 AS CHAR) FROM types WHERE id = 1");
        Assert.Equal(direct[0], row.GetProperty("d65").GetRawText());
        Assert.Equal("12345678.91", row.GetProperty("d10").GetRawText());
        Assert.Equal("it's", row.GetProperty("e").GetString());
        Assert.Equal("a,c", row.GetProperty("s").GetString());
        Assert.Equal(2155, row.GetProperty("y").GetInt32());
        Assert.Equal("2024-02-29T23:59:59.123456Z", row.GetProperty("dt").GetString());
        Assert.Equal("2024-02-29T23:59:59.123456Z", row.GetProperty("ts").GetString());
        Assert.Equal("0001-01-01", row.GetProperty("d").GetString()); // the zero date, not a 500 (decision 94)
        Assert.Equal(TimeSpan.FromHours(838) + TimeSpan.FromMinutes(59) + TimeSpan.FromSeconds(59), System.Xml.XmlConvert.ToTimeSpan(row.GetProperty("tm").GetString()!));
        Assert.Equal(-256, row.GetProperty("g").GetInt32());
        Assert.Equal("ab", row.GetProperty("ch").GetString());

        var second = await Client.GetJsonAsync("types(2)");
        Assert.Equal("9007199254740993", second.GetProperty("i64").GetRawText());
        Assert.Equal(-TimeSpan.FromSeconds((838 * 3600) + (59 * 60) + 59), System.Xml.XmlConvert.ToTimeSpan(second.GetProperty("tm").GetString()!));
        var nulls = await Client.GetJsonAsync("types(3)");
        Assert.Equal(JsonValueKind.Null, nulls.GetProperty("u64").ValueKind);
    }

    [Theory]
    [InlineData("u64 eq 18446744073709551615", "1")]
    [InlineData("u64 lt 1", "2")]
    [InlineData("d65 gt 0", "1")]
    [InlineData("d65 lt 0", "2")]
    [InlineData("flag eq true", "1")]
    [InlineData("flag eq false", "2")]
    [InlineData("not flag", "2|3")]
    [InlineData("b1 eq true", "1")]
    [InlineData("e eq 'it''s'", "1")]
    [InlineData("y ge 2000", "1")]
    [InlineData("dt lt 2000-01-01T00:00:00Z", "2")]
    [InlineData("ts gt 2024-02-29T23:59:59Z", "1")]
    [InlineData("d eq 2024-01-15", "2")]
    [InlineData("tm gt duration'PT24H'", "1")]
    [InlineData("year(dt) eq 2024 and month(dt) eq 2 and day(dt) eq 29", "1")]
    [InlineData("hour(ts) eq 23 and minute(ts) eq 59 and second(ts) eq 59", "1")]
    [InlineData("g eq -256", "1")]
    [InlineData("i64 eq 9007199254740993", "2")]
    [InlineData("d10 add 1 eq 12345679.91", "1")]
    [InlineData("f mul 2 eq 1", "1")]
    public async Task Filter_OnEachType_FindsItsRow(string filter, string id)
    {
        var (keys, _) = await Client.GetAllKeysAsync($"types?$filter={Uri.EscapeDataString(filter)}", ["id"]);
        Assert.Equal(id.Split('|'), keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("types?$orderby=u64 desc")]
    [InlineData("types?$orderby=d65,dt desc")]
    [InlineData("types?$orderby=tm")]
    [InlineData("types?$orderby=e,s,js")]
    public async Task NextLinkWalk_OverWideTypes_ReturnsEveryRowOnce(string url)
    {
        var (keys, _) = await Client.GetAllKeysAsync(url, ["id"]);
        Assert.Equal(["1", "2", "3"], keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ReservedWordsQuotesAndBackticks_AreReadFilteredAndOrdered()
    {
        var rows = await Client.GetValuesAsync("select?$orderby=order desc");
        Assert.Equal(3, rows.Count);
        var first = (await Client.GetValuesAsync($"select?$filter={Uri.EscapeDataString("quote_d eq 'q\"1'")}")).Single();
        Assert.Equal(1, first.GetProperty("group").GetInt64());
        Assert.Equal("b`1", first.GetProperty("back_tick").GetString());
        var unicode = await Client.GetValuesAsync($"select?$filter={Uri.EscapeDataString("Ünïcödé eq 'Ä'")}");
        Assert.Equal(3, Assert.Single(unicode).GetProperty("group").GetInt64());
    }

    [Theory]
    [InlineData("codes?$expand=children&$orderby=code")]
    [InlineData("children?$expand=codes")]
    [InlineData("codes?$filter=children/any(c: c/qty gt 4)")]
    [InlineData("codes?$filter=children/all(c: c/qty lt 5)")]
    [InlineData("codes?$filter=children/$count ge 1")]
    [InlineData("children?$filter=codes/label eq 'abc'")]
    [InlineData("children?$orderby=codes/n desc")]
    [InlineData("codes('abc')/children")]
    [InlineData("codes?$apply=groupby((n))")]
    [InlineData("children?$apply=groupby((code),aggregate(qty with sum as total))")]
    [InlineData("children?$apply=aggregate(qty with average as avg,qty with max as most)")]
    [InlineData("codes?$compute=length(label) as len&$select=code,len&$filter=len gt 2")]
    [InlineData("codes?$search=ABC")]
    [InlineData("codes?$count=true&$top=2")]
    [InlineData("codes/$count")]
    [InlineData("codes?$select=code,note&$skip=2&$top=3")]
    public async Task QueryOptions_AreServed(string url)
    {
        using var response = await Client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {body}");
    }

    [Fact]
    public async Task QueryOptions_AnswerAsTheRowsSay()
    {
        var expand = await Client.GetJsonAsync("codes('abc')?$expand=children($orderby=id)");
        Assert.Equal([1, 2], expand.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("id").GetInt32()));

        var any = (await Client.GetAllKeysAsync("codes?$filter=children/any(c: c/qty gt 4)", ["code"])).Keys;
        Assert.Equal(["abc"], any);

        var sums = await AllValuesAsync("children?$apply=groupby((code),aggregate(qty with sum as total))&$orderby=code");
        var direct = await fixture.ColumnAsync("SELECT CONCAT(COALESCE(code, 'null'), '=', SUM(qty)) FROM children GROUP BY code");
        Assert.Equal(
            direct.Order(StringComparer.Ordinal),
            sums.Select(s => (s.GetProperty("code").GetString() ?? "null") + "=" + s.GetProperty("total").GetRawText()).Order(StringComparer.Ordinal));

        // $search is case-insensitive, as on every dialect.
        var search = (await Client.GetAllKeysAsync("codes?$search=ABC", ["code"])).Keys;
        Assert.Equal(["ABC", "AbC", "abc"], search.Order(StringComparer.Ordinal));

        Assert.Equal(14, await Client.GetCountAsync("codes/$count"));
    }

    [Theory]
    [InlineData("types?$filter=dbl eq NaN")]
    [InlineData("types?$filter=i8 div 0 eq 1")]
    [InlineData("types?$filter=i64 add 9223372036854775807 gt 0")]
    [InlineData("types?$filter=u64 mul 2 gt 0")]
    [InlineData("codes?$filter=substring(label, 1, -1) eq ''")]
    [InlineData("codes?$filter=label eq '\u0000'")]
    [InlineData("codes?$filter=contains(label, '\ud83d\ude00')")]
    [InlineData("types?$filter=dt eq 9999-12-31T23:59:59.9999999Z")]
    [InlineData("types?$filter=d eq 0001-01-01")]
    [InlineData("types?$filter=tm eq duration'P100000D'")]
    [InlineData("codes?$skiptoken=garbage")]
    [InlineData("codes?$orderby=nosuch")]
    [InlineData("codes?$expand=children&$top=5000")]
    public async Task ClientMistakesAndEdges_AreNever5xx(string url)
    {
        using var response = await Client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500 || response.StatusCode == HttpStatusCode.NotImplemented, $"GET {url}: {(int)response.StatusCode} {body}");
        Assert.DoesNotContain("SELECT", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Sessions_AreReadOnly_InUtc_WithTheStatementLimit()
    {
        await using var source = new Sources.MySqlDataSource("probe", new SourceOptions
        {
            Provider = "MySql",
            ConnectionString = fixture.RootConnectionString,
            CommandTimeoutSeconds = 1,
        });
        await using var connection = (MySqlConnection)await source.OpenConnectionAsync(CancellationToken.None);

        await using (var settings = new MySqlCommand("SELECT @@session.max_statement_time, @@session.time_zone, @@session.tx_read_only, @@session.sql_mode", connection))
        await using (var reader = await settings.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(1.0, Convert.ToDouble(reader.GetValue(0), CultureInfo.InvariantCulture));
            Assert.Equal("+00:00", reader.GetString(1));
            Assert.Equal(1L, Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture));
            Assert.Contains("ANSI_QUOTES", reader.GetString(3), StringComparison.Ordinal);
        }

        // Even an account that may write cannot: the session is read-only.
        await using (var write = new MySqlCommand("INSERT INTO ci_keys VALUES ('new', 1)", connection))
        {
            var refused = await Assert.ThrowsAsync<MySqlException>(() => write.ExecuteNonQueryAsync());
            Assert.Equal(MySqlErrorCode.CannotExecuteInReadOnlyTransaction, refused.ErrorCode);
        }

        // A statement past the limit is stopped by the server.
        await using (var slow = new MySqlCommand("SELECT COUNT(*) FROM many a, many b, many c", connection))
        {
            var stopped = await Assert.ThrowsAsync<MySqlException>(() => slow.ExecuteScalarAsync());
            Assert.Equal(1969, (int)stopped.ErrorCode);
        }
    }

    private async Task<List<JsonElement>> AllValuesAsync(string url)
    {
        var values = new List<JsonElement>();
        for (string? next = url; next is not null;)
        {
            var json = await Client.GetJsonAsync(next);
            values.AddRange(json.GetProperty("value").EnumerateArray());
            next = json.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
        }

        return values;
    }
}
