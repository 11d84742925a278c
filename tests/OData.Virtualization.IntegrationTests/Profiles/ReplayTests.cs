using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Profiles;

/// <summary>
/// Replays what Salesforce Connect and Power Query send, request by request, against a fresh server on the seed
/// databases, and compares every response with the one recorded in <c>Profiles/Replays/</c>: status, the headers a
/// client reads, and the body byte for byte (JSON, CSDL XML, text; decompressed when the client asked for gzip or
/// deflate). The request lists are here, in code, from <c>clients.md</c>; the recordings were made by this test with
/// <c>ODV_RECORD_REPLAYS=1</c> and checked by hand (counts against SQL, names, links, types) before being committed.
/// Any change in what these clients see fails here and shows the difference.
/// </summary>
public abstract partial class ReplayTests(ServerFixture fixture)
{
    /// <summary>Headers a client acts on. Left out: Date, Age, Cache-Control, X-Cache (they depend on timing and order), Server-Timing, RateLimit-*.</summary>
    private static readonly string[] s_headers = ["Content-Type", "Content-Encoding", "OData-Version", "Preference-Applied", "ETag", "WWW-Authenticate", "Allow"];

    /// <summary>Power Query's headers on every request (clients.md).</summary>
    private static readonly (string, string)[] s_powerQuery =
    [
        ("User-Agent", "Microsoft.Data.Mashup (https://go.microsoft.com/fwlink/?LinkID=304225)"),
        ("Accept", "application/json;odata.metadata=minimal;q=1.0,application/json;odata=minimalmetadata;q=0.9,application/atomsvc+xml;q=0.8,application/atom+xml;q=0.8,application/xml;q=0.7,text/plain;q=0.7"),
        ("OData-MaxVersion", "4.0"),
        ("MaxDataServiceVersion", "3.0"),
        ("Accept-Encoding", "gzip, deflate"),
    ];

    /// <summary>Salesforce Connect's callouts (clients.md): it asks JSON, caches nothing, and never sends $expand.</summary>
    private static readonly (string, string)[] s_salesforce = [("Accept", "application/json"), ("OData-MaxVersion", "4.0")];

    public static IEnumerable<ReplayRequest> Salesforce(string dialect) =>
    [
        new("Validate and Sync: service document", "/salesforce/", s_salesforce),
        new("Validate and Sync: $metadata (XML whatever Accept says)", "/salesforce/$metadata", s_salesforce),
        new("SOQL: ids with a row count", "/salesforce/erp_customers?$select=customer_id&$count=true&$top=26", s_salesforce),
        new("List view: filtered, ordered, counted", "/salesforce/erp_customers?$select=city,name,customer_id&$filter=country eq 'DE'&$orderby=city asc&$top=26&$count=true", s_salesforce),
        new("Record detail: a collection query on the key (not Set(key))", "/salesforce/erp_customers?$select=customer_id,name,country,city,email,credit_limit,created_at,is_active&$filter=customer_id eq 42", s_salesforce),
        new("Related list: on the foreign key", "/salesforce/sales_orders?$select=order_id,customer_id,status,total_amount,currency&$filter=customer_id eq 42&$top=26&$count=true", s_salesforce),
        new("Global search: contains(…) eq true or …", "/salesforce/erp_customers?$select=name,email,customer_id&$count=true&$filter=contains(name,'Müller') eq true or contains(email,'Müller') eq true&$top=25", s_salesforce),
        new("Global search: free-text $search (punctuation already stripped)", "/salesforce/erp_customers?$select=name,email,customer_id&$count=true&$search=Rossi&$top=25", s_salesforce),
        new("Row counts off: $count=false", "/salesforce/accounts?$select=iban,currency,status&$count=false&$top=26", s_salesforce),
        new("Echo rule: a string key filtered exactly", "/salesforce/accounts?$select=iban,currency&$filter=currency eq 'CHF'&$top=3", s_salesforce),
        new("Echo rule: no case folding", "/salesforce/accounts?$select=iban,currency&$filter=currency eq 'chf'&$top=3", s_salesforce),
        new("Client paging: $top/$skip past 2,000", "/salesforce/transactions?$select=transaction_id,amount&$orderby=transaction_id&$top=5&$skip=12500", s_salesforce),
        new("Server paging: at most 2,000 rows, Preference-Applied", "/salesforce/erp_customers?$select=customer_id&$top=2001", [.. s_salesforce, ("Prefer", "odata.maxpagesize=5000")]),
        new("A type Salesforce does not sync is not there", "/salesforce/warehouses?$select=opens_at", s_salesforce),
        new("No $expand in the profile", "/salesforce/erp_customers?$expand=sales_orders&$top=1", s_salesforce),
    ];

