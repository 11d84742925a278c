using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Refresh;

/// <summary>
/// Schema refresh without a restart, against a real PostgreSQL: a column added in the database appears in
/// <c>$metadata</c> after an administrator's refresh and after a <c>NOTIFY</c> from an event trigger; a dropped column
/// is reported as a breaking change; a refresh whose model cannot be built keeps the current one; a source that was
/// down at start-up joins when it returns. Each test has a database of its own.
/// </summary>
public sealed class SchemaRefreshTests
{
    private const string Setup = """
        CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, city varchar(40));
        INSERT INTO items SELECT i, 'item ' || i, 'city ' || (i % 3) FROM generate_series(1, 20) AS i;
        """;

    [Fact]
    public async Task AdminRefresh_ColumnAddedInTheDatabase_AppearsInMetadataWithoutARestart()
    {
        await using var database = await ScratchDatabase.CreateAsync("refresh_add", Setup);
        await using var server = await RefreshServer.StartAsync(database.ConnectionString);
        Assert.Equal(["id", "name", "city"], await server.PropertiesAsync("items"));
        var generation = server.Models.Snapshot.Generation;

        await database.ExecuteAsync("ALTER TABLE items ADD COLUMN rating integer; UPDATE items SET rating = id * 2;");
        Assert.DoesNotContain("rating", await server.PropertiesAsync("items")); // nothing changes by itself before a refresh

        var report = await server.RefreshAsync();

        Assert.Equal("Published", report.GetProperty("outcome").GetString());
        Assert.Equal(generation + 1, report.GetProperty("generation").GetInt64());
        var change = Assert.Single(report.GetProperty("changes").EnumerateArray(), c => c.GetProperty("profile").GetString() == "odata");
        Assert.Equal(("PropertyAdded", "items", "rating", false), (change.GetProperty("kind").GetString(), change.GetProperty("entitySet").GetString(), change.GetProperty("member").GetString(), change.GetProperty("breaking").GetBoolean()));
        Assert.Equal(["id", "name", "city", "rating"], await server.PropertiesAsync("items"));

        // The new column is served, selected and filtered.
        var rows = await server.Client.GetValuesAsync("items?$filter=rating gt 36&$orderby=id");
        Assert.Equal([19, 20], rows.Select(r => r.GetProperty("id").GetInt32()));
        Assert.Equal(38, rows[0].GetProperty("rating").GetInt32());
        Assert.Contains(server.Log.Lines, l => l.Level == LogLevel.Information && l.Message.Contains("Property 'items.rating' (Edm.Int32, nullable) was added.", StringComparison.Ordinal));

        // Nothing changed since: a second refresh publishes nothing.
        var again = await server.RefreshAsync();
        Assert.Equal(("Unchanged", generation + 1), (again.GetProperty("outcome").GetString(), again.GetProperty("generation").GetInt64()));
    }

    [Fact]
    public async Task ColumnTypeChanged_AfterItsStatementsWerePrepared_IsServedWithTheNewTypeAfterARefresh_NotAFailedCachedPlan()
    {
        // Statements are prepared on each pooled connection after their second use (Max Auto Prepare): a column whose
        // type changes would fail them ("cached plan must not change result type") unless a new model closes the
        // sessions that prepared them.
        await using var database = await ScratchDatabase.CreateAsync("refresh_type", Setup);
        await using var server = await RefreshServer.StartAsync(database.ConnectionString, s => s["OData:Cache:DefaultTtlSeconds"] = "0");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("city 1", (await server.Client.GetValuesAsync("items?$select=id,city&$filter=id eq 1"))[0].GetProperty("city").GetString());
        }

