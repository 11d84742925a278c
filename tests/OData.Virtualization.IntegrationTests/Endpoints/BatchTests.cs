using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// <c>$batch</c> (issue 12): JSON (OData 4.01) and multipart/mixed (OData 4.0) batches of GETs, each part answered
/// exactly as the same GET sent alone; writes and change sets refused for their part only; <c>continue-on-error</c> and
/// <c>dependsOn</c>; the limits; malformed batches; and both formats read by Microsoft.OData.Core's strict batch reader.
/// </summary>
public abstract class BatchTests(ServerFixture fixture)
{
    private const string Json = "application/json";
    private const string ContinueOnError = "odata.continue-on-error";

    /// <summary>An entity set page, an entity, a count, a raw value, a hostile key in a filter, a navigation path.</summary>
    private static readonly string[] s_gets =
    [
        "erp_customers?$top=3&$select=customer_id,name&$orderby=customer_id",
        "erp_customers(1)",
        "erp_customers/$count?$filter=customer_id%20lt%20100",
        "erp_customers(1)/name/$value",
        "products?$filter=sku%20eq%20'O''Brien%2050%25'&$select=sku,name",
        "sales_orders(5000000001)/customer?$select=customer_id",
    ];

    protected ServerFixture Fixture { get; } = fixture;

