using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Validation;
using Npgsql;
using OData.Virtualization.Hosting;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Profiles;

namespace OData.Virtualization.IntegrationTests.Generality;

/// <summary>
/// A PostgreSQL database nobody tuned for this server — reserved words, spaces, quotes and non-ASCII in names,
/// the same name in two schemas and in two cases, domains, enums, partitions, a materialized view, exotic types,
/// hostile text keys — configured with nothing but a connection string. Every table with a key must be
/// published, every column of a supported type must be readable, orderable and filterable, and a filter on a
/// value must return the row it came from, unchanged (Salesforce's echo rule).
/// </summary>
public sealed class HostileSchemaTests(HostileSchemaFixture fixture) : IClassFixture<HostileSchemaFixture>
{
    private HttpClient Client => fixture.Client;

    private InProcessServer Factory => fixture.Factory;

    [Fact]
    public async Task Discovery_PublishesEveryTableWithAKey_WithValidUniqueNames()
    {
        var sets = (await Client.GetValuesAsync("")).Select(s => s.GetProperty("name").GetString()!).ToList();

        Assert.Equal(sets.Count, sets.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(sets, name => Assert.Matches(@"^[_\p{L}][_\p{L}\p{Nd}]*$", name));
        Assert.Contains("Order_Details", sets);
        Assert.Contains("select", sets);
        Assert.Contains("_123numbers", sets);
        Assert.Contains("exotic", sets);
        Assert.Contains("text_keys", sets);
        Assert.Contains("events", sets);
        Assert.DoesNotContain("events_2023", sets); // partitions are reached through their parent
        Assert.DoesNotContain("nokey", sets);
        Assert.DoesNotContain("kinds", sets); // a materialized view without a configured key
        // public.dup, "Weird Schema".dup and public."DUP" collide (case-insensitively): all three are published, distinctly.
        Assert.Equal(3, sets.Count(s => s.Contains("dup", StringComparison.OrdinalIgnoreCase)));

        var report = Factory.Services.GetRequiredService<ModelHost>().Report;
        Assert.Contains(report, line => line.Contains("public.nokey", StringComparison.Ordinal) && line.Contains(":Key", StringComparison.Ordinal));
        Assert.Contains(report, line => line.Contains("exotic.p", StringComparison.Ordinal) && line.Contains("point", StringComparison.Ordinal));
        Assert.Contains(report, line => line.Contains("exotic.ttz", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metadata_ParsesAndValidates()
    {
        using var response = await Client.GetAsync("$metadata");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = System.Xml.XmlReader.Create(await response.Content.ReadAsStreamAsync());
        Assert.True(Microsoft.OData.Edm.Csdl.CsdlReader.TryParse(reader, out var model, out var errors), string.Join("; ", errors ?? []));
        Assert.True(model.Validate(out var validation), string.Join("; ", validation.Select(e => e.ErrorMessage)));
    }

    [Fact]
    public async Task EverySet_EveryColumn_ReadsOrdersFiltersAndEchoes()
    {
        var failures = await EverythingSweep.ReadOrderFilterAndEchoAsync(Client, Factory.Services.GetRequiredService<ModelHost>().Current);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task SalesforceProfile_EverySet_EveryColumn_ReadsOrdersFiltersAndEchoes()
    {
        using var client = Factory.CreateClient();
        client.BaseAddress = new Uri(client.BaseAddress!, "/salesforce/");
        var profile = OData.Virtualization.Profiles.SalesforceProfile.For(Factory.Services.GetRequiredService<ModelHost>().Current);
        var failures = await EverythingSweep.ReadOrderFilterAndEchoAsync(client, profile.Model);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task SalesforceProfile_NamesAndTypes_AreOnlyWhatSalesforceAccepts()
    {
        using var client = Factory.CreateClient();
        using var response = await client.GetAsync("/salesforce/$metadata");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = System.Xml.XmlReader.Create(await response.Content.ReadAsStreamAsync());
        Assert.True(Microsoft.OData.Edm.Csdl.CsdlReader.TryParse(reader, out var model, out var errors), string.Join("; ", errors ?? []));
        Assert.True(model.Validate(out var validation), string.Join("; ", validation.Select(e => e.ErrorMessage)));
        SalesforceRules.AssertAccepts(model);

        // Every table with a key is there, under a Salesforce name; what could not be published is reported.
        var sets = model.EntityContainer.EntitySets().Select(s => s.Name).ToList();
        Assert.Contains("Order_Details", sets);
        Assert.Contains("X_123numbers", sets);
        Assert.Contains(sets, s => s.StartsWith("a_very_long_table_name_that_goe", StringComparison.Ordinal) && s.Length == 40);
        Assert.Equal(3, sets.Count(s => s.Contains("dup", StringComparison.OrdinalIgnoreCase)));
        var orderDetails = model.EntityContainer.FindEntitySet("Order_Details").EntityType;
        Assert.Equal(["Order_ID", "Line"], orderDetails.Key().Select(k => k.Name));
        Assert.Contains(orderDetails.StructuralProperties(), p => p.Name == "Unicode");
        var report = OData.Virtualization.Profiles.SalesforceProfile.For(Factory.Services.GetRequiredService<ModelHost>().Current).Report;
        Assert.Contains(report, line => line.Contains("'exotic.iv'", StringComparison.Ordinal) && line.Contains("Edm.Duration", StringComparison.Ordinal));
        Assert.Contains(report, line => line.Contains("'exotic.arr'", StringComparison.Ordinal) && line.Contains("collection", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExoticValues_AreExact()
    {
        var row = (await Client.GetValuesAsync("exotic?$filter=flag eq true")).Single();
        Assert.Equal("123456789012345678901234567890.123456789", row.GetProperty("n").GetRawText());
        Assert.Equal("123456789012345678901234567890.1234567890", row.GetProperty("n40").GetRawText());
        Assert.Equal("\"2024-02-29T23:59:59.123456Z\"", row.GetProperty("tz").GetRawText());
        Assert.Equal("\"2024-02-29T23:59:59.123Z\"", row.GetProperty("ts").GetRawText());
        Assert.Equal("\"23:59:59.5000000\"", row.GetProperty("t").GetRawText().Replace("23:59:59.5\"", "23:59:59.5000000\"", StringComparison.Ordinal));
        Assert.Equal("\"AP8Q\"", row.GetProperty("bin").GetRawText());
        Assert.Equal("[1,2,null]", row.GetProperty("arr").GetRawText());
        Assert.Equal("\"ab   \"", row.GetProperty("ch").GetRawText());
        Assert.Equal(1e300, row.GetProperty("dp").GetDouble());

        var error = await Client.GetErrorAsync("exotic?$filter=n eq 123456789012345678901234567890.123456789", HttpStatusCode.BadRequest);
        Assert.Contains("too large", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        var big = (await Client.GetValuesAsync("select?$filter=group eq 9007199254740993")).Single();
        Assert.Equal("9007199254740993", big.GetProperty("group").GetRawText());
    }

    [Fact]
    public async Task Apply_OverHostileNamesEnumsAndHugeNumerics_MatchesSql()
    {
        var model = Factory.Services.GetRequiredService<ModelHost>().Current;
        var details = model.Sets["Order_Details"];
        string P(string column) => details.Columns.Single(c => c.ColumnName == column).PropertyName;
        var rows = await Client.GetValuesAsync($"Order_Details?$apply=groupby(({P("Order ID")}),aggregate({P("Unit Price")} with sum as total,{P("select")} with countdistinct as selects,$count as n))&$orderby={P("Order ID")} desc");
        var expected = await HostileStringsAsync("""SELECT "Order ID" || '|' || coalesce(sum("Unit Price")::text, 'null') || '|' || count(DISTINCT "select") || '|' || count(*) FROM "Weird Schema"."Order Details" GROUP BY "Order ID" ORDER BY "Order ID" DESC""");
        Assert.Equal(expected, rows.Select(r => $"{r.GetProperty(P("Order ID")).GetInt32()}|{(r.GetProperty("total").ValueKind == JsonValueKind.Null ? "null" : r.GetProperty("total").GetRawText())}|{r.GetProperty("selects").GetInt64()}|{r.GetProperty("n").GetInt64()}"));

        // An enum grouped as its label (NULL its own group), a domain summed.
        var moods = await Client.GetValuesAsync("_123numbers?$apply=groupby((mood),aggregate(amount with sum as total))&$orderby=mood");
        var expectedMoods = await HostileStringsAsync("""SELECT coalesce(mood::text, 'null') || '|' || coalesce(sum(amount)::text, 'null') FROM public."123numbers" GROUP BY mood::text ORDER BY mood::text NULLS FIRST""");
        Assert.Equal(expectedMoods, moods.Select(r => (r.GetProperty("mood").GetString() ?? "null") + "|" + (r.GetProperty("total").ValueKind == JsonValueKind.Null ? "null" : r.GetProperty("total").GetRawText())));

        // numeric(40,10) beyond decimal's 28 digits keeps every digit, as text from the database.
        var exotic = (await Client.GetValuesAsync("exotic?$apply=aggregate(n40 with sum as total,n40 with max as highest,m with sum as money)")).Single();
        Assert.Equal((await HostileStringsAsync("SELECT sum(n40)::text FROM public.exotic")).Single(), exotic.GetProperty("total").GetRawText());
        Assert.Equal("123456789012345678901234567890.1234567890", exotic.GetProperty("highest").GetRawText());
        Assert.Equal((await HostileStringsAsync("SELECT sum(m)::numeric::text FROM public.exotic")).Single(), exotic.GetProperty("money").GetRawText());
    }

    [Fact]
    public async Task Compute_OverHostileNamesKeysNullsAndHugeNumerics_MatchesSql()
    {
        var model = Factory.Services.GetRequiredService<ModelHost>().Current;
        var details = model.Sets["Order_Details"];
        string P(string column) => details.Columns.Single(c => c.ColumnName == column).PropertyName;

        // Quoted, reserved and non-ASCII column names in expressions; a NULL price computes NULL.
        var rows = await Client.GetValuesAsync($"Order_Details?$compute={P("Unit Price")} mul 2 as twice,concat({P("select")},{P("Ünïcödé")}) as joined&$select={P("Order ID")},{P("Line#")},twice,joined&$orderby=twice desc,{P("Order ID")}");
        var expected = await HostileStringsAsync("""SELECT "Order ID" || '|' || "Line#" || '|' || coalesce(("Unit Price" * 2)::text, 'null') || '|' || coalesce("select" || "Ünïcödé", 'null') FROM "Weird Schema"."Order Details" ORDER BY "Unit Price" * 2 DESC NULLS LAST, "Order ID", "Line#" """);
        Assert.Equal(expected, rows.Select(r => $"{r.GetProperty(P("Order ID")).GetInt32()}|{r.GetProperty(P("Line#")).GetInt32()}|{(r.GetProperty("twice").ValueKind == JsonValueKind.Null ? "null" : r.GetProperty("twice").GetRawText())}|{r.GetProperty("joined").GetString() ?? "null"}"));

        // numeric(40,10) beyond decimal's 28 digits: the computed value keeps every digit.
        var exotic = await Client.GetValuesAsync("exotic?$compute=n40 mul 2 as twice&$filter=twice ne null&$select=twice");
        Assert.Equal(await HostileStringsAsync("SELECT (n40 * 2)::text FROM public.exotic WHERE n40 IS NOT NULL"), exotic.Select(r => r.GetProperty("twice").GetRawText()));

        // Hostile string keys: by key, the computed value is the row's.
        foreach (var code in new[] { "O'Brien 50%", "a/b?c#d", "x' OR '1'='1", "日本語" })
        {
            var key = Uri.EscapeDataString("'" + code.Replace("'", "''", StringComparison.Ordinal) + "'");
            var entity = await Client.GetJsonAsync($"text_keys({key})?$compute=length(code) as n,concat(code,note) as both&$select=code,n,both");
            Assert.Equal(code, entity.GetProperty("code").GetString());
            Assert.Equal(code.EnumerateRunes().Count(), entity.GetProperty("n").GetInt32());
            Assert.Equal(code + (await HostileStringsAsync($"SELECT note FROM public.text_keys WHERE code = '{code.Replace("'", "''", StringComparison.Ordinal)}'")).Single(), entity.GetProperty("both").GetString());
        }
    }

    private static async Task<List<string>> HostileStringsAsync(string sql)
    {
        var cluster = await PostgresCluster.GetAsync();
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("hostile"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    [Fact]
    public async Task CompositeForeignKey_ExpandsBothWays()
    {
        var children = await Client.GetValuesAsync("children?$expand=parents&$orderby=id");
        Assert.Equal("one", children[0].GetProperty("parents").GetProperty("label").GetString());
        Assert.Equal("two", children[1].GetProperty("parents").GetProperty("label").GetString());
        Assert.Equal(JsonValueKind.Null, children[2].GetProperty("parents").ValueKind);

        var parents = await Client.GetValuesAsync("parents?$expand=children($select=id)&$orderby=a");
        Assert.Equal(10, parents[0].GetProperty("children").EnumerateArray().Single().GetProperty("id").GetInt32());
    }

    /// <summary>The OData literal for a JSON value of the given type, or null where equality is not meaningful.</summary>
}

/// <summary>Creates the hostile database once and serves it with nothing but its connection string.</summary>
public sealed class HostileSchemaFixture : IAsyncLifetime
{
    private const string Ddl = """
        CREATE SCHEMA "Weird Schema";
        CREATE TYPE mood AS ENUM ('happy', 'sad', 'it''s complicated');
        CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);

        CREATE TABLE "Weird Schema"."Order Details" (
            "Order ID" integer NOT NULL, "Line#" integer NOT NULL, "Unit Price" numeric(10,2),
            "select" text, "from" varchar(10), "Ünïcödé" text, "quote""d" text, "value" integer, "@odata.id" text,
            PRIMARY KEY ("Order ID", "Line#"));
        INSERT INTO "Weird Schema"."Order Details" VALUES
            (1, 1, 10.50, 'a', 'b', 'ä', 'q"1', 1, 'x'), (1, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL), (2, 1, 0.00, '', ' ', 'ß', '''', -5, '%');

        CREATE TABLE public."select" ("group" bigint PRIMARY KEY, "order" text, "Order" text);
        INSERT INTO public."select" VALUES (9007199254740993, 'x', 'X'), (-1, NULL, 'y');

        CREATE TABLE public."123numbers" (id integer PRIMARY KEY, "1col" integer, mood mood, amount positive_int);
        INSERT INTO public."123numbers" VALUES (1, 2, 'it''s complicated', 5), (2, NULL, NULL, NULL), (3, 4, 'happy', 7);

        CREATE TABLE public.dup (id integer PRIMARY KEY, v text);
        CREATE TABLE "Weird Schema".dup (id integer PRIMARY KEY, w text);
        CREATE TABLE public."DUP" (id integer PRIMARY KEY, x text);
        INSERT INTO public.dup VALUES (1, 'public'); INSERT INTO "Weird Schema".dup VALUES (1, 'weird'); INSERT INTO public."DUP" VALUES (1, 'upper');

        CREATE TABLE public.nokey (a integer);

        CREATE TABLE public.exotic (
            id uuid PRIMARY KEY, tz timestamptz, ts timestamp(3), d date, t time, ttz timetz, p point, b bit(3),
            r int4range, ip inet, m money, n numeric, n40 numeric(40,10), arr integer[], js jsonb, iv interval,
            f real, dp double precision, flag boolean, bin bytea, ch char(5));
        INSERT INTO public.exotic VALUES
            ('7a1b9f1e-0000-4000-8000-000000000001', '2024-02-29 23:59:59.123456+00', '2024-02-29 23:59:59.123', '2024-02-29', '23:59:59.5',
             '10:00+02', '(1,2)', B'101', '[1,5)', '10.0.0.1', 12.34, 123456789012345678901234567890.123456789, 123456789012345678901234567890.1234567890,
             ARRAY[1,2,NULL], '{"a": [1, "x"]}', '1 day 02:03:04.5', 0.35, 1e300, true, '\x00ff10', 'ab'),
            ('7a1b9f1e-0000-4000-8000-000000000002', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -0.5, NULL,
             NULL, NULL, '-3 hours', NULL, NULL, false, NULL, NULL);

        CREATE TABLE public.text_keys (code text PRIMARY KEY, note text);
        INSERT INTO public.text_keys VALUES ('O''Brien 50%', 'apostrophe'), ('a/b?c#d', 'reserved'), ('  spaced  ', 'spaces'),
            ('日本語', 'cjk'), ('%2F', 'encoded'), ('back\slash', 'backslash'), ('x'' OR ''1''=''1', 'injection'), ('', 'empty');

        CREATE TABLE public.events (id bigint NOT NULL, at date NOT NULL, kind text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
        CREATE TABLE public.events_2023 PARTITION OF public.events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
        CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        INSERT INTO public.events VALUES (1, '2023-05-01', 'a'), (2, '2024-05-01', NULL);

        CREATE TABLE public.parents (a integer, b text, label text, PRIMARY KEY (a, b));
        CREATE TABLE public.children (id integer PRIMARY KEY, pa integer, pb text, FOREIGN KEY (pa, pb) REFERENCES public.parents (a, b));
        INSERT INTO public.parents VALUES (1, 'x', 'one'), (2, 'y''z', 'two');
        INSERT INTO public.children VALUES (10, 1, 'x'), (11, 2, 'y''z'), (12, NULL, NULL);

        CREATE MATERIALIZED VIEW public.kinds AS SELECT DISTINCT kind FROM public.events;
        CREATE TABLE public."a_very_long_table_name_that_goes_on_and_on_until_postgres_trunc" (id integer PRIMARY KEY);
        """;

    public InProcessServer Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var cluster = await PostgresCluster.GetAsync();
        await using (var admin = new NpgsqlConnection(cluster.Admin.ConnectionString))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand("DROP DATABASE IF EXISTS hostile WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE hostile TEMPLATE template0 ENCODING 'UTF8'", admin);
            await create.ExecuteNonQueryAsync();
        }

        await using (var connection = new NpgsqlConnection(cluster.ConnectionString("hostile")))
        {
            await connection.OpenAsync();
            await using var ddl = new NpgsqlCommand(Ddl, connection);
            await ddl.ExecuteNonQueryAsync();
        }

        Factory = new InProcessServer(InProcessServer.PostgresSettings("hostile", cluster.ConnectionString("hostile")));
        // Real Kestrel, not the in-memory test server: the test server hands the app a decoded path with no raw
        // target, so a key such as '%252F' (the text %2F) cannot be told from '%2F' (a slash) there.
        Factory.StartKestrel();
        Client = Factory.CreateClient();
        Client.BaseAddress = new Uri(Client.BaseAddress!, "/odata/");
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }
}
