using System.Net;
using System.Text;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;
using static OData.Virtualization.IntegrationTests.Writes.WriteFixture;

namespace OData.Virtualization.IntegrationTests.Writes;

/// <summary>
/// <c>$batch</c> change sets (issue 13): the writes of a multipart change set or a JSON atomicity group commit together
/// or not at all — checked against the table itself — with references to an entity an earlier write created
/// (<c>$1</c>) and to its ETag (<c>If-Match: $1</c>), the answers nested as OData 4.01 §11.7.7 asks, and a failed change
/// set's writes audited as rolled back.
/// </summary>
public abstract class ChangeSetTests(WriteFixture fixture)
{
    private const string Json = "application/json";

    [Fact]
    public async Task Multipart_ChangeSet_CommitsEveryWrite_WithReferencesToTheCreatedEntityAndItsETag()
    {
        using var admin = fixture.Client(AdminKey);
        var existing = await CreateAsync(admin, """{"branch":"basel","name":"cs-existing","amount":1}""");
        var body = ChangeSet("b1", "c1",
            ("1", $"POST ledgers", """{"branch":"basel","name":"cs-created","amount":5}""", []),
            ("2", "PATCH $1", """{"note":"patched after create"}""", ["If-Match: $1"]),
            ("3", $"DELETE ledgers({existing})", null, []));
        var (response, raw) = await BatchClient.PostAsync(admin, body, "multipart/mixed; boundary=b1");
        using (response)
        {
            var text = Encoding.UTF8.GetString(raw);
            Assert.Contains("Content-Type: multipart/mixed; boundary=changesetresponse", text, StringComparison.OrdinalIgnoreCase);
            var parts = BatchClient.ReadStrictly(response, raw);
            Assert.Equal([201, 204, 204], parts.Select(p => p.Status));
            Assert.Equal(["1", "2", "3"], parts.Select(p => p.Id));
        }

        Assert.Equal("patched after create|5", await fixture.ScalarAsync("SELECT note || '|' || CAST(CAST(amount AS INTEGER) AS TEXT) FROM ledgers WHERE name = 'cs-created'"));
        Assert.Equal("0", await fixture.ScalarAsync($"SELECT COUNT(*) FROM ledgers WHERE id = {existing}"));
    }