    public static IEnumerable<ReplayRequest> PowerQuery(string dialect) =>
    [
        new("Navigator: service document", "/odata/", s_powerQuery),
        new("Navigator: $metadata is CSDL XML although Accept prefers JSON", "/odata/$metadata", s_powerQuery),
        new("Preview", "/odata/warehouses?$top=1000", s_powerQuery),
        new("Folded query: $select, $filter, $orderby, $top, $count", "/odata/sales_orders?$select=order_id,ordered_at,total_amount&$filter=total_amount gt 10000&$orderby=ordered_at desc&$top=5&$count=true", s_powerQuery),
        new("Context URL: $select with $expand and a nested $select", "/odata/erp_customers?$select=customer_id,name&$expand=sales_orders($select=order_id,status;$top=2)&$top=2&$orderby=customer_id", s_powerQuery),
        new("Context URL: $select with a plain $expand", "/odata/erp_customers?$select=customer_id&$expand=sales_orders($top=1)&$top=1&$orderby=customer_id", s_powerQuery),
        new("Whole-table load: page 1", "/odata/transactions?$select=transaction_id,amount&$filter=transaction_id le 2100&$orderby=transaction_id", s_powerQuery, FollowNextLink: 2),
        new("Count", "/odata/transactions/$count", s_powerQuery),
        new("deflate when that is all the client takes", "/odata/warehouses?$select=warehouse_code,name", [.. s_powerQuery.Where(h => h.Item1 != "Accept-Encoding"), ("Accept-Encoding", "deflate")]),
        new("A mistyped column: a 4xx OData error that says how to fix it", "/odata/erp_customers?$select=nmae", s_powerQuery),
    ];

    public static TheoryData<string> Profiles => new() { "salesforce", "powerquery" };

    protected abstract string Dialect { get; }

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task Replay_EveryResponseIsExactlyTheRecordedOne(string profile)
    {
        var requests = (profile == "salesforce" ? Salesforce(Dialect) : PowerQuery(Dialect)).ToList();
        // A configured link key, as several instances would have: next links (and their $skiptoken) are the same on every run.
        await using var server = await fixture.StartAnotherAsync(s => s["OData:Paging:SkipTokenKey"] = "replay-tests-link-key-0123456789-abcdefghijklmnop");
        using var client = server.CreateClient();
        var actual = new List<ReplayCase>();
        foreach (var request in requests)
        {
            var path = request.Path;
            for (var page = 0; path is not null && page <= request.FollowNextLink; page++)
            {
                var recorded = await SendAsync(client, request, path, page);
                actual.Add(recorded);
                path = recorded.Body is JsonObject body && body["@odata.nextLink"]?.GetValue<string>() is { } next ? new Uri(next).PathAndQuery : null;
            }
        }

        await RecordOrCompareAsync(Path.Combine(ReplayFolder(), $"{profile}.{Dialect.ToLowerInvariant()}.json"), actual);
    }

    /// <summary>
    /// With <c>ODV_RECORD_REPLAYS=1</c> writes <paramref name="actual"/> to <paramref name="file"/>; otherwise compares it
    /// with the recording there, exchange by exchange: status, headers, body byte for byte.
    /// </summary>
    internal static async Task RecordOrCompareAsync(string file, List<ReplayCase> actual)
    {
        if (Environment.GetEnvironmentVariable("ODV_RECORD_REPLAYS") == "1")
        {
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(actual, s_json) + "\n");
            return;
        }

