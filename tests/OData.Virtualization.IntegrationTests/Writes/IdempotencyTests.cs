using System.Net;
using System.Text.Json;
using static OData.Virtualization.IntegrationTests.Writes.WriteFixture;

namespace OData.Virtualization.IntegrationTests.Writes;

/// <summary>
/// <c>Idempotency-Key</c> on writes (issue 13): a retried write — Salesforce's background queue, a client whose answer
/// was lost — with the same key and body gets the first answer again and writes nothing; the same key with another
/// body is a 422; keys belong to their caller; a refused write does not use its key up; two servers share the records.
/// </summary>
public abstract class IdempotencyTests(WriteFixture fixture)
{
    [Fact]
    public async Task TheSameKeySentTwentyTimesAtOnce_WritesOneRow_AndEveryAnswerIsTheFirst()
    {
        var name = Unique();
        var key = Guid.NewGuid().ToString();
        var body = $$"""{"branch":"basel","name":"{{name}}","amount":1.25}""";
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            // Half through each server: the record is in the database, not in one server's memory.
            using var client = i % 2 == 0 ? fixture.Client(AdminKey) : fixture.SecondClient(AdminKey);
            using var response = await client.SendAsync(Keyed(HttpMethod.Post, "ledgers", key, body));
            return (Status: (int)response.StatusCode, Location: response.Headers.Location?.ToString(), Body: await response.Content.ReadAsStringAsync(),
                Replayed: response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Single() == "true");
        }));

        Assert.Equal("1", await fixture.ScalarAsync($"SELECT count(*) FROM ledgers WHERE name = '{name}'"));
        Assert.All(answers, a => Assert.True(a.Status == 201, a.Body));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Single(answers.Select(a => a.Location).Distinct());
        Assert.Equal(19, answers.Count(a => a.Replayed));
        var id = JsonDocument.Parse(answers[0].Body).RootElement.GetProperty("id").GetInt32();
        Assert.EndsWith($"ledgers({id})", answers[0].Location);
    }

    [Fact]
    public async Task TheSameKeyWithAnotherBody_Is422_AndWritesNothing()
    {
        using var admin = fixture.Client(AdminKey);
        var key = Guid.NewGuid().ToString();
        var name = Unique();
        using (var first = await admin.SendAsync(Keyed(HttpMethod.Post, "ledgers", key, $$"""{"branch":"basel","name":"{{name}}"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        var before = await fixture.SnapshotAsync();
        var other = Unique();
        using var second = await admin.SendAsync(Keyed(HttpMethod.Post, "ledgers", key, $$"""{"branch":"basel","name":"{{other}}"}"""));
        var text = await second.Content.ReadAsStringAsync();
        Assert.Equal(422, (int)second.StatusCode);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal("Idempotency-Key", error.GetProperty("target").GetString());
        Assert.Contains("new key", error.GetProperty("message").GetString());
        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task ARetriedPatch_DoesNotUndoALaterWrite_AndARetriedDelete_Is204Again()
    {
        using var admin = fixture.Client(AdminKey);
        var id = await CreateAsync(admin, $$"""{"branch":"basel","name":"{{Unique()}}","amount":1}""");
        var key = Guid.NewGuid().ToString();
        using (var patch = await admin.SendAsync(Keyed(HttpMethod.Patch, $"ledgers({id})", key, """{"amount":2}""")))
        {
            Assert.Equal(HttpStatusCode.NoContent, patch.StatusCode);
        }

        await fixture.ExecuteAsync($"UPDATE ledgers SET amount = 3 WHERE id = {id}");
        using (var retry = await fixture.SecondClient(AdminKey).SendAsync(Keyed(HttpMethod.Patch, $"ledgers({id})", key, """{"amount":2}""")))
        {
            Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
            Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        }

        Assert.Equal("3", Normalize(await fixture.ScalarAsync($"SELECT amount FROM ledgers WHERE id = {id}")));

        var deleteKey = Guid.NewGuid().ToString();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var delete = await admin.SendAsync(Keyed(HttpMethod.Delete, $"ledgers({id})", deleteKey, null));
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        Assert.Equal("0", await fixture.ScalarAsync($"SELECT count(*) FROM ledgers WHERE id = {id}"));
    }

    [Fact]
    public async Task ARefusedWrite_DoesNotUseItsKeyUp()
    {
        using var admin = fixture.Client(AdminKey);
        var key = Guid.NewGuid().ToString();
        using (var duplicate = await admin.SendAsync(Keyed(HttpMethod.Post, "ledgers", key, """{"branch":"basel","name":"B-one"}""")))
        {
            Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode); // the name is unique: nothing was written, nothing kept
        }

        var name = Unique();
        using var corrected = await admin.SendAsync(Keyed(HttpMethod.Post, "ledgers", key, $$"""{"branch":"basel","name":"{{name}}"}"""));
        Assert.Equal(HttpStatusCode.Created, corrected.StatusCode);
        Assert.False(corrected.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("1", await fixture.ScalarAsync($"SELECT count(*) FROM ledgers WHERE name = '{name}'"));
    }

    [Fact]
    public async Task KeysBelongToTheirCaller_TwoCallersWithOneKey_WriteTwoRows()
    {
        var key = Guid.NewGuid().ToString();
        var name = Unique();
        using var admin = fixture.Client(AdminKey);
        using var teller = fixture.Client(TellerKey);
        using (var first = await admin.SendAsync(Keyed(HttpMethod.Post, "ledgers", key, $$"""{"branch":"zurich","name":"{{name}}a"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        using var second = await teller.SendAsync(Keyed(HttpMethod.Post, "ledgers", key, $$"""{"branch":"zurich","name":"{{name}}b"}""")); 
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.False(second.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("2", await fixture.ScalarAsync($"SELECT count(*) FROM ledgers WHERE name LIKE '{name}_'"));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("a,b")]
    [InlineData("\"\"")]
    [InlineData("ключ")]
    [InlineData(null)]
    public async Task AKeyThisServerDoesNotTake_Is400_AndWritesNothing(string? key)
    {
        key ??= new string('k', 256);
        var before = await fixture.SnapshotAsync();
        using var admin = fixture.Client(AdminKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "ledgers") { Content = Json($$"""{"branch":"basel","name":"{{Unique()}}"}""") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        using var response = await admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Equal("Idempotency-Key", JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("target").GetString());
        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task TheRecordsTable_IsNeverPublished()
    {
        using var admin = fixture.Client(AdminKey);
        using (var write = await admin.SendAsync(Keyed(HttpMethod.Post, "ledgers", Guid.NewGuid().ToString(), $$"""{"branch":"basel","name":"{{Unique()}}"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, write.StatusCode);
        }

        Assert.Equal("1", await fixture.ScalarAsync($"SELECT CASE WHEN EXISTS (SELECT 1 FROM {fixture.RecordsTable}) THEN 1 ELSE 0 END"));

        // A server that starts now discovers the table beside the ledgers, and does not publish it.
        await using var later = fixture.StartAnother();
        using var client = later.NewClient("odata/");
        client.DefaultRequestHeaders.Add("X-API-Key", AdminKey);
        var metadata = await client.GetStringAsync("$metadata");
        Assert.Contains("ledgers", metadata, StringComparison.Ordinal);
        Assert.DoesNotContain("idempotency", metadata, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TheRecordsTable_DroppedWhileServing_IsA503ForOneWrite_ThenMadeAgain()
    {
        using var admin = fixture.Client(AdminKey);
        using (var first = await admin.SendAsync(Keyed(HttpMethod.Post, "ledgers", Guid.NewGuid().ToString(), $$"""{"branch":"basel","name":"{{Unique()}}"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode); // the table exists now, and the server knows it
        }

        await fixture.ExecuteAsync($"DROP TABLE {fixture.RecordsTable}");
        var before = await fixture.SnapshotAsync();
        var name = Unique();
        using (var refused = await admin.SendAsync(Keyed(HttpMethod.Post, "ledgers", Guid.NewGuid().ToString(), $$"""{"branch":"basel","name":"{{name}}"}""")))
        {
            var text = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, text);
            Assert.Contains("Idempotency-Key", text, StringComparison.Ordinal);
        }

        Assert.Equal(before, await fixture.SnapshotAsync());
        using var again = await admin.SendAsync(Keyed(HttpMethod.Post, "ledgers", Guid.NewGuid().ToString(), $$"""{"branch":"basel","name":"{{name}}"}"""));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    private static HttpRequestMessage Keyed(HttpMethod method, string url, string key, string? body)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : Json(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private static string Unique() => "i" + Guid.NewGuid().ToString("N")[..12];

    private static string? Normalize(string? number) => number is null ? null : decimal.Parse(number, System.Globalization.CultureInfo.InvariantCulture).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class PostgresIdempotencyTests(PostgresWriteFixture fixture) : IdempotencyTests(fixture), IClassFixture<PostgresWriteFixture>;

public sealed class SqliteIdempotencyTests(SqliteWriteFixture fixture) : IdempotencyTests(fixture), IClassFixture<SqliteWriteFixture>;
