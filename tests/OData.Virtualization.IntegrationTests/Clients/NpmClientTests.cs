using System.Globalization;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Paging;
using Xunit.Abstractions;

namespace OData.Virtualization.IntegrationTests.Clients;

/// <summary>
/// The server through OData clients that nobody here wrote, from npm, running in Node.js against a real Kestrel server
/// (<c>tests/clients</c>): o.js (package <c>odata</c>) reads, filters, orders, follows <c>@odata.nextLink</c>, reads
/// by key and counts; the SAP Cloud SDK generator makes a typed client from the server's own <c>$metadata</c>, whose
/// API then queries the server; odata2ts generates a client service that follows navigation properties lazily
/// (<c>Set(key)/Nav</c>). Every expectation comes from the server's own HTTP answer or from the database.
/// Needs Node.js 20 and <c>npm ci --prefix tests/clients</c>.
/// </summary>
public abstract class NpmClientTests(ServerFixture fixture, ITestOutputHelper output)
{
    private const string Ieee754Accept = "application/json;IEEE754Compatible=true";

    private static readonly TimeSpan s_scriptTimeout = TimeSpan.FromSeconds(60);

    private string Transactions => DirectRows.Table(fixture, "core", "transactions");

    private string Products => DirectRows.Table(fixture, "public", "products");

    [Theory]
    [InlineData("erp_customers", """{"$filter":"country eq 'DE' and city ne null","$orderby":"name desc,customer_id","$select":"customer_id,name,city,credit_limit,created_at","$top":20}""")]
    [InlineData("products", """{"$filter":"contains(name,'Größe') or startswith(sku,'O''Brien') or sku eq 'A&B+C=D' or sku eq 'a?b c'","$orderby":"sku"}""")]
    [InlineData("transactions", """{"$filter":"amount lt -100 and booked_at ge 2025-01-01T00:00:00Z","$orderby":"amount,transaction_id desc","$top":50,"$skip":10}""")]
    public async Task Ojs_FilterOrderSelectTopSkip_ReadsTheServersRows(string entitySet, string options)
    {
        var server = (await fixture.KestrelAsync()).Client;
        var url = Url(entitySet, options);
        var expected = await server.GetValuesAsync(url);
        Assert.True(expected.Count > 0, $"{url}: no rows; the case tests nothing");

        var result = await OjsAsync(server, "query", entitySet, options);

        var types = await ServiceTypes.ReadAsync(server);
        types.AssertSameRows(entitySet, expected, result.GetProperty("rows").EnumerateArray().ToList(), "o.js " + url);
    }

    [Fact]
    public async Task Ojs_FollowsNextLinkToTheEnd_EveryRowOnceInKeyOrder()
    {
        // Several server pages (13 at the default 1,000 rows a page) on both databases; PostgreSQL has 1,000,000 transactions.
        const string Filter = "transaction_id le 12345";
        var expected = await DirectRows.Int64Async(fixture, fixture.BankConnectionString, $"SELECT transaction_id FROM {Transactions} WHERE transaction_id <= 12345 ORDER BY transaction_id");
        var server = (await fixture.KestrelAsync()).Client;
        var (_, serverPages) = await PageWalk.WalkAsync(server, "transactions?$filter=" + Uri.EscapeDataString(Filter), null, r => 0, maxPages: 100);

        var result = await OjsAsync(server, "walk", "transactions", JsonSerializer.Serialize(new Dictionary<string, string> { ["$filter"] = Filter }), "0", "transaction_id");

        var keys = Keys(result).Select(k => long.Parse(k, CultureInfo.InvariantCulture)).ToList();
        PageWalk.AssertSameSequence(expected, keys, "o.js walk of transactions?$filter=" + Filter);
        var pages = Pages(result);
        Assert.True(pages.Count > 1, $"the walk took {pages.Count} page(s); it should follow @odata.nextLink");
        Assert.Equal(serverPages.Select(p => p.Rows), pages);
    }