    [Fact]
    public async Task JsonBatch_OfSeveralGets_EachAnswerIsTheGetSentAlone()
    {
        var (response, body) = await BatchClient.PostAsync(Fixture.Client, BatchClient.JsonGets(s_gets), Json);
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Json, response.Content.Headers.ContentType?.MediaType);
            var answers = JsonDocument.Parse(body).RootElement.GetProperty("responses").EnumerateArray().ToList();
            Assert.Equal(s_gets.Length, answers.Count);
            for (var i = 0; i < s_gets.Length; i++)
            {
                var answer = answers[i];
                Assert.Equal((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), answer.GetProperty("id").GetString());
                var (status, contentType, alone) = await AloneAsync(s_gets[i]);
                Assert.Equal(status, answer.GetProperty("status").GetInt32());
                Assert.Equal(contentType, answer.GetProperty("headers").GetProperty("content-type").GetString()!.Split(';')[0]);
                var part = answer.GetProperty("body");
                Assert.Equal(alone, part.ValueKind == JsonValueKind.String ? part.GetString() : part.GetRawText());
            }
        }
    }

    [Fact]
    public async Task MultipartBatch_OfSeveralGets_EachAnswerIsTheGetSentAlone_AndTheStrictReaderReadsIt()
    {
        var (response, body) = await BatchClient.PostAsync(Fixture.Client, BatchClient.MultipartGets("batch_36522ad7", s_gets), "multipart/mixed; boundary=batch_36522ad7");
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var contentType = response.Content.Headers.ContentType!;
            Assert.Equal("multipart/mixed", contentType.MediaType);
            Assert.DoesNotContain("batch_36522ad7", contentType.ToString(), StringComparison.Ordinal); // a boundary of its own
            var parts = BatchClient.ReadStrictly(response, body);
            Assert.Equal(s_gets.Length, parts.Count);
            for (var i = 0; i < s_gets.Length; i++)
            {
                var (status, mediaType, alone) = await AloneAsync(s_gets[i]);
                Assert.Equal(status, parts[i].Status);
                Assert.Equal(mediaType, parts[i].ContentType?.Split(';')[0]);
                Assert.Equal(alone, parts[i].Body);
            }
        }
    }

    [Fact]
    public async Task JsonBatchResponse_IsReadByTheStrictReader_IdsStatusesAndBodies()
    {
        var (response, body) = await BatchClient.PostAsync(Fixture.Client, BatchClient.JsonGets(s_gets), Json);
        using (response)
        {
            var parts = BatchClient.ReadStrictly(response, body);
            Assert.Equal(s_gets.Select((_, i) => (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)), parts.Select(p => p.Id));
            for (var i = 0; i < s_gets.Length; i++)
            {
                var (status, _, alone) = await AloneAsync(s_gets[i]);
                Assert.Equal(status, parts[i].Status);
                if (parts[i].ContentType!.StartsWith(Json, StringComparison.Ordinal))
                {
                    // The reader writes the body out again (escaping non-ASCII): the same JSON, not the same bytes.
                    Assert.True(JsonNode.DeepEquals(JsonNode.Parse(alone), JsonNode.Parse(parts[i].Body)), s_gets[i]);
                }
                else
                {
                    // The reader hands a text body over as the JSON string the format carries it in.
                    Assert.Equal(alone, parts[i].Body.Trim('"'));
                }
            }
        }
    }

    [Fact]
    public async Task WritePart_Is405ReadOnly_WhileTheOthersSucceed_InBothFormats()
    {
        var json = JsonSerializer.Serialize(new
        {
            requests = new object[]
            {
                new { id = "a", method = "GET", url = "erp_customers(1)" },
                new { id = "b", method = "PATCH", url = "erp_customers(1)", headers = new Dictionary<string, string> { ["Content-Type"] = Json }, body = new { name = "x" } },
                new { id = "c", method = "GET", url = "erp_customers/$count" },
            },
        });
        var multipart = BatchClient.Multipart("b1", ("GET", "erp_customers(1)", []), ("DELETE", "erp_customers(1)", []), ("GET", "erp_customers/$count", []));
        foreach (var (content, type) in new[] { (json, Json), (multipart, "multipart/mixed; boundary=b1") })
        {
            var (response, body) = await BatchClient.PostAsync(Fixture.Client, content, type, headers: ("Prefer", ContinueOnError));
            using (response)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Contains(ContinueOnError, response.Headers.GetValues("Preference-Applied"));
                var parts = BatchClient.Read(response, body);
                Assert.Equal([200, 405, 200], parts.Select(p => p.Status));
                Assert.Contains("read-only", ErrorMessage(parts[1]), StringComparison.Ordinal);
                Assert.Equal("GET, HEAD", parts[1].Headers["Allow"]);
            }
        }

        Assert.Equal("Hiroshi L. Novák", (await Fixture.Client.GetJsonAsync("erp_customers(1)/name")).GetProperty("value").GetString());
    }

    [Fact]
    public async Task WithoutContinueOnError_TheBatchStopsAfterTheFirstFailure()
    {
        string[] urls = ["erp_customers(1)", "no_such_set", "erp_customers/$count"];
        foreach (var (content, type) in new[] { (BatchClient.JsonGets(urls), Json), (BatchClient.MultipartGets("b2", urls), "multipart/mixed; boundary=b2") })
        {
            var (response, body) = await BatchClient.PostAsync(Fixture.Client, content, type);
            using (response)
            {
                Assert.False(response.Headers.Contains("Preference-Applied"));
                Assert.Equal([200, 404], BatchClient.Read(response, body).Select(p => p.Status));
            }
        }
    }

    [Fact]
    public async Task DependsOnAFailedRequest_Is424_AndAnIndependentOneStillRuns()
    {
        var json = JsonSerializer.Serialize(new
        {
            requests = new object[]
            {
                new { id = "1", method = "GET", url = "no_such_set" },
                new { id = "2", method = "GET", url = "erp_customers(1)", dependsOn = new[] { "1" } },
                new { id = "3", method = "GET", url = "erp_customers(1)" },
                new { id = "4", method = "GET", url = "erp_customers/$count", dependsOn = new[] { "3" } },
            },
        });
        var (response, body) = await BatchClient.PostAsync(Fixture.Client, json, Json, headers: ("Prefer", ContinueOnError));
        using (response)
        {
            var parts = BatchClient.Read(response, body);
            Assert.Equal([404, 424, 200, 200], parts.Select(p => p.Status));
            Assert.Contains("'1'", ErrorMessage(parts[1]), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ChangeSet_WritingToAReadOnlySet_Is405ForThatChangeSetOnly_InBothFormats()
    {
        var json = JsonSerializer.Serialize(new
        {
            requests = new object[]
            {
                new { id = "1", method = "GET", url = "erp_customers(1)" },
                new { id = "2", method = "POST", url = "erp_customers", atomicityGroup = "g1", headers = new Dictionary<string, string> { ["Content-Type"] = Json }, body = new { name = "x" } },
                new { id = "3", method = "GET", url = "erp_customers/$count" },
            },
        });
        var multipart = "--b3\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nGET erp_customers(1) HTTP/1.1\r\n\r\n\r\n"
            + "--b3\r\nContent-Type: multipart/mixed; boundary=cs1\r\n\r\n--cs1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 7\r\n\r\nPOST erp_customers HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{\"name\":\"x\"}\r\n--cs1--\r\n"
            + "--b3\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nGET erp_customers/$count HTTP/1.1\r\n\r\n\r\n--b3--\r\n";
        foreach (var (content, type) in new[] { (json, Json), (multipart, "multipart/mixed; boundary=b3") })
        {
            var (response, body) = await BatchClient.PostAsync(Fixture.Client, content, type, headers: ("Prefer", ContinueOnError));
            using (response)
            {
                var parts = BatchClient.Read(response, body);
                Assert.Equal([200, 405, 200], parts.Select(p => p.Status));
                Assert.Contains("read-only", ErrorMessage(parts[1]), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task PartUrls_RelativeRootRelativeAndAbsolute_AreServed_ButNotOutsideTheRoot()
    {
        var root = Fixture.Client.BaseAddress!.ToString();
        string[] urls = ["erp_customers(1)", new Uri(Fixture.Client.BaseAddress, "erp_customers(1)").AbsolutePath, root + "erp_customers(1)", "http://elsewhere.example/odata/erp_customers(1)", "../health/live", "erp_customers('\u0000')"];
        var (response, body) = await BatchClient.PostAsync(Fixture.Client, BatchClient.JsonGets(urls), Json, headers: ("Prefer", ContinueOnError));
        using (response)
        {
            var parts = BatchClient.Read(response, body);
            Assert.Equal([200, 200, 200, 400, 400, 400], parts.Select(p => p.Status));
            Assert.Equal(parts[0].Body, parts[1].Body);
            Assert.Equal(parts[0].Body, parts[2].Body);
            Assert.Contains("not under this service root", ErrorMessage(parts[3]), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TooManyPartsOrBytes_Is413_SayingTheLimitAndHowToStayWithinIt()
    {
        var server = await Fixture.SharedAsync("batch-limits", s =>
        {
            s["OData:Limits:MaxBatchParts"] = "3";
            s["OData:Limits:MaxBatchBytes"] = "2048";
        });
        using var client = server.NewClient();
        string[] four = ["erp_customers(1)", "erp_customers(2)", "erp_customers(3)", "erp_customers(4)"];
        foreach (var (content, type) in new[] { (BatchClient.JsonGets(four), Json), (BatchClient.MultipartGets("b4", four), "multipart/mixed; boundary=b4") })
        {
            var (response, body) = await BatchClient.PostAsync(client, content, type);
            using (response)
            {
                var error = ODataAssert.AssertError(response, Encoding.UTF8.GetString(body), HttpStatusCode.RequestEntityTooLarge, "four parts");
                Assert.Contains("3", error.GetProperty("message").GetString(), StringComparison.Ordinal);
                Assert.Contains("MaxBatchParts", error.GetProperty("message").GetString(), StringComparison.Ordinal);
            }
        }

        var large = BatchClient.JsonGets("erp_customers?$filter=name%20eq%20'" + new string('x', 3000) + "'");
        var (tooLarge, tooLargeBody) = await BatchClient.PostAsync(client, large, Json);
        using (tooLarge)
        {
            var error = ODataAssert.AssertError(tooLarge, Encoding.UTF8.GetString(tooLargeBody), HttpStatusCode.RequestEntityTooLarge, "3 KB");
            Assert.Contains("MaxBatchBytes", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        var (fits, fitsBody) = await BatchClient.PostAsync(client, BatchClient.JsonGets(four[..3]), Json);
        using (fits)
        {
            Assert.Equal([200, 200, 200], BatchClient.Read(fits, fitsBody).Select(p => p.Status));
        }
    }

    [Fact]
    public async Task EveryPart_CountsAgainstTheRateLimit_AsARequestOfItsOwn()
    {
        var server = await Fixture.SharedAsync("batch-rate", s => s["OData:Limits:RequestsPerMinute"] = "3");
        using var client = server.NewClient();
        string[] five = ["erp_customers(1)", "erp_customers(2)", "erp_customers(3)", "erp_customers(4)", "erp_customers(5)"];
        var (response, body) = await BatchClient.PostAsync(client, BatchClient.JsonGets(five), Json, headers: ("Prefer", ContinueOnError));
        using (response)
        {
            var parts = BatchClient.Read(response, body);
            Assert.Equal([200, 200, 200, 429, 429], parts.Select(p => p.Status));
            Assert.True(parts[3].Headers.ContainsKey("Retry-After"));
        }
    }

    public static TheoryData<string, string, int, string> MalformedBatches => new()
    {
        { Json, "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\",\"url\":\"erp_customers\"}", 400, "not valid JSON" },
        { Json, "[]", 400, "'requests'" },
        { Json, "{\"requests\":[]}", 400, "empty" },
        { Json, "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\"}]}", 400, "'url'" },
        { Json, "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\",\"url\":\"a\"},{\"id\":\"1\",\"method\":\"GET\",\"url\":\"b\"}]}", 400, "more than one" },
        { Json, "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\",\"url\":\"a\",\"dependsOn\":[\"9\"]}]}", 400, "'9'" },
        { Json, "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\",\"url\":\"a\",\"headers\":{\"Accept\":1}}]}", 400, "Accept" },
        { "multipart/mixed", "--b\r\n\r\n--b--", 400, "boundary" },
        { "multipart/mixed; boundary=b", "--b\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nGETT\r\n\r\n--b--\r\n", 400, "request line" },
        { "multipart/mixed; boundary=b", "no boundary here at all", 400, "multipart" },
        { "multipart/mixed; boundary=b", "--b\r\nContent-Type: text/plain\r\n\r\nGET erp_customers HTTP/1.1\r\n\r\n--b--\r\n", 400, "multipart" },
        { "multipart/mixed; boundary=b", string.Empty, 400, "multipart" },
        { "text/plain", "GET erp_customers", 415, "multipart/mixed" },
        { "multipart/mixed; boundary=b", "--b\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nGET $metadata HTTP/1.1\r\n\r\n\r\n--b--\r\n", 400, "./$metadata" },
    };

    [Theory]
    [MemberData(nameof(MalformedBatches))]
    public async Task MalformedBatch_IsA4xxSayingWhatIsWrong(string contentType, string content, int status, string says)
    {
        var (response, body) = await BatchClient.PostAsync(Fixture.Client, content, contentType);
        using (response)
        {
            var error = ODataAssert.AssertError(response, Encoding.UTF8.GetString(body), (HttpStatusCode)status, contentType + " " + content);
            Assert.Contains(says, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task BatchWithAnotherMethod_Is405_AllowingPost(string method)
    {
        var (response, body) = await Fixture.Client.SendAsync(new HttpMethod(method), "$batch");
        using (response)
        {
            ODataAssert.AssertError(response, body, HttpStatusCode.MethodNotAllowed, method + " $batch");
            Assert.Equal(["POST"], response.Content.Headers.Allow);
        }
    }

    [Fact]
    public async Task Multipart_DollarResourcesWrittenFromTheRootOrTheHost_AreServed()
    {
        var (response, body) = await BatchClient.PostAsync(Fixture.Client, BatchClient.MultipartGets("b5", "./$metadata", "/odata/$metadata"), "multipart/mixed; boundary=b5");
        using (response)
        {
            var parts = BatchClient.Read(response, body);
            Assert.Equal([200, 200], parts.Select(p => p.Status));
            Assert.All(parts, p => Assert.StartsWith("application/xml", p.ContentType, StringComparison.Ordinal));
            Assert.Equal(await Fixture.Client.GetStringAsync("$metadata"), parts[0].Body);
        }
    }

    [Fact]
    public async Task AnswerWithoutABody_304AndHead_IsAResponseWithoutBody_InValidJson()
    {
        var json = JsonSerializer.Serialize(new
        {
            requests = new object[]
            {
                new { id = "1", method = "GET", url = "erp_customers(1)", headers = new Dictionary<string, string> { ["If-None-Match"] = "*" } },
                new { id = "2", method = "HEAD", url = "erp_customers(1)" },
                new { id = "3", method = "GET", url = "erp_customers/$count" },
            },
        });
        var (response, body) = await BatchClient.PostAsync(Fixture.Client, json, Json);
        using (response)
        {
            var answers = JsonDocument.Parse(body).RootElement.GetProperty("responses").EnumerateArray().ToList();
            Assert.Equal([304, 200, 200], answers.Select(a => a.GetProperty("status").GetInt32()));
            Assert.False(answers[0].TryGetProperty("body", out _));
            Assert.False(answers[1].TryGetProperty("body", out _));
        }

        var multipart = BatchClient.Multipart("b6", ("GET", "erp_customers(1)", ["If-None-Match: *"]), ("GET", "erp_customers/$count", []));
        var (second, secondBody) = await BatchClient.PostAsync(Fixture.Client, multipart, "multipart/mixed; boundary=b6");
        using (second)
        {
            var parts = BatchClient.Read(second, secondBody);
            Assert.Equal([304, 200], parts.Select(p => p.Status));
            Assert.Equal(string.Empty, parts[0].Body);
        }
    }

    [Fact]
    public async Task NestedBatch_IsA400ForThatPart()
    {
        var (response, body) = await BatchClient.PostAsync(Fixture.Client, BatchClient.JsonGets("$batch", "erp_customers(1)"), Json, headers: ("Prefer", ContinueOnError));
        using (response)
        {
            Assert.Equal([400, 200], BatchClient.Read(response, body).Select(p => p.Status));
        }
    }

    [Fact]
    public async Task SalesforceRoot_ServesBatchesOfItsOwnModel()
    {
        var (response, body) = await BatchClient.PostAsync(Fixture.Client, BatchClient.JsonGets(string.Empty, "$metadata"), Json, "/salesforce/$batch");
        using (response)
        {
            var answers = JsonDocument.Parse(body).RootElement.GetProperty("responses").EnumerateArray().ToList();
            Assert.Equal([200, 200], answers.Select(a => a.GetProperty("status").GetInt32()));
            Assert.Equal(await Fixture.Client.GetStringAsync("/salesforce/"), answers[0].GetProperty("body").GetRawText());
            Assert.Equal(await Fixture.Client.GetStringAsync("/salesforce/$metadata"), Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(answers[1].GetProperty("body").GetString()))); // XML is not text/*: base64url (JSON Format §19)
        }
    }

    private async Task<(int Status, string? MediaType, string Body)> AloneAsync(string url)
    {
        using var response = await Fixture.Client.GetAsync(url);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    private static string ErrorMessage(BatchClient.Part part)
        => JsonDocument.Parse(part.Body).RootElement.GetProperty("error").GetProperty("message").GetString()!;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresBatchTests(PostgresFixture fixture) : BatchTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteBatchTests(SqliteFixture fixture) : BatchTests(fixture);
