using System.Net;
using System.Text.Json;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Paging;
using Xunit.Abstractions;

namespace OData.Virtualization.IntegrationTests.ScaleOut;

/// <summary>
/// Two instances behind a real nginx (round robin, no affinity) with a shared Redis: a client walking
/// <c>@odata.nextLink</c> through the proxy gets every row once, in order, from pages served by both instances,
/// with links that point at the proxy; an entry cached by one instance is a hit on the other; and the proxy reports
/// every instance ready.
/// </summary>
public sealed class ScaleOutTests(ScaleOutDeployment deployment, ITestOutputHelper output) : IClassFixture<ScaleOutDeployment>
{
    private string ServiceRoot => deployment.Client.BaseAddress!.ToString();

    [Fact]
    public async Task NextLinkWalk_ThroughTheProxy_EveryRowOnceInOrder_FromBothInstances()
    {
        output.WriteLine($"deployment started in {deployment.StartTime.TotalSeconds:0.0} s");
        var expected = new List<string>();
        await using (var connection = new NpgsqlConnection(deployment.BankConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT iban FROM core.accounts ORDER BY overdraft_limit DESC NULLS LAST, iban DESC", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                expected.Add(reader.GetString(0));
            }
        }

        const string url = "accounts?$select=iban,overdraft_limit&$orderby=overdraft_limit desc&$count=true";
        const int pageSize = 1000;
        var ibans = new List<string>();
        var pages = new List<WalkedPage>();
        var upstreams = new List<string>();
        string? next = url;
        while (next is not null)
        {
            Assert.True(pages.Count < 40, $"{url}: more than 40 pages; the walk does not end (last link: {next})");
            var (response, body) = await deployment.Client.SendAsync(HttpMethod.Get, next, ("Prefer", $"odata.maxpagesize={pageSize}"));
            string upstream;
            using (response)
            {
                upstream = Upstream(response);
                Assert.True(response.StatusCode == HttpStatusCode.OK,
                    $"page {pages.Count + 1} ({next}) answered {(int)response.StatusCode} from {upstream}: {ODataAssert.Shorten(body)}");
            }

            upstreams.Add(upstream);
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var context = root.GetProperty("@odata.context").GetString()!;
            Assert.True(context.StartsWith(ServiceRoot, StringComparison.Ordinal),
                $"page {pages.Count + 1} (from {upstream}): @odata.context '{context}' does not point at the proxy's service root {ServiceRoot}; the instance ignored X-Forwarded-Host/-Proto from the proxy (OData:Transport:KnownProxies)");
            foreach (var row in root.GetProperty("value").EnumerateArray())
            {
                ibans.Add(row.GetProperty("iban").GetString()!);
            }

            Assert.Equal(expected.Count, root.GetProperty("@odata.count").GetInt64());
            var link = root.TryGetProperty("@odata.nextLink", out var nextLink) ? nextLink.GetString() : null;
            if (link is not null)
            {
                // Clients follow the link as given: it must lead back through the proxy, never to an instance.
                Assert.True(link.StartsWith(ServiceRoot, StringComparison.Ordinal),
                    $"page {pages.Count + 1} (from {upstream}): @odata.nextLink '{link}' does not point at the proxy's service root {ServiceRoot}");
            }

            pages.Add(new WalkedPage(next, root.GetProperty("value").GetArrayLength(), null, link, null));
            next = link;
        }

        output.WriteLine($"{pages.Count} pages, answered by: {string.Join(" ", upstreams)}");
        var addresses = deployment.Instances.Select(i => i.Address).ToHashSet(StringComparer.Ordinal);
        Assert.True(upstreams.All(addresses.Contains), $"pages answered by unknown upstreams (a retried request shows two): {string.Join(" ", upstreams)}; instances {string.Join(", ", addresses)}");
        foreach (var instance in deployment.Instances)
        {
            Assert.True(upstreams.Contains(instance.Address), $"{instance.Name} ({instance.Address}) served none of the {pages.Count} pages: {string.Join(" ", upstreams)}. Its last output:\n{instance.Tail()}");
        }

        // Consecutive pages from different instances: links minted by one continue on the other.
        Assert.Contains(upstreams.Zip(upstreams.Skip(1)), pair => pair.First != pair.Second);
        PageWalk.AssertSameSequence(expected, ibans, url + " through the proxy");
        PageWalk.AssertFullPages(pages, pageSize, expected.Count, url + " through the proxy");
    }

