using System.Globalization;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// <c>$select</c>, <c>$orderby</c>, <c>$top</c>, <c>$skip</c>, <c>$count</c>, <c>$search</c> and <c>$expand</c>:
/// the rows, their order and their shape are exactly what the query asks for.
/// </summary>
public abstract class QueryOptionTests(ServerFixture fixture)
{
    protected ServerFixture Fixture { get; } = fixture;

    [Fact]
    public async Task Select_ReturnsOnlyTheSelectedProperties_AndTheContextListsThem()
    {
        var json = await Fixture.Client.GetJsonAsync("erp_customers?$select=name,customer_id&$top=3");
        Assert.Equal(["customer_id", "name"], SelectList(json.GetProperty("@odata.context").GetString()!, "erp_customers").Order(StringComparer.Ordinal));
        var rows = json.GetProperty("value").EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(["customer_id", "name"], r.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)));
        Assert.Equal("Hiroshi L. Novák", rows[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Select_OnAnEntity_ContextEndsWithEntity()
    {
        var json = await Fixture.Client.GetJsonAsync("sales_orders(5000000001)?$select=order_id,Priority,status");
        Assert.Equal(["Priority", "order_id", "status"], SelectList(json.GetProperty("@odata.context").GetString()!, "sales_orders", "/$entity").Order(StringComparer.Ordinal));
        Assert.Equal(["@odata.context", "Priority", "order_id", "status"], json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(3, json.GetProperty("Priority").GetInt32());
    }

    [Fact]
    public async Task Select_Star_ReturnsEveryProperty()
    {
        var all = (await Fixture.Client.GetValuesAsync("erp_customers?$top=1")).Single();
        var star = (await Fixture.Client.GetValuesAsync("erp_customers?$top=1&$select=*")).Single();
        Assert.Equal(all.EnumerateObject().Select(p => (p.Name, p.Value.GetRawText())), star.EnumerateObject().Select(p => (p.Name, p.Value.GetRawText())));
        Assert.Equal(8, star.EnumerateObject().Count());
    }

    public static TheoryData<string> Orderings() => new()
    {
        "city asc,customer_id desc",
        "city desc,name asc",
        "city,credit_limit desc",
        "country desc,credit_limit asc,customer_id desc",
        "email desc",
        "is_active,created_at desc",
        "credit_limit desc,city desc",
    };

    [Theory]
    [MemberData(nameof(Orderings))]
    public async Task OrderBy_SeveralProperties_MatchesAnIndependentSortWithODataNullOrder(string orderBy)
    {
        const string select = "customer_id,name,country,city,email,credit_limit,created_at,is_active";
        var all = await GetAllRowsAsync("erp_customers?$select=" + select);
        Assert.Equal(2000, all.Count);
        var expected = Sort(all, orderBy).Select(r => r.GetProperty("customer_id").GetInt64()).ToList();

        var ordered = await GetAllRowsAsync($"erp_customers?$select={select}&$orderby={orderBy}");
        Assert.Equal(expected, ordered.Select(r => r.GetProperty("customer_id").GetInt64()));

        var window = await Fixture.Client.GetValuesAsync($"erp_customers?$select=customer_id&$orderby={orderBy}&$skip=590&$top=20");
        Assert.Equal(expected.Skip(590).Take(20), window.Select(r => r.GetProperty("customer_id").GetInt64()));
    }

    [Fact]
    public async Task OrderBy_NullsFirstAscendingAndLastDescending()
    {
        var ascending = await Fixture.Client.GetValuesAsync("erp_customers?$select=customer_id,city&$orderby=city&$top=601");
        Assert.All(ascending.Take(600), r => Assert.Equal(JsonValueKind.Null, r.GetProperty("city").ValueKind));
        Assert.Equal("Amsterdam", ascending[600].GetProperty("city").GetString());

        var descending = await Fixture.Client.GetValuesAsync("erp_customers?$select=customer_id,city&$orderby=city desc&$skip=1399&$top=10");
        Assert.Equal("Amsterdam", descending[0].GetProperty("city").GetString());
        Assert.All(descending.Skip(1), r => Assert.Equal(JsonValueKind.Null, r.GetProperty("city").ValueKind));
        // Ties are broken by the key, in the direction of the last order term: descending here.
        Assert.Equal([2000L, 1929, 1928, 1927, 1926, 1925, 1924, 1923, 1922], descending.Skip(1).Select(r => r.GetProperty("customer_id").GetInt64()));
    }

    [Fact]
    public async Task OrderBy_ATimestampDescending_NewestFirst()
    {
        var rows = await Fixture.Client.GetValuesAsync("sales_orders?$select=order_id,ordered_at&$orderby=ordered_at desc&$top=3");
        Assert.Equal([5000020000L, 5000019999, 5000019998], rows.Select(r => r.GetProperty("order_id").GetInt64()));
    }

    [Theory]
    [InlineData("erp_customers?$top=5&$select=customer_id", new long[] { 1, 2, 3, 4, 5 })]
    [InlineData("erp_customers?$top=5&$skip=10&$select=customer_id", new long[] { 11, 12, 13, 14, 15 })]
    [InlineData("erp_customers?$skip=1997&$select=customer_id", new long[] { 1998, 1999, 2000 })]
    [InlineData("erp_customers?$skip=2000&$select=customer_id", new long[0])]
    [InlineData("erp_customers?$skip=99999&$top=5&$select=customer_id", new long[0])]
    [InlineData("erp_customers?$top=0&$select=customer_id", new long[0])]
    [InlineData("erp_customers?$orderby=customer_id desc&$top=2&$skip=1&$select=customer_id", new long[] { 1999, 1998 })]
    [InlineData("sales_orders?$top=3&$skip=2500&$select=order_id", new long[] { 5000002501, 5000002502, 5000002503 })]
    public async Task TopAndSkip_ReturnExactlyThatWindow(string url, long[] expected)
    {
        var rows = await Fixture.Client.GetValuesAsync(url);
        var idName = url.StartsWith("sales_orders", StringComparison.Ordinal) ? "order_id" : "customer_id";
        Assert.Equal(expected, rows.Select(r => r.GetProperty(idName).GetInt64()));
    }

    [Fact]
    public async Task Top_SalesforcePageOf500_Skip1000()
    {
        var rows = await Fixture.Client.GetValuesAsync("sales_orders?$select=order_id&$top=500&$skip=1000&$count=true");
        Assert.Equal(500, rows.Count);
        Assert.Equal(5000001001, rows[0].GetProperty("order_id").GetInt64());
        Assert.Equal(5000001500, rows[^1].GetProperty("order_id").GetInt64());
    }

    [Theory]
    [InlineData("erp_customers?$count=true&$top=2", 2000, 2)]
    [InlineData("erp_customers?$count=true&$top=2&$skip=1999", 2000, 1)]
    [InlineData("erp_customers?$count=true&$top=0", 2000, 0)]
    [InlineData("erp_customers?$count=true&$filter=country eq 'DE'&$top=3", 200, 3)]
    [InlineData("erp_customers?$count=true&$filter=city eq null&$select=customer_id", 600, 600)]
    [InlineData("erp_customers?$count=true&$search=Tokyo&$top=25&$select=customer_id,name,city", 140, 25)]
    [InlineData("sales_orders?$count=true&$filter=order_id gt 5000019990", 10, 10)]
    public async Task CountTrue_IsTheFilteredTotal_NotThePageSize(string url, long total, int pageSize)
    {
        var json = await Fixture.Client.GetJsonAsync(url);
        Assert.Equal(total, json.GetProperty("@odata.count").GetInt64());
        Assert.Equal(pageSize, json.GetProperty("value").GetArrayLength());
        var names = json.EnumerateObject().Select(p => p.Name).ToList();
        Assert.True(names.IndexOf("@odata.count") < names.IndexOf("value"), "@odata.count must come before value");
    }

    [Theory]
    [InlineData("erp_customers?$count=false&$top=2")]
    [InlineData("erp_customers?$top=2")]
    public async Task CountFalseOrAbsent_HasNoCount(string url)
    {
        var json = await Fixture.Client.GetJsonAsync(url);
        Assert.False(json.TryGetProperty("@odata.count", out _));
        Assert.Equal(2, json.GetProperty("value").GetArrayLength());
    }

    [Theory]
    [InlineData("Tokyo", 140)]
    [InlineData("tokyo", 140)]
    [InlineData("TOKYO", 140)]
    [InlineData("M%C3%BCller", 125)]
    [InlineData("%22O'Neil%22", 125)]
    [InlineData("%22example.com%22", 800)]
    [InlineData("nosuchword", 0)]
    public async Task Search_MatchesAnyStringColumn_IgnoringAsciiCase(string search, long expected)
    {
        var json = await Fixture.Client.GetJsonAsync("erp_customers?$select=customer_id,name,city,email&$count=true&$search=" + search + "&$top=25");
        Assert.Equal(expected, json.GetProperty("@odata.count").GetInt64());
        var needle = Uri.UnescapeDataString(search).Trim('"');
        Assert.All(json.GetProperty("value").EnumerateArray(), row => Assert.True(
            new[] { "name", "city", "email" }.Any(c => row.GetProperty(c).GetString()?.Contains(needle, StringComparison.OrdinalIgnoreCase) == true),
            $"row {row} does not contain '{needle}'"));
    }

    [Theory]
    [InlineData("example.com", 800)]
    [InlineData("hiroshi.1@", 1)]
    [InlineData("Sup-0042", 0)]
    public async Task Search_UnquotedWordWithDotOrHyphen_IsAValidODataSearchWord(string search, long expected)
    {
        // OData 4.01 ABNF: searchWord = 1*( ALPHA / DIGIT / COMMA / "." / "-" / pct-encoded ); a user types an e-mail
        // domain or a code into Salesforce's search box without quotes.
        var json = await Fixture.Client.GetJsonAsync("erp_customers?$count=true&$top=0&$search=" + search);
        Assert.Equal(expected, json.GetProperty("@odata.count").GetInt64());
    }

    [Fact]
    public async Task Search_CombinesWithFilterAndCount()
    {
        var json = await Fixture.Client.GetJsonAsync("erp_customers?$search=Paris&$filter=is_active eq true&$count=true&$select=customer_id,city,is_active");
        Assert.Equal(126, json.GetProperty("@odata.count").GetInt64());
        Assert.All(json.GetProperty("value").EnumerateArray(), r =>
        {
            Assert.Equal("Paris", r.GetProperty("city").GetString());
            Assert.True(r.GetProperty("is_active").GetBoolean());
        });
    }

    [Fact]
    public async Task Expand_ToOne_EmbedsTheRelatedEntity()
    {
        var json = await Fixture.Client.GetJsonAsync("sales_orders(5000000001)?$expand=customer");
        var customer = json.GetProperty("customer");
        Assert.Equal(1920, customer.GetProperty("customer_id").GetInt64());
        Assert.Equal("Anna I. Smith", customer.GetProperty("name").GetString());
        Assert.Equal(json.GetProperty("customer_id").GetInt64(), customer.GetProperty("customer_id").GetInt64());
    }

    [Fact]
    public async Task Expand_ToOneOnACollection_EveryRowGetsItsOwnParent()
    {
        var rows = await Fixture.Client.GetValuesAsync("sales_orders?$select=order_id,customer_id&$expand=customer($select=customer_id,name)&$top=40&$skip=100");
        Assert.Equal(40, rows.Count);
        foreach (var row in rows)
        {
            var customer = row.GetProperty("customer");
            Assert.Equal(row.GetProperty("customer_id").GetInt64(), customer.GetProperty("customer_id").GetInt64());
            Assert.Equal(["customer_id", "name"], customer.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        }

        var one = rows[7];
        var direct = await Fixture.Client.GetJsonAsync($"erp_customers({one.GetProperty("customer_id").GetInt64()})/name");
        Assert.Equal(direct.GetProperty("value").GetString(), one.GetProperty("customer").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Expand_ToOneThatIsNull_IsNull()
    {
        var json = await Fixture.Client.GetJsonAsync("ProductCategories(1)?$expand=ParentCategory");
        Assert.Equal(JsonValueKind.Null, json.GetProperty("ParentCategory").ValueKind);
    }

    [Fact]
    public async Task Expand_ToManyWithNestedSelectFilterOrderByTop_MatchesTheSameQueryOnTheChildSet()
    {
        const string nested = "$select=order_id,total_amount;$filter=total_amount gt 100;$orderby=order_date desc;$top=2";
        var json = await Fixture.Client.GetJsonAsync($"erp_customers?$filter=customer_id eq 1&$select=customer_id,name&$expand=sales_orders({nested})");
        Assert.Equal(["customer_id", "name", "sales_orders(order_id,total_amount)"], SelectListTopLevel(json.GetProperty("@odata.context").GetString()!, "erp_customers"));
        var customer = json.GetProperty("value").EnumerateArray().Single();
        var orders = customer.GetProperty("sales_orders").EnumerateArray().ToList();
        Assert.Equal(2, orders.Count);
        Assert.All(orders, o => Assert.Equal(["order_id", "total_amount"], o.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)));

        var direct = await Fixture.Client.GetValuesAsync("sales_orders?$filter=customer_id eq 1 and total_amount gt 100&$orderby=order_date desc&$top=2&$select=order_id,total_amount");
        Assert.Equal(direct.Select(o => o.GetRawText()), orders.Select(o => o.GetRawText()));
        Assert.Equal([5000020000L, 5000018000], orders.Select(o => o.GetProperty("order_id").GetInt64()));
    }

    [Fact]
    public async Task Expand_ToManyOnManyParents_EachParentGetsExactlyItsChildren()
    {
        var customers = await Fixture.Client.GetValuesAsync("erp_customers?$filter=customer_id le 25&$select=customer_id&$expand=sales_orders($select=order_id,customer_id;$orderby=order_id)");
        Assert.Equal(25, customers.Count);
        foreach (var customer in customers)
        {
            var id = customer.GetProperty("customer_id").GetInt64();
            var orders = customer.GetProperty("sales_orders").EnumerateArray().ToList();
            Assert.Equal(10, orders.Count); // 20,000 orders spread evenly over 2,000 customers
            Assert.All(orders, o => Assert.Equal(id, o.GetProperty("customer_id").GetInt64()));
            var ids = orders.Select(o => o.GetProperty("order_id").GetInt64()).ToList();
            Assert.Equal(ids.Order(), ids);
        }

        var direct = await Fixture.Client.GetValuesAsync("sales_orders?$filter=customer_id eq 7&$select=order_id&$orderby=order_id");
        var expanded = customers.Single(c => c.GetProperty("customer_id").GetInt64() == 7).GetProperty("sales_orders").EnumerateArray();
        Assert.Equal(direct.Select(o => o.GetProperty("order_id").GetInt64()), expanded.Select(o => o.GetProperty("order_id").GetInt64()));
    }

    [Fact]
    public async Task Expand_ToManyThatIsEmpty_IsAnEmptyArray()
    {
        var json = await Fixture.Client.GetJsonAsync("ProductCategories(1)?$expand=products($select=sku)");
        Assert.Equal(JsonValueKind.Array, json.GetProperty("products").ValueKind);
        Assert.Equal(0, json.GetProperty("products").GetArrayLength());
    }

    [Fact]
    public async Task Expand_TwoLevels_WithNestedSelect()
    {
        var json = await Fixture.Client.GetJsonAsync("sales_orders(5000000001)?$select=order_id&$expand=customer($select=name),order_lines($select=line_no,sku,unit_price;$orderby=line_no;$expand=products($select=sku,unit_price))");
        Assert.Equal(5000000001, json.GetProperty("order_id").GetInt64());
        Assert.Equal("Anna I. Smith", json.GetProperty("customer").GetProperty("name").GetString());
        var lines = json.GetProperty("order_lines").EnumerateArray().ToList();
        Assert.Equal([1L, 2, 3], lines.Select(l => l.GetProperty("line_no").GetInt64()));
        Assert.Equal(["SKU-00126", "SKU-00223", "SKU-00320"], lines.Select(l => l.GetProperty("sku").GetString()));
        foreach (var line in lines)
        {
            var product = line.GetProperty("products");
            Assert.Equal(line.GetProperty("sku").GetString(), product.GetProperty("sku").GetString());
            Assert.Equal(line.GetProperty("unit_price").GetRawText(), product.GetProperty("unit_price").GetRawText());
        }
    }

    [Fact]
    public async Task Expand_SelfReferenceTwoLevels()
    {
        var json = await Fixture.Client.GetJsonAsync("ProductCategories(25)?$expand=ParentCategory($expand=ParentCategory)");
        Assert.Equal("Laptops", json.GetProperty("Name").GetString());
        var parent = json.GetProperty("ParentCategory");
        Assert.Equal("Computers", parent.GetProperty("Name").GetString());
        var grandParent = parent.GetProperty("ParentCategory");
        Assert.Equal("Electronics", grandParent.GetProperty("Name").GetString());
        Assert.Equal(JsonValueKind.Null, grandParent.GetProperty("ParentCategoryId").ValueKind);
    }

    [Fact]
    public async Task Expand_WithHostileKeysAsJoinValues()
    {
        var rows = await Fixture.Client.GetValuesAsync("products?$filter=sku in ('O''Brien 50%25','a?b c','back\\slash %252F')&$select=sku&$expand=stock_levels($select=sku,warehouse_code)&$orderby=sku");
        Assert.Equal(["O'Brien 50%", "a?b c", "back\\slash %2F"], rows.Select(r => r.GetProperty("sku").GetString()));
        Assert.All(rows, r =>
        {
            var stock = r.GetProperty("stock_levels").EnumerateArray().ToList();
            Assert.Equal(5, stock.Count);
            Assert.All(stock, s => Assert.Equal(r.GetProperty("sku").GetString(), s.GetProperty("sku").GetString()));
        });
    }

    [Fact]
    public async Task Expand_WithCountAndTopOnTheParent_CountsParentsOnly()
    {
        var json = await Fixture.Client.GetJsonAsync("erp_customers?$count=true&$top=2&$select=customer_id&$expand=sales_orders($select=order_id)");
        Assert.Equal(2000, json.GetProperty("@odata.count").GetInt64());
        Assert.Equal(2, json.GetProperty("value").GetArrayLength());
    }

    /// <summary>Every row of a collection, following <c>@odata.nextLink</c> (the server pages at 1,000 rows by default).</summary>
    private async Task<List<JsonElement>> GetAllRowsAsync(string url)
    {
        var rows = new List<JsonElement>();
        string? next = url;
        while (next is not null)
        {
            var json = await Fixture.Client.GetJsonAsync(next);
            rows.AddRange(json.GetProperty("value").EnumerateArray());
            next = json.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
            Assert.True(rows.Count <= 100_000, "runaway paging");
        }

        return rows;
    }

    /// <summary>The sorted list C# computes independently: OData null order (nulls first ascending), the key appended.</summary>
    private static List<JsonElement> Sort(List<JsonElement> rows, string orderBy)
    {
        IOrderedEnumerable<JsonElement>? sorted = null;
        // The key breaks ties, in the direction of the last term (the service's documented total order).
        var terms = orderBy.Split(',');
        var key = terms[^1].TrimEnd().EndsWith(" desc", StringComparison.Ordinal) ? "customer_id desc" : "customer_id";
        foreach (var clause in terms.Append(key))
        {
            var parts = clause.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var descending = parts.Length > 1 && parts[1] == "desc";
            var comparer = Comparer<JsonElement>.Create((a, b) => CompareValues(a.GetProperty(parts[0]), b.GetProperty(parts[0])));
            sorted = sorted is null
                ? (descending ? rows.OrderByDescending(r => r, comparer) : rows.OrderBy(r => r, comparer))
                : (descending ? sorted.ThenByDescending(r => r, comparer) : sorted.ThenBy(r => r, comparer));
        }

        return sorted!.ToList();
    }

    private static int CompareValues(JsonElement a, JsonElement b)
    {
        if (a.ValueKind == JsonValueKind.Null || b.ValueKind == JsonValueKind.Null)
        {
            return (a.ValueKind == JsonValueKind.Null ? 0 : 1) - (b.ValueKind == JsonValueKind.Null ? 0 : 1);
        }

        return a.ValueKind switch
        {
            JsonValueKind.Number => a.GetDecimal().CompareTo(b.GetDecimal()),
            JsonValueKind.True or JsonValueKind.False => a.GetBoolean().CompareTo(b.GetBoolean()),
            _ when DateTimeOffset.TryParse(a.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var x)
                   && DateTimeOffset.TryParse(b.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var y) && a.GetString()!.Contains('T', StringComparison.Ordinal) => x.CompareTo(y),
            _ => string.CompareOrdinal(a.GetString(), b.GetString()),
        };
    }

    /// <summary>The property list of <c>…$metadata#Set(a,b)</c> (split on top-level commas only).</summary>
    private static List<string> SelectList(string context, string set, string suffix = "") => SelectListTopLevel(context[..^suffix.Length], set);

    private static List<string> SelectListTopLevel(string context, string set)
    {
        var marker = "$metadata#" + set + "(";
        var start = context.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0 && context.EndsWith(')'), $"context '{context}' has no select list for {set}");
        var inner = context[(start + marker.Length)..^1];
        var items = new List<string>();
        var depth = 0;
        var current = new System.Text.StringBuilder();
        foreach (var c in inner)
        {
            if (c == ',' && depth == 0)
            {
                items.Add(current.ToString());
                current.Clear();
                continue;
            }

            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            current.Append(c);
        }

        items.Add(current.ToString());
        return items;
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresQueryOptionTests(PostgresFixture fixture) : QueryOptionTests(fixture)
{
    [Fact]
    public async Task Search_FoldsNonAsciiCaseToo()
    {
        // PostgreSQL folds every letter; SQLite only ASCII (documented).
        var json = await Fixture.Client.GetJsonAsync("erp_customers?$count=true&$top=0&$search=M%C3%9CLLER");
        Assert.Equal(125, json.GetProperty("@odata.count").GetInt64());
    }

    [Fact]
    public async Task Select_CollectionAndDurationColumns()
    {
        var json = await Fixture.Client.GetJsonAsync("products(" + ODataAssert.StringLiteral("Größe/Ü#1") + ")?$select=sku,tags");
        Assert.Equal(["heavy", "imported"], json.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteQueryOptionTests(SqliteFixture fixture) : QueryOptionTests(fixture);
