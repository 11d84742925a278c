using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Refresh;

/// <summary>
/// The model lock (<c>OData:ModelLock:Path</c>): written from the model at the first start; with it, the published
/// model does not change — not for a dropped column (breaking), not for an added one — until an administrator accepts
/// the held-back changes, and does right after the accept, which rewrites the lock file.
/// </summary>
public sealed class ModelLockTests : IDisposable
{
    private const string Setup = """
        CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, city varchar(40));
        INSERT INTO items SELECT i, 'item ' || i, 'city ' || (i % 3) FROM generate_series(1, 20) AS i;
        """;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "odv-model-lock-" + Guid.NewGuid().ToString("N")[..8]);

    private string LockPath => Path.Combine(_folder, "model.lock.json");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Pinned_SourceChanges_AreHeldBackUntilAccepted_ThenPublished()
    {
        await using var database = await ScratchDatabase.CreateAsync("lock_hold", Setup);
        await using var server = await RefreshServer.StartAsync(database.ConnectionString, s => s["OData:ModelLock:Path"] = LockPath);

        // The first start wrote the lock from the published model.
        Assert.True(File.Exists(LockPath));
        var firstLock = await File.ReadAllTextAsync(LockPath);
        Assert.Contains("\"name\": \"city\"", firstLock, StringComparison.Ordinal);
        var metadata = await server.MetadataAsync();

        // A breaking change (a dropped column) and an addition (a column, a table).
        await database.ExecuteAsync("""
            ALTER TABLE items DROP COLUMN city;
            ALTER TABLE items ADD COLUMN rating integer;
            CREATE TABLE regions (code text PRIMARY KEY);
            """);
        var report = await server.RefreshAsync();

        Assert.Equal("HeldBack", report.GetProperty("outcome").GetString());
        Assert.Equal(metadata, await server.MetadataAsync());
        Assert.Equal(firstLock, await File.ReadAllTextAsync(LockPath));
        var pending = (await server.ChangesAsync()).GetProperty("modelLock").GetProperty("pending");
        Assert.True(pending.GetProperty("breaking").GetBoolean());
        var changes = pending.GetProperty("changes").EnumerateArray().Where(c => c.GetProperty("profile").GetString() == "odata")
            .Select(c => (c.GetProperty("kind").GetString(), c.GetProperty("entitySet").GetString(), c.GetProperty("member").GetString(), c.GetProperty("breaking").GetBoolean()))
            .ToList();
        Assert.Equal(
            [("PropertyRemoved", "items", "city", true), ("PropertyAdded", "items", "rating", false), ("EntitySetAdded", "regions", null, false)],
            changes);
        Assert.Contains(server.Log.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("Held back (breaking): Property 'items.city' was removed", StringComparison.Ordinal));

        // Refreshing again changes nothing, and does not report the same held-back changes again.
        var warnings = server.Log.Lines.Count(l => l.Message.Contains("are held back", StringComparison.Ordinal));
        Assert.Equal("HeldBack", (await server.RefreshAsync()).GetProperty("outcome").GetString());
        Assert.Equal(metadata, await server.MetadataAsync());
        Assert.Equal(warnings, server.Log.Lines.Count(l => l.Message.Contains("are held back", StringComparison.Ordinal)));

        // Accepting what was shown publishes it and rewrites the lock.
        using var accepted = await server.Admin.PostAsync("admin/model/accept?id=" + pending.GetProperty("id").GetString(), null);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(["id", "name", "rating"], await server.PropertiesAsync("items"));
        Assert.Equal(["code"], await server.PropertiesAsync("regions"));
        var newLock = await File.ReadAllTextAsync(LockPath);
        Assert.DoesNotContain("\"name\": \"city\"", newLock, StringComparison.Ordinal);
        Assert.Contains("\"name\": \"regions\"", newLock, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await server.ChangesAsync()).GetProperty("modelLock").GetProperty("pending").ValueKind);
        Assert.Equal(20, (await server.Client.GetValuesAsync("items")).Count);
    }

    [Fact]
    public async Task Pinned_OnlyAnAddition_IsHeldBackToo_AndAcceptWithAStaleIdIsRefused()
    {
        await using var database = await ScratchDatabase.CreateAsync("lock_add", Setup);
        await using var server = await RefreshServer.StartAsync(database.ConnectionString, s => s["OData:ModelLock:Path"] = LockPath);
        var metadata = await server.MetadataAsync();

        await database.ExecuteAsync("ALTER TABLE items ADD COLUMN rating integer");
        await server.RefreshAsync();
        var first = (await server.ChangesAsync()).GetProperty("modelLock").GetProperty("pending");
        Assert.False(first.GetProperty("breaking").GetBoolean());
        Assert.Equal(metadata, await server.MetadataAsync());
        Assert.Equal(20, (await server.Client.GetValuesAsync("items")).Count); // the pinned model is served as it was

        // The source changed again after the administrator looked: accepting the old id is refused.
        await database.ExecuteAsync("ALTER TABLE items ADD COLUMN score integer");
        await server.RefreshAsync();
        using (var stale = await server.Admin.PostAsync("admin/model/accept?id=" + first.GetProperty("id").GetString(), null))
        {
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        }

        Assert.Equal(metadata, await server.MetadataAsync());
        using (var accepted = await server.Admin.PostAsync("admin/model/accept", null))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        Assert.Equal(["id", "name", "city", "rating", "score"], await server.PropertiesAsync("items"));
        using var nothing = await server.Admin.PostAsync("admin/model/accept", null);
        Assert.Equal(HttpStatusCode.Conflict, nothing.StatusCode);
    }

    [Fact]
    public async Task Pinned_AcrossARestart_TheLockedModelIsServed_AndTheDifferenceWaits()
    {
        await using var database = await ScratchDatabase.CreateAsync("lock_restart", Setup);
        string metadata;
        await using (var first = await RefreshServer.StartAsync(database.ConnectionString, s => s["OData:ModelLock:Path"] = LockPath))
        {
            metadata = await first.MetadataAsync();
        }

        await database.ExecuteAsync("ALTER TABLE items ADD COLUMN rating integer; CREATE TABLE regions (code text PRIMARY KEY);");
        await using var second = await RefreshServer.StartAsync(database.ConnectionString, s => s["OData:ModelLock:Path"] = LockPath);

        Assert.Equal(metadata, await second.MetadataAsync());
        var pending = (await second.ChangesAsync()).GetProperty("modelLock").GetProperty("pending");
        Assert.Equal(2, pending.GetProperty("changes").EnumerateArray().Count(c => c.GetProperty("profile").GetString() == "odata"));
        Assert.Equal("start-up", pending.GetProperty("trigger").GetString());
    }

    [Fact]
    public async Task LockFileThatIsNotALock_StopsTheStart_SayingHowToFixIt()
    {
        Directory.CreateDirectory(_folder);
        await File.WriteAllTextAsync(LockPath, "{ \"entitySets\": [ { \"name\": \"items\" } ] }");
        await using var database = await ScratchDatabase.CreateAsync("lock_bad", Setup);

        var log = new Errors.LogCapture();

        Assert.NotNull(await Record.ExceptionAsync(() => RefreshServer.StartAsync(database.ConnectionString, s => s["OData:ModelLock:Path"] = LockPath, log)));
        Assert.Contains(log.Lines, l => l.Message.Contains("is not a model lock file: 'key' is missing in 'items'", StringComparison.Ordinal) && l.Message.Contains("delete it to pin", StringComparison.Ordinal));
    }
}
