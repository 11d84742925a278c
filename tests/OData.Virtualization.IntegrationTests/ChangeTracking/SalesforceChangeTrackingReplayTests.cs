using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Profiles;

namespace OData.Virtualization.IntegrationTests.ChangeTracking;

/// <summary>
/// Replays Salesforce Connect's External Change Data Capture against a tracked set, as its help pages describe it: when
/// an admin enables tracking it sends a read for zero rows (<c>$top=0</c>) with <c>Prefer: odata.track-changes</c> and
/// keeps the <c>@odata.deltaLink</c>; then it polls that link (every 5-30 minutes), following next links, and stops
/// polling at the first error until the admin enables tracking again. Every response is compared with
/// <c>Replays/salesforce-change-tracking.postgresql.json</c> as the profile replays compare theirs (status, the headers
/// a client reads, the body byte for byte). Delta tokens carry a random epoch, store positions and an issue time, so
/// they are written as <c>$deltatoken=*</c> in requests and bodies, as the replays write request and trace ids.
/// </summary>
[Collection(LogicalDecodingCollection.Name)]
public sealed partial class SalesforceChangeTrackingReplayTests(LogicalDecodingCluster cluster)
{
    private static readonly (string, string)[] s_salesforce = [("Accept", "application/json"), ("OData-MaxVersion", "4.0")];
    private static readonly (string, string)[] s_enable = [.. s_salesforce, ("Prefer", "odata.track-changes")];

    [Fact]
    public async Task Replay_SalesforceChangeTracking_EveryResponseIsExactlyTheRecordedOne()
    {
        var database = await cluster.CreateAsync(rows: 12);
        var settings = database.Settings("accounts", "markers");
        settings["OData:Paging:DefaultPageSize"] = "4"; // so that one poll pages: a next link, then the delta link
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var server = InProcessServer.Start(settings, time);
        using var client = server.NewClient("/");
        await DeltaClient.TrackWhenReadyAsync(server.Client, "accounts?$top=0"); // capture has started: the admin enables tracking on a running service
        var actual = new List<ReplayCase>();

        var link = await ExchangeAsync(client, actual, new("Enable tracking: a read for zero rows with the preference", "/salesforce/accounts?$top=0", s_enable));
        link = await ExchangeAsync(client, actual, new("Poll: nothing changed", link, s_salesforce));
        var before = await database.AccountsAsync();

        foreach (var statement in new[]
        {
            "INSERT INTO accounts VALUES (101, 'north', 'new one', 5), (102, 'south', 'new two', 6)",
            "UPDATE accounts SET balance = balance + 1 WHERE id = 4",
            "UPDATE accounts SET name = 'renamed' WHERE id = 4",
            "UPDATE accounts SET name = 'moved' WHERE id = 11",
            "DELETE FROM accounts WHERE id = 7",
            "INSERT INTO accounts VALUES (103, 'north', 'short-lived', 1)",
            "DELETE FROM accounts WHERE id = 103",
        })
        {
            await database.ExecuteAsync(statement);
        }

        await database.RollBackAsync("UPDATE accounts SET balance = -1 WHERE id = 9");
        await database.WaitCapturedAsync();
        link = await ExchangeAsync(client, actual, new("Poll: inserts, updates, deletes (two pages)", link, s_salesforce, FollowNextLink: 3));
        var stale = link;
        link = await ExchangeAsync(client, actual, new("Poll: nothing since", link, s_salesforce));
        var token = link.IndexOf("$deltatoken=", StringComparison.Ordinal) + "$deltatoken=".Length;
        await ExchangeAsync(client, actual, new("A changed link: 400", link[..token] + (link[token] == 'A' ? 'B' : 'A') + link[(token + 1)..], s_salesforce));

        time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromHours(1)); // tracking disabled for a week: older than the retention
        await ExchangeAsync(client, actual, new("Poll after the retention: 410, Salesforce stops polling", stale, s_salesforce));
        await ExchangeAsync(client, actual, new("The admin enables tracking again: a new delta link", "/salesforce/accounts?$top=0", s_enable));

        // Whatever the recording holds, the polls carry what SQL says changed (a row's xmin moves when a transaction writes it).
        var after = await database.AccountsAsync();
        var changed = after.Where(r => !before.TryGetValue(r.Key, out var old) || old.Xmin != r.Value.Xmin).Select(r => r.Key).Order();
        Assert.Equal(changed, Changed(actual, "Poll: inserts, updates, deletes").Order());
        await ReplayTests.RecordOrCompareAsync(Path.Combine(ReplayFolder(), "salesforce-change-tracking.postgresql.json"), actual);
    }

    /// <summary>Sends one request (and its next links), records each exchange, returns the path of the delta link it ended with.</summary>
    private static async Task<string> ExchangeAsync(HttpClient client, List<ReplayCase> actual, ReplayRequest request)
    {
        var path = request.Path;
        string? deltaLink = null;
        for (var page = 0; path is not null && page <= request.FollowNextLink; page++)
        {
            var exchange = await ReplayTests.SendAsync(client, request with { Path = path }, path, page);
            var body = exchange.Body as JsonObject;
            deltaLink = body?["@odata.deltaLink"]?.GetValue<string>() ?? deltaLink;
            path = body?["@odata.nextLink"]?.GetValue<string>() is { } next ? new Uri(next).PathAndQuery : null;
            actual.Add(Normalized(exchange));
        }

        return deltaLink is null ? string.Empty : new Uri(deltaLink).PathAndQuery;
    }

    private static ReplayCase Normalized(ReplayCase exchange) => exchange with
    {
        Request = Token().Replace(exchange.Request, "$$deltatoken=*"),
        Body = exchange.Body is null ? null : JsonNode.Parse(Token().Replace(exchange.Body.ToJsonString(), "$$deltatoken=*")),
    };

    private static IEnumerable<int> Changed(List<ReplayCase> exchanges, string name)
        => exchanges.Where(e => e.Name.StartsWith(name, StringComparison.Ordinal))
            .SelectMany(e => e.Body!["value"]!.AsArray())
            .Where(entry => entry!["id"] is JsonValue id && id.TryGetValue<int>(out _))
            .Select(entry => entry!["id"]!.GetValue<int>());

    private static string ReplayFolder([System.Runtime.CompilerServices.CallerFilePath] string source = "")
        => Path.Combine(Path.GetDirectoryName(source)!, "Replays");

    [GeneratedRegex(@"\$deltatoken=[A-Za-z0-9_\-.%]+")]
    private static partial Regex Token();
}