    [Fact]
    public async Task Multipart_ChangeSet_WithOneRefusedWrite_WritesNothing_AndAnswersWithThatError()
    {
        using var admin = fixture.Client(AdminKey);
        var before = await fixture.SnapshotAsync();
        var body = ChangeSet("b2", "c2",
            ("1", "POST ledgers", """{"branch":"basel","name":"cs-rolled-back","amount":5}""", []),
            ("2", "PATCH ledgers(1)", """{"note":"never"}""", []),
            ("3", "POST ledgers", """{"branch":"basel","name":"Z-one"}""", [])); // Z-one exists: unique violation
        var earlier = fixture.Log.Lines.Count;
        var (response, raw) = await BatchClient.PostAsync(admin, body, "multipart/mixed; boundary=b2");
        using (response)
        {
            var parts = BatchClient.ReadStrictly(response, raw);
            var failure = Assert.Single(parts); // one response in place of the change set
            Assert.Equal(409, failure.Status);
            Assert.DoesNotContain("INSERT", failure.Body, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(before, await fixture.SnapshotAsync());
        var audit = fixture.Log.Lines.Skip(earlier).Where(l => l.Category == "OData.Virtualization.Writes").Select(l => l.Message).ToList();
        Assert.Equal(2, audit.Count(l => l.Contains("rolled_back", StringComparison.Ordinal)));
        Assert.Single(audit, l => l.Contains(": 409 refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Json_AtomicityGroup_Commits_AndAFailedGroup_Is424ForItsOtherRequests_WithNothingWritten()
    {
        using var admin = fixture.Client(AdminKey);
        var ok = JsonSerializer.Serialize(new
        {
            requests = new object[]
            {
                new { id = "a", atomicityGroup = "g", method = "POST", url = "ledgers", body = new { branch = "basel", name = "json-cs-1", amount = 7 } },
                new { id = "b", atomicityGroup = "g", method = "PATCH", url = "$a", body = new { note = "via reference" } },
                new { id = "c", dependsOn = new[] { "g" }, method = "GET", url = "ledgers?$filter=name eq 'json-cs-1'&$select=note" },
            },
        });
        var (response, raw) = await BatchClient.PostAsync(admin, ok, Json);
        using (response)
        {
            var parts = BatchClient.Read(response, raw);
            Assert.Equal([201, 204, 200], parts.Select(p => p.Status));
            Assert.Contains("via reference", parts[2].Body, StringComparison.Ordinal); // the read after the group sees it
            var responses = JsonDocument.Parse(raw).RootElement.GetProperty("responses");
            Assert.Equal("g", responses[0].GetProperty("atomicityGroup").GetString());
            Assert.Equal("g", responses[1].GetProperty("atomicityGroup").GetString());
        }

        var before = await fixture.SnapshotAsync();
        var failing = JsonSerializer.Serialize(new
        {
            requests = new object[]
            {
                new { id = "a", atomicityGroup = "g", method = "POST", url = "ledgers", body = new { branch = "basel", name = "json-cs-2" } },
                new { id = "b", atomicityGroup = "g", method = "PATCH", url = "ledgers(2)", body = new { amount = "not a number" } },
                new { id = "c", atomicityGroup = "g", method = "DELETE", url = "ledgers(3)" },
                new { id = "d", dependsOn = new[] { "g" }, method = "GET", url = "ledgers(1)" },
            },
        });
        var (failed, failedRaw) = await BatchClient.PostAsync(admin, failing, Json, headers: ("Prefer", "odata.continue-on-error"));
        using (failed)
        {
            var parts = BatchClient.Read(failed, failedRaw);
            Assert.Equal([424, 400, 424, 424], parts.Select(p => p.Status));
            Assert.Contains("amount", parts[1].Body, StringComparison.Ordinal); // the error names the property
            Assert.Contains("rolled back", parts[0].Body, StringComparison.Ordinal);
            Assert.Contains("not run", parts[2].Body, StringComparison.Ordinal);
        }

        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task PolicyBypassInAChangeSet_IsRefused_AndTheTellersOtherWritesRollBack()
    {
        using var teller = fixture.Client(TellerKey);
        var before = await fixture.SnapshotAsync();
        var body = ChangeSet("b3", "c3",
            ("1", "POST ledgers", """{"branch":"zurich","name":"teller-cs"}""", []),
            ("2", "PATCH ledgers(2)", """{"branch":"basel"}""", [])); // moving a row out of the teller's branch
        var (response, raw) = await BatchClient.PostAsync(teller, body, "multipart/mixed; boundary=b3");
        using (response)
        {
            Assert.Equal(403, Assert.Single(BatchClient.ReadStrictly(response, raw)).Status);
        }

        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task ReadsAndIdempotencyKeysInAChangeSet_Are400_WithNothingWritten()
    {
        using var admin = fixture.Client(AdminKey);
        var before = await fixture.SnapshotAsync();
        var keyed = ChangeSet("b4", "c4", ("1", "POST ledgers", """{"branch":"basel","name":"cs-400"}""", []), ("2", "POST ledgers", """{"branch":"basel","name":"cs-keyed"}""", ["Idempotency-Key: k-1"]));
        var (response, raw) = await BatchClient.PostAsync(admin, keyed, "multipart/mixed; boundary=b4");
        using (response)
        {
            var failure = Assert.Single(BatchClient.ReadStrictly(response, raw));
            Assert.Equal(400, failure.Status);
            Assert.Contains("Idempotency-Key", failure.Body, StringComparison.Ordinal);
        }

        // A GET in a multipart change set is refused by the batch reader itself; in a JSON atomicity group, here.
        var read = JsonSerializer.Serialize(new
        {
            requests = new object[]
            {
                new { id = "1", atomicityGroup = "g", method = "POST", url = "ledgers", body = new { branch = "basel", name = "cs-400" } },
                new { id = "2", atomicityGroup = "g", method = "GET", url = "ledgers(1)" },
            },
        });
        var (readResponse, readRaw) = await BatchClient.PostAsync(admin, read, Json);
        using (readResponse)
        {
            var parts = BatchClient.Read(readResponse, readRaw);
            Assert.Equal([424, 400], parts.Select(p => p.Status));
            Assert.Contains("holds writes", parts[1].Body, StringComparison.Ordinal);
        }

        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    [Fact]
    public async Task AWriteOutsideAChangeSet_IsAWriteOfItsOwn_AndACachedReadSeesTheChangeSet()
    {
        using var admin = fixture.Client(AdminKey);
        var id = await CreateAsync(admin, """{"branch":"basel","name":"cs-cached","note":"before"}""");
        using (var first = await admin.GetAsync($"ledgers({id})?$select=note"))
        {
            Assert.Contains("before", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal); // now cached (TTL 300 s)
        }

        var body = "--b5\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
            + "POST ledgers HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{\"branch\":\"basel\",\"name\":\"cs-alone\"}\r\n"
            + ChangeSetPart("b5", "c5", ("1", $"PATCH ledgers({id})", """{"note":"after"}""", []))
            + "--b5--\r\n";
        var (response, raw) = await BatchClient.PostAsync(admin, body, "multipart/mixed; boundary=b5");
        using (response)
        {
            Assert.Equal([201, 204], BatchClient.ReadStrictly(response, raw).Select(p => p.Status));
        }

        Assert.Equal("1", await fixture.ScalarAsync("SELECT COUNT(*) FROM ledgers WHERE name = 'cs-alone'"));
        using var again = await admin.GetAsync($"ledgers({id})?$select=note");
        Assert.Contains("after", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReferenceToNoEarlierWrite_Is400_AndTheDefaultServerStillAnswers405()
    {
        using var admin = fixture.Client(AdminKey);
        var before = await fixture.SnapshotAsync();
        var body = JsonSerializer.Serialize(new
        {
            requests = new object[]
            {
                new { id = "1", atomicityGroup = "g", method = "POST", url = "ledgers", body = new { branch = "basel", name = "cs-ref" } },
                new { id = "2", atomicityGroup = "g", method = "PATCH", url = "$9", body = new { note = "x" } },
            },
        });
        var (response, raw) = await BatchClient.PostAsync(admin, body, Json);
        using (response)
        {
            var parts = BatchClient.Read(response, raw);
            Assert.Equal([424, 400], parts.Select(p => p.Status));
            Assert.Contains("'9'", parts[1].Body, StringComparison.Ordinal);
        }

        Assert.Equal(before, await fixture.SnapshotAsync());

        using var readOnly = fixture.ReadOnlyServer.NewClient("odata/");
        var (refused, refusedRaw) = await BatchClient.PostAsync(readOnly, ChangeSet("b7", "c7", ("1", "POST ledgers", """{"branch":"basel","name":"ro"}""", [])), "multipart/mixed; boundary=b7");
        using (refused)
        {
            Assert.Equal(405, Assert.Single(BatchClient.ReadStrictly(refused, refusedRaw)).Status);
        }

        Assert.Equal(before, await fixture.SnapshotAsync());
    }

    /// <summary>A multipart batch of one change set.</summary>
    private static string ChangeSet(string boundary, string changeSet, params (string Id, string Request, string? Body, string[] Headers)[] writes)
        => ChangeSetPart(boundary, changeSet, writes) + $"--{boundary}--\r\n";

    private static string ChangeSetPart(string boundary, string changeSet, params (string Id, string Request, string? Body, string[] Headers)[] writes)
    {
        var text = new StringBuilder($"--{boundary}\r\nContent-Type: multipart/mixed; boundary={changeSet}\r\n\r\n");
        foreach (var (id, request, body, headers) in writes)
        {
            text.Append($"--{changeSet}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: {id}\r\n\r\n");
            text.Append(request).Append(" HTTP/1.1\r\n");
            foreach (var header in headers)
            {
                text.Append(header).Append("\r\n");
            }

            text.Append(body is null ? "\r\n\r\n" : $"Content-Type: application/json\r\n\r\n{body}\r\n");
        }

        return text.Append($"--{changeSet}--\r\n").ToString();
    }
}

public sealed class PostgresChangeSetTests(PostgresWriteFixture fixture) : ChangeSetTests(fixture), IClassFixture<PostgresWriteFixture>;

public sealed class SqliteChangeSetTests(SqliteWriteFixture fixture) : ChangeSetTests(fixture), IClassFixture<SqliteWriteFixture>;

/// <summary>A change set is one transaction in one database: writes to two sources in one are refused, nothing written in either.</summary>
public sealed class ChangeSetAcrossSourcesTests(SqliteWriteFixture fixture) : IClassFixture<SqliteWriteFixture>, IDisposable
{
    private readonly string _other = Path.Combine(Path.GetTempPath(), $"odv-writes-other-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task WritesToTwoSourcesInOneChangeSet_Are400_AndNeitherSourceChanges()
    {
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_other};Pooling=false"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE other_ledgers (id INTEGER PRIMARY KEY, note TEXT)";
            await command.ExecuteNonQueryAsync();
        }

        await using var server = fixture.StartWith(s =>
        {
            s["OData:Sources:w2:Provider"] = "Sqlite";
            s["OData:Sources:w2:ConnectionString"] = $"Data Source={_other};Pooling=false";
            s["OData:Sources:w2:EntitySets:other_ledgers:Writes:Insert"] = "true";
            s["OData:Security:Policies:0:EntitySets:other_ledgers:Writes:0"] = "insert";
        });
        using var admin = server.NewClient("odata/");
        admin.DefaultRequestHeaders.Add("X-API-Key", AdminKey);
        var before = await fixture.SnapshotAsync();
        var body = JsonSerializer.Serialize(new
        {
            requests = new object[]
            {
                new { id = "1", atomicityGroup = "g", method = "POST", url = "ledgers", body = new { branch = "basel", name = "two-sources" } },
                new { id = "2", atomicityGroup = "g", method = "POST", url = "other_ledgers", body = new { id = 1, note = "x" } },
            },
        });
        var (response, raw) = await BatchClient.PostAsync(admin, body, "application/json");
        using (response)
        {
            var parts = BatchClient.Read(response, raw);
            Assert.Equal([424, 400], parts.Select(p => p.Status));
            Assert.Contains("ChangeSetAcrossSources", parts[1].Body, StringComparison.Ordinal);
        }

        Assert.Equal(before, await fixture.SnapshotAsync());
        await using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_other};Pooling=false");
        await check.OpenAsync();
        await using var count = check.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM other_ledgers";
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_other);
    }
}
