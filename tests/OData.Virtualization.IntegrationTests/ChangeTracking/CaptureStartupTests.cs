using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.ChangeTracking;

/// <summary>A database not set up for logical decoding is reported, never tracked silently empty.</summary>
public sealed class CaptureStartupTests
{
    [Fact]
    public async Task Capture_WalLevelNotLogical_IsReportedInReadiness_AndThePreferenceIsNotApplied()
    {
        // The shared cluster runs with PostgreSQL's default wal_level (replica), as most production sources do.
        await using var database = await ScratchDatabase.CreateAsync("tracking_refused", """
            CREATE TABLE accounts (id integer PRIMARY KEY, name text NOT NULL);
            CREATE TABLE ledger (entry text NOT NULL, amount integer NOT NULL);
            ALTER TABLE ledger REPLICA IDENTITY NOTHING;
            INSERT INTO accounts VALUES (1, 'one');
            """);
        var settings = InProcessServer.PostgresSettings("bank", database.ConnectionString);
        settings["OData:Sources:bank:EntitySets:public.ledger:Key:0"] = "entry";
        settings["OData:ChangeTracking:Sets:0"] = "accounts";
        settings["OData:ChangeTracking:Sets:1"] = "ledger";
        settings["OData:ChangeTracking:StoreConnectionString"] = database.ConnectionString;
        settings["OData:ChangeTracking:CheckIntervalSeconds"] = "1";
        using var server = InProcessServer.Start(settings);
        using var root = server.NewClient("/");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        string health;
        do
        {
            health = await root.GetStringAsync("health/ready");
            if (health.Contains("wal_level", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Contains("ALTER SYSTEM SET wal_level = logical", health, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE \\\"public\\\".\\\"ledger\\\" REPLICA IDENTITY FULL", health, StringComparison.Ordinal);
        var (response, link) = await DeltaClient.TrackAsync(server.Client, "accounts?$top=0");
        Assert.Null(link);
        Assert.False(response.Headers.Contains("Preference-Applied"));
    }
}
