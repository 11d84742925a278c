using System.Net;
using static OData.Virtualization.IntegrationTests.Writes.WriteFixture;

namespace OData.Virtualization.IntegrationTests.Writes;

/// <summary>Writes through the Salesforce profile's service root, on both providers (issue 13).</summary>
public abstract class ServiceRootWriteTests(WriteFixture fixture)
{
    /// <summary>Salesforce Connect writes through its own service root (the profile's names mapped back to the table's).</summary>
    [Fact]
    public async Task TheSalesforceRoot_CreatesUpdatesAndDeletes()
    {
        using var salesforce = fixture.Client(AdminKey, "salesforce/");
        var name = "sf" + Guid.NewGuid().ToString("N")[..10];
        using var create = await salesforce.PostAsync("ledgers", Json($$"""{"branch":"basel","name":"{{name}}","amount":7.5}"""));
        var created = await create.Content.ReadAsStringAsync();
        Assert.True(create.StatusCode == HttpStatusCode.Created, created);
        Assert.StartsWith(new Uri(salesforce.BaseAddress!, "ledgers(").ToString(), create.Headers.Location!.ToString());
        Assert.Contains("/salesforce/$metadata#ledgers", created, StringComparison.Ordinal);
        var id = await fixture.ScalarAsync($"SELECT id FROM ledgers WHERE name = '{name}'");

        using (var patch = await salesforce.PatchAsync(create.Headers.Location, Json("""{"note":"from salesforce"}""")))
        {
            Assert.Equal(HttpStatusCode.NoContent, patch.StatusCode);
        }

        Assert.Equal("from salesforce", await fixture.ScalarAsync($"SELECT note FROM ledgers WHERE id = {id}"));
        using (var delete = await salesforce.DeleteAsync(create.Headers.Location))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        Assert.Equal("0", await fixture.ScalarAsync($"SELECT count(*) FROM ledgers WHERE id = {id}"));
    }

    /// <summary>Each write leaves one audit line: who, what, which key, the outcome and the request id — never the values.</summary>
    [Fact]
    public async Task EveryWrite_LeavesOneAuditLine_WithoutTheValues()
    {
        using var admin = fixture.Client(AdminKey);
        var earlier = fixture.Log.Lines.Count;
        var name = "au" + Guid.NewGuid().ToString("N")[..10];
        using var create = await admin.PostAsync("ledgers", Json($$"""{"branch":"basel","name":"{{name}}","note":"secret-note-{{name}}"}"""));
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var id = await fixture.ScalarAsync($"SELECT id FROM ledgers WHERE name = '{name}'");
        using var refused = await admin.PatchAsync($"ledgers({id})", Json("""{"amount":"not a number"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        var lines = fixture.Log.Lines.Skip(earlier).Where(l => l.Category == "OData.Virtualization.Writes" && l.Message.Contains($"ledgers({id})", StringComparison.Ordinal)).Select(l => l.Message).ToList();
        Assert.True(lines.Count == 2, string.Join("\n", lines));
        Assert.Contains(lines, l => l.StartsWith("Write: POST ledgers(", StringComparison.Ordinal) && l.Contains("by apikey:admin: 201 written", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Write: PATCH ledgers(", StringComparison.Ordinal) && l.Contains(": 400 refused", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Log.Lines, l => l.Message.Contains("secret-note-", StringComparison.Ordinal));
    }

    /// <summary>A browser app on an allowed origin may send a keyed, conditional PATCH and read what the answer says.</summary>
    [Fact]
    public async Task ABrowserApp_MayPreflightAConditionalKeyedPatch()
    {
        using var client = fixture.Client(AdminKey);
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "ledgers(1)");
        preflight.Headers.Add("Origin", BrowserOrigin);
        preflight.Headers.Add("Access-Control-Request-Method", "PATCH");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,if-match,idempotency-key,x-api-key");
        using var response = await client.SendAsync(preflight);
        Assert.Equal(BrowserOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("PATCH", response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        var allowed = response.Headers.GetValues("Access-Control-Allow-Headers").Single().ToLowerInvariant();
        Assert.Contains("if-match", allowed, StringComparison.Ordinal);
        Assert.Contains("idempotency-key", allowed, StringComparison.Ordinal);

        using var read = new HttpRequestMessage(HttpMethod.Get, "ledgers(1)");
        read.Headers.Add("Origin", BrowserOrigin);
        using var answer = await client.SendAsync(read);
        Assert.Contains("Location", answer.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
    }
}

public sealed class PostgresServiceRootWriteTests(PostgresWriteFixture fixture) : ServiceRootWriteTests(fixture), IClassFixture<PostgresWriteFixture>;

public sealed class SqliteServiceRootWriteTests(SqliteWriteFixture fixture) : ServiceRootWriteTests(fixture), IClassFixture<SqliteWriteFixture>;