        Assert.True(File.Exists(file), $"No recording at {file}: record it with ODV_RECORD_REPLAYS=1, check it by hand, and commit it.");
        var expected = JsonSerializer.Deserialize<List<ReplayCase>>(await File.ReadAllTextAsync(file), s_json)!;
        Assert.Equal(expected.Select(e => e.Name + " " + e.Request), actual.Select(a => a.Name + " " + a.Request));
        for (var i = 0; i < expected.Count; i++)
        {
            var (want, got) = (expected[i], actual[i]);
            Assert.True(want.Status == got.Status, $"{want.Name}: status {got.Status}, recorded {want.Status}");
            Assert.True(JsonSerializer.Serialize(want.Headers) == JsonSerializer.Serialize(got.Headers), $"{want.Name}: headers {JsonSerializer.Serialize(got.Headers)}, recorded {JsonSerializer.Serialize(want.Headers)}");
            var (wantBody, gotBody) = (want.Body?.ToJsonString() ?? string.Empty, got.Body?.ToJsonString() ?? string.Empty);
            Assert.True(wantBody == gotBody, $"{want.Name}: the body differs from the recording at character {FirstDifference(wantBody, gotBody)}:{Environment.NewLine}got      {Around(gotBody, FirstDifference(wantBody, gotBody))}{Environment.NewLine}recorded {Around(wantBody, FirstDifference(wantBody, gotBody))}");
        }
    }

    internal static async Task<ReplayCase> SendAsync(HttpClient client, ReplayRequest request, string path, int page)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(message);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in s_headers)
        {
            if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
            {
                headers[name] = string.Join(" | ", values); // two OData-Version headers would show as "4.0 | 4.0"
            }
        }

        var bytes = await response.Content.ReadAsByteArrayAsync();
        var encoding = response.Content.Headers.ContentEncoding.SingleOrDefault();
        var text = Encoding.UTF8.GetString(encoding switch
        {
            "gzip" => Decompress(new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress)),
            "deflate" => Decompress(new ZLibStream(new MemoryStream(bytes), CompressionMode.Decompress)),
            _ => bytes,
        });
        // The request id and the trace id in an error's innererror differ on every run.
        text = RequestId().Replace(text, "\"requestId\":\"*\"");
        text = TraceId().Replace(text, "\"traceId\":\"*\"");
        JsonNode? body = response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonNode.Parse(text) : JsonValue.Create(text);
        return new ReplayCase(page == 0 ? request.Name : $"{request.Name} (next link {page})", "GET " + path + (request.Headers.Any(h => h.Item1 == "Prefer") ? " with Prefer: " + request.Headers.First(h => h.Item1 == "Prefer").Item2 : string.Empty), (int)response.StatusCode, headers, body);
    }

    private static byte[] Decompress(Stream stream)
    {
        using (stream)
        {
            using var output = new MemoryStream();
            stream.CopyTo(output);
            return output.ToArray();
        }
    }

    private static int FirstDifference(string a, string b)
    {
        var i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i])
        {
            i++;
        }

        return i;
    }

    private static string Around(string text, int index) => text.Substring(Math.Max(0, index - 60), Math.Min(text.Length - Math.Max(0, index - 60), 160));

    private static string ReplayFolder([System.Runtime.CompilerServices.CallerFilePath] string source = "")
        => Path.Combine(Path.GetDirectoryName(source)!, "Replays");

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [GeneratedRegex("\"requestId\":\"[^\"]*\"")]
    private static partial Regex RequestId();

    [GeneratedRegex("\"traceId\":\"[^\"]*\"")]
    private static partial Regex TraceId();
}

/// <summary>One client request: what it is for, the path and query as sent, its headers, how many next links to follow.</summary>
public sealed record ReplayRequest(string Name, string Path, (string, string)[] Headers, int FollowNextLink = 0);

/// <summary>A recorded exchange.</summary>
public sealed record ReplayCase(string Name, string Request, int Status, SortedDictionary<string, string> Headers, JsonNode? Body);

[Collection(PostgresCollection.Name)]
public sealed class PostgresReplayTests(PostgresFixture fixture) : ReplayTests(fixture)
{
    protected override string Dialect => "PostgreSQL";
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteReplayTests(SqliteFixture fixture) : ReplayTests(fixture)
{
    protected override string Dialect => "Sqlite";
}

/// <summary>
/// The replays on MariaDB over the MySQL seeds. The recordings differ from PostgreSQL's only where the published types
/// do (decision 65): checked by diffing them with the PostgreSQL recordings.
/// </summary>
[Collection(MySql.MariaDbSeedCollection.Name)]
public sealed class MariaDbReplayTests(MySql.MariaDbSeedFixture fixture) : ReplayTests(fixture)
{
    protected override string Dialect => "MariaDB";
}
