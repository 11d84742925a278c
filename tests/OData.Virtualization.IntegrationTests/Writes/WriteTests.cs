using System.Net;
using System.Text.Json;
using System.Xml;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Csdl;
using Microsoft.OData.Edm.Vocabularies;
using static OData.Virtualization.IntegrationTests.Writes.WriteFixture;

namespace OData.Virtualization.IntegrationTests.Writes;

/// <summary>
/// Writes on PostgreSQL (issue 13): each operation with both <c>Prefer</c> forms, checked against the table itself; the
/// policy's row filter, hidden and masked columns and the key holding for writes with nothing changed when refused;
/// the database's refusals as OData errors; and the default configuration's 405.
/// </summary>
public abstract class WriteTests(WriteFixture fixture)
{
    [Fact]
    public async Task Post_CreatesTheRow_AndAnswers201WithTheStoredEntity()
    {
        using var admin = fixture.Client(AdminKey);
        using var response = await admin.PostAsync("ledgers", Json("""{"branch":"basel","name":"post-201","amount":12.34,"note":"n"}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var entity = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var id = entity.GetProperty("id").GetInt32();
        Assert.True(id > 3, "the database gave the key");
        Assert.Equal(new Uri(admin.BaseAddress!, $"ledgers({id})"), response.Headers.Location);
        Assert.Equal("open", entity.GetProperty("status").GetString()); // the column's default, as stored
        Assert.Equal(24.68m, entity.GetProperty("doubled").GetDecimal()); // the generated column, as stored
        Assert.Equal(12.34m, decimal.Parse((await fixture.ScalarAsync($"SELECT amount FROM ledgers WHERE id = {id}"))!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Post_ReturnMinimal_Is204WithLocationAndEntityId()
    {
        using var admin = fixture.Client(AdminKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "ledgers") { Content = Json("""{"branch":"basel","name":"post-204"}""") };
        request.Headers.Add("Prefer", "return=minimal");
        using var response = await admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("return=minimal", response.Headers.GetValues("Preference-Applied").Single());
        var id = await fixture.ScalarAsync("SELECT id FROM ledgers WHERE name = 'post-204'");
        Assert.Equal(new Uri(admin.BaseAddress!, $"ledgers({id})"), response.Headers.Location);
        Assert.Equal(response.Headers.Location!.ToString(), response.Headers.GetValues("OData-EntityId").Single());
    }

    [Fact]
    public async Task Patch_ChangesOnlyTheSentProperties_AndPut_ReplacesTheRest()
    {
        using var admin = fixture.Client(AdminKey);
        var id = await CreateAsync(admin, """{"branch":"basel","name":"patch-me","amount":5,"note":"keep"}""");

        using (var patch = await admin.PatchAsync($"ledgers({id})", Json("""{"amount":6.5}""")))
        {
            Assert.Equal(HttpStatusCode.NoContent, patch.StatusCode);
        }

        Assert.Equal(6.5m, await AmountAsync(id));
        Assert.Equal("keep", await fixture.ScalarAsync($"SELECT note FROM ledgers WHERE id = {id}"));

        using (var request = new HttpRequestMessage(HttpMethod.Patch, $"ledgers({id})") { Content = Json("""{"note":"changed"}""") })
        {
            request.Headers.Add("Prefer", "return=representation");
            using var response = await admin.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var entity = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("changed", entity.GetProperty("note").GetString());
            Assert.Equal(6.5m, entity.GetProperty("amount").GetDecimal());
        }

        // PUT: every property the body leaves out goes back to NULL or its default.
        using (var put = await admin.PutAsync($"ledgers({id})", Json("""{"branch":"basel","name":"patch-me"}""")))
        {
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        }

        Assert.Equal(0m, await AmountAsync(id));
        Assert.Equal("null|open", await fixture.ScalarAsync($"SELECT coalesce(note, 'null') || '|' || status FROM ledgers WHERE id = {id}"));
    }

    [Fact]
    public async Task Delete_RemovesTheRow_AndASecondDeleteIs404()
    {
        using var admin = fixture.Client(AdminKey);
        var id = await CreateAsync(admin, """{"branch":"basel","name":"delete-me"}""");
        using (var delete = await admin.DeleteAsync($"ledgers({id})"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        Assert.Equal("0", await fixture.ScalarAsync($"SELECT count(*) FROM ledgers WHERE id = {id}"));
        using var again = await admin.DeleteAsync($"ledgers({id})");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    /// <summary>Every way a teller of Zurich might write what its policy does not grant: refused, the table unchanged.</summary>
    [Theory]
    [InlineData("PATCH", "ledgers(3)", """{"note":"not mine"}""", 404, null)]
    [InlineData("DELETE", "ledgers(3)", null, 404, null)]
    [InlineData("PUT", "ledgers(3)", """{"branch":"basel","name":"B-one"}""", 404, null)]
    [InlineData("PATCH", "ledgers(2)", """{"branch":"basel"}""", 403, null)]
    [InlineData("POST", "ledgers", """{"branch":"basel","name":"smuggled"}""", 403, null)]
    [InlineData("PATCH", "ledgers(2)", """{"secret":"x"}""", 400, "secret")]
    [InlineData("PATCH", "ledgers(1)", """{"iban":"CH00"}""", 400, "iban")]
    [InlineData("PATCH", "ledgers(1)", """{"id":7}""", 400, "id")]
    [InlineData("PATCH", "ledgers(1)", """{"doubled":1}""", 400, "doubled")]
    [InlineData("POST", "ledgers", """{"branch":"zurich","name":"has-secret","secret":"x"}""", 400, "secret")]
    public async Task Teller_WritesOutsideItsPolicy_AreRefused_AndNothingChanges(string method, string url, string? body, int status, string? target)
    {
        var before = await fixture.SnapshotAsync();
        using var teller = fixture.Client(TellerKey);
        using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = body is null ? null : Json(body) };
        using var response = await teller.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {text}");
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        if (target is not null)
        {
            Assert.Equal(target, error.GetProperty("target").GetString());
        }

        Assert.DoesNotContain("s1", text, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task Teller_WritesItsOwnBranch()
    {
        using var teller = fixture.Client(TellerKey);
        var id = await CreateAsync(teller, """{"branch":"zurich","name":"teller-own"}""");
        using var patch = await teller.PatchAsync($"ledgers({id})", Json("""{"note":"ok"}"""));
        Assert.Equal(HttpStatusCode.NoContent, patch.StatusCode);
        Assert.Equal("ok", await fixture.ScalarAsync($"SELECT note FROM ledgers WHERE id = {id}"));
    }

    [Theory]
    [InlineData("""{"branch":"basel","name":"x","amount":"lots"}""", 400, "amount")]
    [InlineData("""{"branch":"basel","name":"a-name-much-longer-than-twenty"}""", 400, "name")]
    [InlineData("""{"branch":null,"name":"null-branch"}""", 400, "branch")]
    [InlineData("""{"name":"no-branch"}""", 400, "branch")]
    [InlineData("""{"branch":"basel","name":"x","amount":1.234}""", 400, "amount")]
    [InlineData("""{"branch":"basel","name":"x","nope":1}""", 400, "nope")]
    [InlineData("""{"branch":"basel","name":"Z-one"}""", 409, null)]
    [InlineData("""{"branch":"basel","name":"too-low","amount":-5000}""", 400, null)]
    [InlineData("""{"branch":"basel",""", 400, null)]
    [InlineData("""[1,2]""", 400, null)]
    [InlineData("""{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{}}}}}}}}}}""", 400, null)]
    public async Task MalformedOrRefusedWrites_AreClear4xx_AndNothingChanges(string body, int status, string? target)
    {
        var before = await fixture.SnapshotAsync();
        using var admin = fixture.Client(AdminKey);
        using var response = await admin.PostAsync("ledgers", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {text}");
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        if (target is not null)
        {
            Assert.Equal(target, error.GetProperty("target").GetString());
        }

        Assert.DoesNotContain("INSERT", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task Reader_WithoutAGrant_Gets405_WithWhatIsAllowed()
    {
        using var reader = fixture.Client(ReaderKey);
        using var response = await reader.PostAsync("ledgers", Json("""{"branch":"basel","name":"reader"}"""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow.Count > 0 ? response.Content.Headers.Allow : response.Headers.GetValues("Allow").Single().Split(", "));
    }

    [Theory]
    [InlineData("POST", "ledgers")]
    [InlineData("PATCH", "ledgers(1)")]
    [InlineData("PUT", "ledgers(1)")]
    [InlineData("DELETE", "ledgers(1)")]
    public async Task TheDefaultConfiguration_AnswersEveryWriteWith405(string method, string url)
    {
        var before = await fixture.SnapshotAsync();
        using var client = fixture.ReadOnlyServer.NewClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = Json("""{"note":"x"}""") };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("read-only", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    /// <summary>With a 300-second cache: the read after a write sees it, for the same URL (memo and cache) and for others of the source.</summary>
    [Fact]
    public async Task AReadAfterAWrite_SeesIt_ThoughTheReadBeforeWasCached()
    {
        using var admin = fixture.Client(AdminKey);
        var id = await CreateAsync(admin, """{"branch":"basel","name":"cached","note":"before"}""");
        for (var i = 0; i < 2; i++)
        {
            using var read = await admin.GetAsync($"ledgers({id})");
            Assert.Contains("before", await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var again = await admin.GetAsync($"ledgers({id})"))
        {
            Assert.Equal("HIT", again.Headers.GetValues("X-Cache").Single());
        }

        var page = await admin.GetStringAsync("ledgers?$filter=note eq 'before'&$select=id");
        Assert.Contains($"\"id\":{id}", page, StringComparison.Ordinal);

        using (var patch = await admin.PatchAsync($"ledgers({id})", Json("""{"note":"after"}""")))
        {
            Assert.Equal(HttpStatusCode.NoContent, patch.StatusCode);
        }

        using (var read = await admin.GetAsync($"ledgers({id})"))
        {
            var text = await read.Content.ReadAsStringAsync();
            Assert.Contains("after", text, StringComparison.Ordinal);
            Assert.NotEqual("HIT", read.Headers.GetValues("X-Cache").Single());
        }

        Assert.DoesNotContain($"\"id\":{id}", await admin.GetStringAsync("ledgers?$filter=note eq 'before'&$select=id"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IfMatch_ATagFromBeforeAChange_Is412_AndTheCurrentTagWrites()
    {
        using var admin = fixture.Client(AdminKey);
        var id = await CreateAsync(admin, """{"branch":"basel","name":"etag-me","note":"v1"}""");
        using var first = await admin.GetAsync($"ledgers({id})");
        var tag = first.Headers.ETag!.ToString();
        Assert.StartsWith("W/\"", tag, StringComparison.Ordinal);
        Assert.Equal(tag, JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("@odata.etag").GetString());

        await fixture.ExecuteAsync($"UPDATE ledgers SET note = 'changed elsewhere' WHERE id = {id}");
        var before = await fixture.SnapshotAsync();
        using (var stale = new HttpRequestMessage(HttpMethod.Patch, $"ledgers({id})") { Content = Json("""{"note":"mine"}""") })
        {
            stale.Headers.TryAddWithoutValidation("If-Match", tag);
            using var response = await admin.SendAsync(stale);
            Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        }

        Assert.Equal(before, await fixture.SnapshotAsync());
        using var current = await admin.GetAsync($"ledgers({id})");
        Assert.NotEqual(tag, current.Headers.ETag!.ToString());
        using var fresh = new HttpRequestMessage(HttpMethod.Patch, $"ledgers({id})") { Content = Json("""{"note":"mine"}""") };
        fresh.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.ToString());
        using var written = await admin.SendAsync(fresh);
        Assert.Equal(HttpStatusCode.NoContent, written.StatusCode);
        Assert.Equal("mine", await fixture.ScalarAsync($"SELECT note FROM ledgers WHERE id = {id}"));
    }

    /// <summary>Two PATCHes with the same tag at once, ten times: each time exactly one writes and the other is a 412.</summary>
    [Fact]
    public async Task ConcurrentPatches_WithTheSameTag_ExactlyOneWins()
    {
        using var admin = fixture.Client(AdminKey);
        var id = await CreateAsync(admin, """{"branch":"basel","name":"race","amount":0}""");
        for (var round = 0; round < 10; round++)
        {
            using var read = await admin.GetAsync($"ledgers({id})");
            var tag = read.Headers.ETag!.ToString();
            var statuses = await Task.WhenAll(Enumerable.Range(1, 2).Select(async n =>
            {
                using var patch = new HttpRequestMessage(HttpMethod.Patch, $"ledgers({id})") { Content = Json($$"""{"note":"writer {{n}} round {{round}}"}""") };
                patch.Headers.TryAddWithoutValidation("If-Match", tag);
                using var response = await admin.SendAsync(patch);
                return (int)response.StatusCode;
            }));
            Assert.Equal([204, 412], statuses.Order());
        }
    }

    [Fact]
    public async Task IfMatchStar_OnAMissingEntity_Is404_AndARequiredTag_Is428()
    {
        using var admin = fixture.Client(AdminKey);
        using (var star = new HttpRequestMessage(HttpMethod.Patch, "ledgers(99999)") { Content = Json("""{"note":"x"}""") })
        {
            star.Headers.TryAddWithoutValidation("If-Match", "*");
            using var response = await admin.SendAsync(star);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using (var missing = await admin.PatchAsync("strict_ledgers(1)", Json("""{"note":"x"}""")))
        {
            Assert.Equal(428, (int)missing.StatusCode);
        }

        Assert.Equal("strict", await fixture.ScalarAsync("SELECT note FROM strict_ledgers WHERE id = 1"));
    }

    /// <summary>$metadata tells each caller what it may write: Capabilities Insert/Update/DeleteRestrictions per set.</summary>
    [Theory]
    [InlineData(AdminKey, "ledgers", true, true, true)]
    [InlineData(AdminKey, "strict_ledgers", false, true, false)]
    [InlineData(TellerKey, "ledgers", true, true, true)]
    [InlineData(ReaderKey, "ledgers", false, false, false)]
    public async Task Metadata_SaysWhatTheCallerMayWrite(string key, string setName, bool insertable, bool updatable, bool deletable)
    {
        using var client = fixture.Client(key);
        using var reader = XmlReader.Create(new StringReader(await client.GetStringAsync("$metadata")));
        Assert.True(CsdlReader.TryParse(reader, out var model, out _));
        var set = model.EntityContainer.FindEntitySet(setName);
        Assert.Equal(insertable, Flag(model, set, "InsertRestrictions", "Insertable"));
        Assert.Equal(updatable, Flag(model, set, "UpdateRestrictions", "Updatable"));
        Assert.Equal(deletable, Flag(model, set, "DeleteRestrictions", "Deletable"));
    }

    private static bool Flag(IEdmModel model, IEdmVocabularyAnnotatable target, string term, string property)
    {
        var annotation = model.FindVocabularyAnnotations(target).Single(a => a.Term.FullName() == "Org.OData.Capabilities.V1." + term);
        return ((IEdmBooleanConstantExpression)((IEdmRecordExpression)annotation.Value).Properties.Single(p => p.Name == property).Value).Value;
    }

    /// <summary>
    /// 300 malformed bodies (cut JSON, wrong types, huge and NUL-holding strings, deep nesting, numbers past every type,
    /// bytes that are not UTF-8, duplicate and unknown names, bodies past the limit), to POST, PATCH and PUT: each a 4xx,
    /// none a 5xx, the table unchanged.
    /// </summary>
    [Fact]
    public async Task MalformedBodies_Fuzzed_AreAll4xx_AndChangeNothing()
    {
        var random = new Random(13);
        var before = await fixture.SnapshotAsync();
        using var admin = fixture.Client(AdminKey);
        string[] names = ["branch", "name", "amount", "note", "status", "created_at", "id", "doubled", "nope", "naMe", "ämount", ""];
        string[] wrong = ["true", "[]", "{}", "\"x\"", "1e400", "-1e400", "99999999999999999999999999999999", "\"2024-13-45T99:99:99Z\"", "null", "\"\\u0000\"", "0.0000000000001", "\"" + new string('x', 200_000) + "\""];
        for (var i = 0; i < 300; i++)
        {
            byte[] body = (i % 10) switch
            {
                0 => System.Text.Encoding.UTF8.GetBytes("""{"branch":"basel","name":"cut""" [..random.Next(1, 27)]),
                1 => System.Text.Encoding.UTF8.GetBytes($$"""{"branch":"basel","name":"fz{{i}}","{{names[random.Next(names.Length)]}}":{{wrong[random.Next(wrong.Length)]}},"amount":"not a number"}"""),
                2 => System.Text.Encoding.UTF8.GetBytes($$"""{"branch":"basel","name":"{{new string('n', 21 + random.Next(100_000))}}"}"""),
                3 => System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 10 + random.Next(50))) + "1" + new string('}', 10 + random.Next(50))),
                4 => [0x7B, 0x22, 0x6E, 0x61, 0x6D, 0x65, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0xFF, 0x22, 0x7D],
                5 => System.Text.Encoding.UTF8.GetBytes($$"""{"branch":"basel","name":"fz{{i}}","amount":{{wrong[4 + random.Next(3)]}}}"""),
                6 => System.Text.Encoding.UTF8.GetBytes(random.Next(3) switch { 0 => "[]", 1 => "42", _ => "\"text\"" }),
                7 => System.Text.Encoding.UTF8.GetBytes($$"""{"branch":"basel","name":"fz{{i}}","name":"twice"}"""),
                8 => new byte[2_000_000 + random.Next(9_000_000)],
                _ => System.Text.Encoding.UTF8.GetBytes($$"""{"branch":"basel","name":"fz{{i}}","‮{{random.Next()}}":1}"""),
            };
            var method = (i / 10 % 3) switch { 0 => HttpMethod.Post, 1 => HttpMethod.Patch, _ => HttpMethod.Put };
            using var request = new HttpRequestMessage(method, method == HttpMethod.Post ? "ledgers" : "ledgers(1)") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await admin.SendAsync(request);
            var status = (int)response.StatusCode;
            Assert.True(status is >= 400 and < 500, $"case {i} ({method} kind {i % 10}) answered {status}: {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task WrongContentType_Is415()
    {
        using var admin = fixture.Client(AdminKey);
        using var response = await admin.PostAsync("ledgers", new StringContent("branch=basel", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    private async Task<decimal> AmountAsync(int id)
        => decimal.Parse((await fixture.ScalarAsync($"SELECT amount FROM ledgers WHERE id = {id}"))!, System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class PostgresWriteTests(PostgresWriteFixture fixture) : WriteTests(fixture), IClassFixture<PostgresWriteFixture>;

public sealed class SqliteWriteTests(SqliteWriteFixture fixture) : WriteTests(fixture), IClassFixture<SqliteWriteFixture>;