    [Fact]
    public async Task Ojs_FollowsNextLinkWithMaxPageSize_FilteredOrderedAndCounted()
    {
        const int PageSize = 250;
        var options = new Dictionary<string, object>
        {
            ["$filter"] = "amount gt 500 and transaction_id le 20000",
            ["$orderby"] = "booked_at desc",
            ["$select"] = "transaction_id,booked_at,amount",
            ["$count"] = true,
        };
        var json = JsonSerializer.Serialize(options);
        var url = Url("transactions", json);
        var total = await CountAsync(fixture.BankConnectionString, $"SELECT COUNT(*) FROM {Transactions} WHERE amount > 500 AND transaction_id <= 20000");
        var server = (await fixture.KestrelAsync()).Client;
        var (expected, _) = await PageWalk.WalkAsync(server, url, null, r => PageWalk.Int64(r, "transaction_id"), maxPages: 100);

        var result = await OjsAsync(server, "walk", "transactions", json, PageSize.ToString(CultureInfo.InvariantCulture), "transaction_id");

        var keys = Keys(result).Select(k => long.Parse(k, CultureInfo.InvariantCulture)).ToList();
        PageWalk.AssertSameSequence(expected, keys, "o.js walk of " + url + " with odata.maxpagesize=" + PageSize);
        Assert.Equal(total, keys.Count);
        Assert.Equal(total, result.GetProperty("count").GetInt64());
        var pages = Pages(result);
        Assert.Equal((int)((total + PageSize - 1) / PageSize), pages.Count);
        Assert.All(pages.SkipLast(1), rows => Assert.Equal(PageSize, rows));
    }

    [Fact]
    public async Task Ojs_ReadsByKey_StringKeysWithReservedCharacters_CompositeAndIntegerKeys()
    {
        var server = (await fixture.KestrelAsync()).Client;
        var types = await ServiceTypes.ReadAsync(server);
        foreach (var (entitySet, keys) in await KeysToReadAsync(server))
        {
            var expected = new List<JsonElement>();
            foreach (var key in keys)
            {
                var filter = string.Join(" and ", key.Select(p => p.Key + " eq " + (p.Value is string s ? "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'" : Convert.ToString(p.Value, CultureInfo.InvariantCulture))));
                expected.Add(Assert.Single(await server.GetValuesAsync(entitySet + "?$filter=" + Uri.EscapeDataString(filter))));
            }

            var result = await OjsAsync(server, "get", entitySet, JsonSerializer.Serialize(keys));

            types.AssertSameRows(entitySet, expected, result.GetProperty("rows").EnumerateArray().ToList(), "o.js " + entitySet + " by key " + JsonSerializer.Serialize(keys));
        }
    }

    [Fact]
    public async Task Ojs_CountsWithAndWithoutFilter_AsTheDatabase()
    {
        var server = (await fixture.KestrelAsync()).Client;
        var filtered = await CountAsync(fixture.BankConnectionString, $"SELECT COUNT(*) FROM {Transactions} WHERE amount > 1000 AND currency = 'EUR'");
        var all = await CountAsync(fixture.ErpConnectionString, $"SELECT COUNT(*) FROM {Products}");

        var byFilter = await OjsAsync(server, "count", "transactions", "amount gt 1000 and currency eq 'EUR'");
        var whole = await OjsAsync(server, "count", "products");

        Assert.True(filtered > 0, "no transaction matches; the case tests nothing");
        Assert.Equal(filtered, byFilter.GetProperty("count").GetInt64());
        Assert.Equal(filtered, byFilter.GetProperty("inlineCount").GetInt64());
        Assert.Equal(all, whole.GetProperty("count").GetInt64());
        Assert.Equal(all, whole.GetProperty("inlineCount").GetInt64());
    }