        await database.ExecuteAsync("ALTER TABLE items ALTER COLUMN city TYPE text");
        Assert.Equal("Published", (await server.RefreshAsync()).GetProperty("outcome").GetString());
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("city 1", (await server.Client.GetValuesAsync("items?$select=id,city&$filter=id eq 1"))[0].GetProperty("city").GetString());
        }
    }

    [Fact]
    public async Task Notify_FromAnEventTrigger_PublishesTheNewColumnWithoutAnyRequest()
    {
        await using var database = await ScratchDatabase.CreateAsync("refresh_notify", Setup + """
            CREATE FUNCTION odata_notify_schema_changed() RETURNS event_trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('odata_schema_changed', tg_tag);
            END $$;
            CREATE EVENT TRIGGER odata_schema_changed ON ddl_command_end EXECUTE FUNCTION odata_notify_schema_changed();
            """);
        await using var server = await RefreshServer.StartAsync(database.ConnectionString);

        // The listener is connected, and the refresh it asks for after connecting is done.
        await RefreshServer.WaitUntilAsync(async () =>
        {
            var changes = await server.ChangesAsync();
            return changes.GetProperty("listeners").TryGetProperty(RefreshServer.Source, out var state) && state.GetString() == "listening"
                && changes.GetProperty("refreshes").EnumerateArray().Any(r => r.GetProperty("trigger").GetString()!.Contains("listener", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(20), "the NOTIFY listener to connect");

        await database.ExecuteAsync("ALTER TABLE items ADD COLUMN notified_at timestamptz");

        await RefreshServer.WaitUntilAsync(async () => (await server.PropertiesAsync("items")).Contains("notified_at"), TimeSpan.FromSeconds(15), "the notified column in $metadata");

        // The refresh is added to the history just after its model is published: a clean-clone CI run read the history
        // in between once.
        await RefreshServer.WaitUntilAsync(async () => (await server.ChangesAsync()).GetProperty("refreshes").EnumerateArray().Any(r => r.GetProperty("outcome").GetString() == "Published"), TimeSpan.FromSeconds(5), "the published refresh in the history");
        var refresh = (await server.ChangesAsync()).GetProperty("refreshes").EnumerateArray().First(r => r.GetProperty("outcome").GetString() == "Published");
        Assert.Contains("NOTIFY odata_schema_changed on source 'src'", refresh.GetProperty("trigger").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminRefresh_DroppedColumn_IsReportedAsBreaking_InTheAnswerTheLogAndTheChangeList()
    {
        await using var database = await ScratchDatabase.CreateAsync("refresh_drop", Setup);
        await using var server = await RefreshServer.StartAsync(database.ConnectionString);

        await database.ExecuteAsync("ALTER TABLE items DROP COLUMN city");
        var report = await server.RefreshAsync();

        var change = Assert.Single(report.GetProperty("changes").EnumerateArray(), c => c.GetProperty("profile").GetString() == "odata");
        Assert.Equal(("PropertyRemoved", "city", true), (change.GetProperty("kind").GetString(), change.GetProperty("member").GetString(), change.GetProperty("breaking").GetBoolean()));
        // The Salesforce profile (which Salesforce syncs) reports it too.
        Assert.Contains(report.GetProperty("changes").EnumerateArray(), c => c.GetProperty("profile").GetString() == "salesforce" && c.GetProperty("breaking").GetBoolean());
        Assert.Contains(server.Log.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("Model change (breaking): Property 'items.city' was removed", StringComparison.Ordinal));
        Assert.Contains((await server.ChangesAsync()).GetProperty("refreshes").EnumerateArray(), r => r.GetProperty("changes").EnumerateArray().Any(c => c.GetProperty("member").GetString() == "city" && c.GetProperty("breaking").GetBoolean()));

        Assert.Equal(["id", "name"], await server.PropertiesAsync("items"));
        Assert.Equal(20, (await server.Client.GetValuesAsync("items")).Count);
        var error = await server.Client.GetErrorAsync("items?$select=city", HttpStatusCode.BadRequest);
        Assert.Contains("'city' does not exist", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_OnAColumnDroppedBeforeTheRefresh_Answers503SchemaChanged_AndTheRefreshThatFollowsHealsIt()
    {
        await using var database = await ScratchDatabase.CreateAsync("refresh_heal", Setup);
        await using var server = await RefreshServer.StartAsync(database.ConnectionString, s => s["OData:Cache:DefaultTtlSeconds"] = "0");

        await database.ExecuteAsync("ALTER TABLE items DROP COLUMN city");
        var (response, body) = await server.Client.SendAsync(HttpMethod.Get, "items?$top=2");
        using (response)
        {
            var error = ODataAssert.AssertError(response, body, HttpStatusCode.ServiceUnavailable, "items after the drop");
            Assert.Equal("SchemaChanged", error.GetProperty("code").GetString());
        }

        // No administrator, no NOTIFY: the failed query asked for the refresh itself.
        await RefreshServer.WaitUntilAsync(async () => !(await server.PropertiesAsync("items")).Contains("city"), TimeSpan.FromSeconds(15), "the refresh after a query found the column missing");
        Assert.Equal(2, (await server.Client.GetValuesAsync("items?$top=2")).Count);
    }

    [Fact]
    public async Task Refresh_ThatCannotBuildAModel_KeepsTheCurrentOne_AndSaysWhy()
    {
        await using var database = await ScratchDatabase.CreateAsync("refresh_fail", Setup);
        await using var server = await RefreshServer.StartAsync(database.ConnectionString, s => s["OData:Sources:src:EntitySets:public.items:HiddenColumns:0"] = "city");
        var before = await server.MetadataAsync();

        // The configuration names a column the database no longer has: that model cannot be published.
        await database.ExecuteAsync("ALTER TABLE items DROP COLUMN city; ALTER TABLE items ADD COLUMN added text;");
        using var response = await server.Admin.PostAsync("admin/refresh", null);
        var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("Failed", report.GetProperty("outcome").GetString());
        Assert.Contains(report.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains("Hidden column 'city'", StringComparison.Ordinal));
        Assert.Equal(before, await server.MetadataAsync());
        Assert.Contains(server.Log.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("the current model stays published", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SourceUnreachableAtStartUp_IsServedAfterItReturns_WithoutARestart()
    {
        await using var stoppable = await PostgresCluster.StartAsync();
        await stoppable.ExecuteAsync("postgres", "CREATE DATABASE late");
        await stoppable.ExecuteAsync("late", "CREATE TABLE late_rows (id integer PRIMARY KEY, v text); INSERT INTO late_rows VALUES (1, 'a'), (2, 'b');");
        await using var database = await ScratchDatabase.CreateAsync("refresh_late", Setup);
        await stoppable.StopAsync();

        await using var server = await RefreshServer.StartAsync(database.ConnectionString, s =>
        {
            s["OData:Sources:late:Provider"] = "PostgreSQL";
            s["OData:Sources:late:ConnectionString"] = stoppable.ConnectionString("late");
            s["OData:Sources:late:ConnectTimeoutSeconds"] = "1";
            s["OData:Refresh:UnavailableRetrySeconds"] = "1";
        });

        // The other source is served; the missing one is reported.
        Assert.Equal(20, (await server.Client.GetValuesAsync("items")).Count);
        await server.Client.GetErrorAsync("late_rows", HttpStatusCode.NotFound);
        Assert.Equal(["late"], (await server.ChangesAsync()).GetProperty("unavailableSources").EnumerateArray().Select(s => s.GetString()));

        await stoppable.StartAgainAsync();

        await RefreshServer.WaitUntilAsync(async () => (await server.Client.GetAsync("late_rows")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "the returned source to be published");
        Assert.Equal(["a", "b"], (await server.Client.GetValuesAsync("late_rows?$orderby=id")).Select(r => r.GetProperty("v").GetString()));
        Assert.Empty((await server.ChangesAsync()).GetProperty("unavailableSources").EnumerateArray());
    }
}