    /// <summary>
    /// Issue 13: both instances hold the row in their caches (300 s); a write through one, then a read through the other,
    /// ten times over — the other answers the written value every time (Redis tells it of the write before the writer answers).
    /// </summary>
    [Fact]
    public async Task AReadAfterAWrite_OnTheOtherInstance_ReturnsTheWrittenValue()
    {
        using var create = await deployment.Direct.PostAsync(new Uri(deployment.Instances[0].Root, "odata/notes"), Body("v0"));
        var created = await create.Content.ReadAsStringAsync();
        Assert.True(create.StatusCode == HttpStatusCode.Created, created);
        var id = JsonDocument.Parse(created).RootElement.GetProperty("id").GetInt32();
        foreach (var instance in deployment.Instances)
        {
            Assert.Equal("v0", await NoteAsync(instance, id)); // now cached on both (and in Redis)
        }

        for (var i = 1; i <= 10; i++)
        {
            var writer = deployment.Instances[i % 2];
            var reader = deployment.Instances[(i + 1) % 2];
            using var patch = await deployment.Direct.PatchAsync(new Uri(writer.Root, $"odata/notes({id})"), Body($"v{i}"));
            Assert.True(patch.StatusCode == HttpStatusCode.NoContent, await patch.Content.ReadAsStringAsync());
            Assert.Equal($"v{i}", await NoteAsync(reader, id));
            using var list = await deployment.Client.GetAsync($"notes?$filter=id eq {id}");
            Assert.Contains($"\"v{i}\"", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    private static StringContent Body(string text) => new("{\"body\":\"" + text + "\"}", System.Text.Encoding.UTF8, "application/json");

    private async Task<string?> NoteAsync(ServerProcess instance, int id)
    {
        using var response = await deployment.Direct.GetAsync(new Uri(instance.Root, $"odata/notes({id})"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{instance.Name}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("body").GetString();
    }

    [Fact]
    public async Task CacheEntry_MadeThroughOneInstance_IsAHitWhenTheOtherAnswers()
    {
        const string url = "transactions?$select=transaction_id,amount&$filter=amount gt 3950&$orderby=amount desc,transaction_id";
        var first = await GetAsync(url);
        Assert.True(first.Cache == "MISS", $"the first request answered X-Cache '{first.Cache}' from {first.Upstream}; expected MISS (a fresh Redis)");

        // Round robin sends the next request to the other instance; allow a few in case something else came between.
        var statementsBefore = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var instance in deployment.Instances)
        {
            statementsBefore[instance.Address] = await StatementsAsync(instance);
        }

        Answer? other = null;
        for (var attempt = 0; attempt < 6 && other is null; attempt++)
        {
            var answer = await GetAsync(url);
            if (answer.Upstream != first.Upstream)
            {
                other = answer;
            }
        }

        Assert.True(other is not null, $"six more requests were all answered by {first.Upstream}: nginx does not balance");
        Assert.True(other.Cache == "HIT", $"{other.Upstream} answered X-Cache '{other.Cache}' for the page {first.Upstream} had just computed; expected HIT from the shared Redis");
        Assert.Equal(first.Body, other.Body);
        Assert.Equal(first.ETag, other.ETag);
        var answering = deployment.Instances.SingleOrDefault(i => i.Address == other.Upstream);
        Assert.True(answering is not null, $"answered by '{other.Upstream}', not one instance (nginx retried the request on another?)");
        Assert.True(statementsBefore[other.Upstream] == await StatementsAsync(answering),
            $"{answering.Name} sent SQL to the source for an entry it should have read from Redis");
    }

    [Fact]
    public async Task HealthReady_ThroughTheProxy_EveryInstanceHealthy()
    {
        // Consecutive requests: round robin sends them to the instances in turn.
        var healthy = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 6; i++)
        {
            using var response = await deployment.Client.GetAsync(new Uri(deployment.Proxy.Root, "health/ready"));
            var body = await response.Content.ReadAsStringAsync();
            var upstream = Upstream(response);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/health/ready through the proxy answered {(int)response.StatusCode} from {upstream}: {body}");
            using var document = JsonDocument.Parse(body);
            Assert.True(document.RootElement.GetProperty("status").GetString() == "Healthy", $"{upstream}: {body}");
            healthy.Add(upstream);
        }

        using var live = await deployment.Client.GetAsync(new Uri(deployment.Proxy.Root, "health/live"));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        Assert.True(healthy.SetEquals(deployment.Instances.Select(i => i.Address)),
            $"/health/ready through the proxy reached {string.Join(", ", healthy)}; expected every instance: {string.Join(", ", deployment.Instances.Select(i => i.Address))}");
    }

    private sealed record Answer(string Upstream, string Cache, string? ETag, string Body);

    private async Task<Answer> GetAsync(string url)
    {
        var (response, body) = await deployment.Client.SendAsync(HttpMethod.Get, url, ("Prefer", "odata.maxpagesize=100"));
        using (response)
        {
            var upstream = Upstream(response);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url} through the proxy: {(int)response.StatusCode} from {upstream}: {ODataAssert.Shorten(body)}");
            var cache = response.Headers.TryGetValues("X-Cache", out var values) ? string.Join(",", values) : string.Empty;
            return new Answer(upstream, cache, response.Headers.ETag?.Tag, body);
        }
    }

    /// <summary>SQL statements the instance has sent to its sources, asked of the instance directly.</summary>
    private async Task<long> StatementsAsync(ServerProcess instance)
    {
        using var document = JsonDocument.Parse(await deployment.Direct.GetStringAsync(new Uri(instance.Root, "status/cache")));
        return document.RootElement.GetProperty("statements").GetInt64();
    }

    private static string Upstream(HttpResponseMessage response)
        => response.Headers.TryGetValues(NginxProxy.UpstreamHeader, out var values) ? string.Join(",", values) : "(no " + NginxProxy.UpstreamHeader + " header)";
}