    [Fact]
    public async Task SapGenerator_GeneratesATypedClientFromTheMetadata_WithEveryEntitySet()
    {
        var server = (await fixture.KestrelAsync()).Client;
        var published = (await server.GetValuesAsync(string.Empty))
            .Where(e => e.GetProperty("kind").GetString() == "EntitySet")
            .Select(e => e.GetProperty("name").GetString()!)
            .Order(StringComparer.Ordinal)
            .ToList();

        var client = await GeneratedSapClient.GetAsync(fixture);

        output.WriteLine($"SAP Cloud SDK generator: {client.GeneratorSeconds:0.0} s generating and transpiling; {client.Elapsed.TotalSeconds:0.0} s for the whole script (fetch, generate, load)");
        Assert.Equal(published, client.EntitySets.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("""{"set":"transactions","filter":[["amount","gt",1000],["currency","eq","EUR"]],"orderby":[["booked_at","desc"]],"top":20}""",
        "transactions?$filter=amount gt 1000 and currency eq 'EUR'&$orderby=booked_at desc&$top=20")]
    [InlineData("""{"set":"products","filter":[["name","contains","Größe"]],"select":["sku","name","unit_price"]}""",
        "products?$filter=contains(name,'Größe')&$select=sku,name,unit_price")]
    [InlineData("""{"set":"accounts","filter":[["opened_on","ge","2022-01-01"],["status","ne","closed"]],"orderby":[["opened_on","asc"],["iban","desc"]],"skip":5,"top":15}""",
        "accounts?$filter=opened_on ge 2022-01-01 and status ne 'closed'&$orderby=opened_on,iban desc&$skip=5&$top=15")]
    public async Task SapClient_GetAllWithFilterOrderSelectTop_ReadsTheServersRows(string spec, string url)
    {
        var server = (await fixture.KestrelAsync()).Client;
        var expected = await server.GetValuesAsync(Escape(url));
        Assert.True(expected.Count > 0, $"{url}: no rows; the case tests nothing");
        var client = await GeneratedSapClient.GetAsync(fixture);

        var result = await client.QueryAsync("getall", JsonDocument.Parse(spec).RootElement);

        var types = await ServiceTypes.ReadAsync(server);
        types.AssertSameRows(url.Split('?')[0], expected, result.GetProperty("rows").EnumerateArray().ToList(), "generated client, " + result.GetProperty("url").GetString());
    }

    [Fact]
    public async Task SapClient_GetByKey_StringGuidDateCompositeAndIntegerKeys()
    {
        var server = (await fixture.KestrelAsync()).Client;
        var types = await ServiceTypes.ReadAsync(server);
        var client = await GeneratedSapClient.GetAsync(fixture);
        var cases = await KeysToReadAsync(server);
        var card = (await server.GetValuesAsync("cards?$top=1&$skip=7&$select=card_id"))[0];
        cases.Insert(0, ("cards", [new() { ["card_id"] = card.GetProperty("card_id").GetString()! }]));
        var balance = (await server.GetValuesAsync("balances?$top=1&$skip=11&$select=iban,as_of"))[0];
        cases.Insert(0, ("balances", [new() { ["iban"] = balance.GetProperty("iban").GetString()!, ["as_of"] = balance.GetProperty("as_of").GetString()! }]));

        foreach (var (entitySet, keys) in cases)
        {
            var expected = new List<JsonElement>();
            foreach (var key in keys)
            {
                var filter = string.Join(" and ", key.Select(p => p.Key + " eq " + Literal(types.Properties(entitySet)[p.Key], p.Value)));
                expected.Add(Assert.Single(await server.GetValuesAsync(entitySet + "?$filter=" + Uri.EscapeDataString(filter))));
            }

            var result = await client.QueryAsync("bykey", new { set = entitySet, keys });

            types.AssertSameRows(entitySet, expected, result.GetProperty("rows").EnumerateArray().ToList(), "generated client, " + string.Join(" ", result.GetProperty("urls").EnumerateArray()));
        }
    }

    [Fact]
    public async Task SapClient_Count_AsTheDatabase()
    {
        var expected = await CountAsync(fixture.BankConnectionString, $"SELECT COUNT(*) FROM {Transactions} WHERE amount <= -200 AND currency <> 'EUR'");
        var client = await GeneratedSapClient.GetAsync(fixture);

        var result = await client.QueryAsync("count", JsonDocument.Parse("""{"set":"transactions","filter":[["amount","le",-200],["currency","ne","EUR"]]}""").RootElement);

        Assert.True(expected > 0, "no transaction matches; the case tests nothing");
        Assert.Equal(expected, result.GetProperty("count").GetInt64());
    }

    /// <summary>
    /// Every entity set through the generated API, each property typed by the client (BigNumber, moment, Time…) and
    /// compared with the server's JSON by value. Under <c>IEEE754Compatible=true</c>, as a JavaScript client must ask
    /// for exact Int64 and Decimal values: with plain JSON numbers, JavaScript rounds 9223372036854775807 to 2^63.
    /// </summary>
    [Fact]
    public async Task SapClient_ReadsEveryEntitySet_EveryValueAsTheServerWroteIt()
    {
        const int Top = 10;
        var server = (await fixture.KestrelAsync()).Client;
        var types = await ServiceTypes.ReadAsync(server);
        var client = await GeneratedSapClient.GetAsync(fixture);

        var result = await client.QueryAsync("sample", new { top = Top, headers = new Dictionary<string, string> { ["accept"] = Ieee754Accept } });

        var errors = result.GetProperty("errors");
        var sets = result.GetProperty("sets");
        foreach (var entitySet in types.EntitySets.Where(s => !errors.TryGetProperty(s, out _)))
        {
            var body = await server.GetTextAsync($"{entitySet}?$top={Top}", Ieee754Accept);
            var expected = JsonDocument.Parse(body).RootElement.GetProperty("value").EnumerateArray().ToList();
            Assert.True(sets.TryGetProperty(entitySet, out var rows), $"the generated client has no rows for {entitySet}");
            types.AssertSameRows(entitySet, expected, rows.EnumerateArray().ToList(), $"generated client, {entitySet}?$top={Top}");
        }

        var failures = errors.EnumerateObject().Select(e => $"{e.Name}: {e.Value.GetString()}").ToList();
        Assert.True(failures.Count == 0, "the generated client could not read: " + string.Join("\n", failures) + await NullCollectionsAsync(server, types, Top));
    }

    /// <summary>
    /// Lazy navigation by a client nobody here wrote: the service odata2ts generates from our <c>$metadata</c> reads an
    /// entity by key, then follows its navigation properties from it, building <c>Set(key)/Nav</c> itself (and
    /// <c>$count=true</c> on the related collection). Keys with a quote, a percent sign, a slash, a hash and non-ASCII
    /// letters, a composite key, an integer key whose to-one is empty (204).
    /// </summary>
    [Theory]
    [InlineData("""{"set":"products","key":"Größe/Ü#1","keyProperties":["sku"],"one":"supplier","oneSet":"suppliers","many":"stock_levels","manySet":"stock_levels"}""", "inventory.stock_levels", "sku = 'Größe/Ü#1'")]
    [InlineData("""{"set":"products","key":"O'Brien 50%","keyProperties":["sku"],"one":"category","oneSet":"ProductCategories","many":"order_lines","manySet":"order_lines"}""", "sales.order_lines", "sku = 'O''Brien 50%'")]
    [InlineData("""{"set":"stock_levels","key":{"warehouse_code":"DÜS1","sku":"Größe/Ü#1"},"keyProperties":["warehouse_code","sku"],"one":"products","oneSet":"products"}""", null, null)]
    [InlineData("""{"set":"ProductCategories","key":1,"keyProperties":["CategoryId"],"one":"ParentCategory","oneSet":"ProductCategories","many":"ProductCategories_by_ParentCategoryId","manySet":"ProductCategories"}""", "public.\"ProductCategories\"", "\"ParentCategoryId\" = 1")]
    public async Task Odata2ts_FollowsNavigationPropertiesLazily_AsTheServerAndTheDatabase(string spec, string? manyTable, string? manyWhere)
    {
        var server = (await fixture.KestrelAsync()).Client;
        var types = await ServiceTypes.ReadAsync(server);
        var client = await GeneratedOdata2tsClient.GetAsync(fixture);
        var request = JsonDocument.Parse(spec).RootElement;
        var set = request.GetProperty("set").GetString()!;
        var key = request.GetProperty("key");
        var predicate = key.ValueKind == JsonValueKind.Object
            ? string.Join(",", key.EnumerateObject().Select(p => p.Name + "=" + KeyLiteral(p.Value)))
            : KeyLiteral(key);
        var path = $"{set}({predicate})";

        var result = await client.NavigateAsync(spec);

        var what = "odata2ts, " + string.Join(" ", result.GetProperty("urls").EnumerateArray().Select(u => u.GetString()));
        types.AssertSameRow(set, await server.GetJsonAsync(path), result.GetProperty("entity"), what);
        if (request.TryGetProperty("one", out var one))
        {
            var nav = one.GetString()!;
            var followed = result.GetProperty("one");
            AssertBuiltByTheClient(followed, $"{path}/{nav}", what);
            using var response = await server.GetAsync($"{path}/{nav}");
            if (response.StatusCode == System.Net.HttpStatusCode.NoContent)
            {
                Assert.Equal(JsonValueKind.Null, followed.GetProperty("row").ValueKind);
            }
            else
            {
                Assert.True(response.IsSuccessStatusCode, $"GET {path}/{nav}: {(int)response.StatusCode}");
                var row = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                types.AssertSameRow(request.GetProperty("oneSet").GetString()!, row, followed.GetProperty("row"), what);
            }
        }

        if (request.TryGetProperty("many", out var many))
        {
            var nav = many.GetString()!;
            var followed = result.GetProperty("many");
            AssertBuiltByTheClient(followed, $"{path}/{nav}?$count=true", what);
            var expected = await server.GetValuesAsync($"{path}/{nav}");
            Assert.True(expected.Count > 0, $"{path}/{nav}: no related rows; the case tests too little");
            var rows = followed.GetProperty("rows").EnumerateArray().ToList();
            types.AssertSameRows(request.GetProperty("manySet").GetString()!, expected, rows, what);
            var table = fixture.Dialect == "PostgreSQL" ? manyTable! : manyTable![(manyTable!.IndexOf('.', StringComparison.Ordinal) + 1)..];
            Assert.Equal(await CountAsync(fixture.ErpConnectionString, $"SELECT COUNT(*) FROM {table} WHERE {manyWhere}"), Number(followed.GetProperty("count")));
        }

        // odata2ts writes a string key between quotes without doubling a quote inside (O'Brien becomes 'O'Brien'): the
        // script then gives it the key with the quote doubled. The server's answer to the malformed key is a clear 400.
        if (result.GetProperty("unquoted") is { ValueKind: JsonValueKind.Object } unquoted)
        {
            Assert.True(unquoted.GetProperty("status").GetInt32() == 400, $"{unquoted.GetProperty("url").GetString()}: expected 400, got {unquoted}");
        }
    }

    private Task<JsonElement> OjsAsync(HttpClient server, params string[] arguments)
        => NodeScripts.RunAsync("ojs.mjs", [server.BaseAddress!.ToString(), .. arguments], s_scriptTimeout);

    /// <summary>Keys to read one by one: every product whose SKU has characters that URLs reserve, one stock level (composite), one customer (Int64).</summary>
    private static async Task<List<(string EntitySet, List<Dictionary<string, object>> Keys)>> KeysToReadAsync(HttpClient server)
    {
        var skus = (await server.GetValuesAsync("products?$select=sku&$filter=" + Uri.EscapeDataString("not startswith(sku,'SKU-')")))
            .Select(r => r.GetProperty("sku").GetString()!)
            .ToList();
        Assert.True(skus.Count >= 5, $"expected the demo's SKUs with reserved characters, found [{string.Join(", ", skus)}]");
        var stock = (await server.GetValuesAsync("stock_levels?$select=warehouse_code,sku&$top=1&$filter=" + Uri.EscapeDataString("sku eq '" + skus[0].Replace("'", "''", StringComparison.Ordinal) + "'")))[0];
        var customer = (await server.GetValuesAsync("erp_customers?$select=customer_id&$top=1&$skip=42"))[0];
        return
        [
            ("stock_levels", [new() { ["warehouse_code"] = stock.GetProperty("warehouse_code").GetString()!, ["sku"] = stock.GetProperty("sku").GetString()! }]),
            ("erp_customers", [new() { ["customer_id"] = customer.GetProperty("customer_id").GetInt64() }]),
            ("products", skus.Select(s => new Dictionary<string, object> { ["sku"] = s }).ToList()),
        ];
    }

    /// <summary>For a failure message: collection-valued properties the server wrote as null among the first rows of each set.</summary>
    private static async Task<string> NullCollectionsAsync(HttpClient server, ServiceTypes types, int top)
    {
        var found = new List<string>();
        foreach (var entitySet in types.EntitySets)
        {
            var collections = types.Properties(entitySet).Where(p => p.Value.StartsWith("Collection(", StringComparison.Ordinal)).Select(p => p.Key).ToList();
            if (collections.Count > 0)
            {
                var rows = await server.GetValuesAsync($"{entitySet}?$top={top}");
                found.AddRange(collections.Where(c => rows.Any(r => r.GetProperty(c).ValueKind == JsonValueKind.Null)).Select(c => entitySet + "." + c));
            }
        }

        return found.Count == 0 ? string.Empty
            : $"\nThe server wrote null for the collection-valued properties {string.Join(", ", found)}; a collection-valued property is always a collection, possibly empty (OData CSDL 4.01 §7.2.1 Nullable).";
    }

    /// <summary>A key value as the URL conventions write it, percent-encoded: strings quoted with a quote doubled.</summary>
    private static string KeyLiteral(JsonElement value)
        => value.ValueKind == JsonValueKind.String ? Uri.EscapeDataString("'" + value.GetString()!.Replace("'", "''", StringComparison.Ordinal) + "'") : value.GetRawText();

    /// <summary>The client requested exactly <paramref name="expected"/> (the same path, percent-encoded its own way).</summary>
    private static void AssertBuiltByTheClient(JsonElement followed, string expected, string what)
    {
        var url = new Uri(followed.GetProperty("url").GetString()!);
        var root = url.AbsolutePath[..(url.AbsolutePath.IndexOf("/odata/", StringComparison.Ordinal) + "/odata/".Length)];
        Assert.True(
            Uri.UnescapeDataString(url.PathAndQuery[root.Length..]) == Uri.UnescapeDataString(expected),
            $"{what}: the client requested {url.PathAndQuery}, expected {expected}");
    }

    private static long Number(JsonElement value)
        => value.ValueKind == JsonValueKind.String ? long.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetInt64();

    private static string Literal(string edmType, object value) => edmType switch
    {
        "Edm.String" => "'" + ((string)value).Replace("'", "''", StringComparison.Ordinal) + "'",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    /// <summary>An OData URL for query options given as JSON, escaped the ordinary way (not the way o.js does it).</summary>
    private static string Url(string entitySet, string options)
        => entitySet + "?" + string.Join("&", JsonDocument.Parse(options).RootElement.EnumerateObject()
            .Select(o => o.Name + "=" + Uri.EscapeDataString(o.Value.ValueKind == JsonValueKind.String ? o.Value.GetString()! : o.Value.GetRawText())));

    private static string Escape(string url)
    {
        var (path, query) = (url.Split('?')[0], url.Split('?')[1]);
        return path + "?" + string.Join("&", query.Split('&').Select(p => p.Split('=', 2)).Select(p => p[0] + "=" + Uri.EscapeDataString(p[1])));
    }

    private static List<string> Keys(JsonElement walk) => walk.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!).ToList();

    private static List<int> Pages(JsonElement walk) => walk.GetProperty("pages").EnumerateArray().Select(p => p.GetInt32()).ToList();

    private async Task<long> CountAsync(string connectionString, string sql)
        => (await DirectRows.ReadAsync(fixture, connectionString, sql, r => Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture))).Single();
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteNpmClientTests(SqliteFixture fixture, ITestOutputHelper output) : NpmClientTests(fixture, output);

[Collection(PostgresCollection.Name)]
public sealed class PostgresNpmClientTests(PostgresFixture fixture, ITestOutputHelper output) : NpmClientTests(fixture, output);
