using System.Net;
using System.Text.Json;

namespace OData.Virtualization.IntegrationTests.ChangeTracking;

/// <summary>A delta as a client assembles it: changed entities by key, removed ids with their reason, the next delta link.</summary>
public sealed record Delta(Dictionary<int, JsonElement> Changed, Dictionary<string, string> Removed, string DeltaLink, int Pages);

/// <summary>What Salesforce does: a tracked read for zero rows, then polls of the delta link, following next links.</summary>
public static class DeltaClient
{
    /// <summary>The tracked read; returns its response and delta link (null when the preference was not applied).</summary>
    public static async Task<(HttpResponseMessage Response, string? DeltaLink)> TrackAsync(HttpClient client, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Prefer", "odata.track-changes");
        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
        var walked = JsonDocument.Parse(body).RootElement;
        while (walked.TryGetProperty("@odata.nextLink", out var next))
        {
            walked = await GetAsync(client, next.GetString()!);
        }

        return (response, walked.TryGetProperty("@odata.deltaLink", out var link) ? link.GetString() : null);
    }

    /// <summary>Waits (up to 30 s) until the server's capture has started: the tracked read gets a delta link.</summary>
    public static async Task<string> TrackWhenReadyAsync(HttpClient client, string url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var (_, link) = await TrackAsync(client, url);
            if (link is not null)
            {
                return link;
            }

            Assert.True(DateTime.UtcNow < deadline, "The tracked read got no delta link within 30 s: capture did not start.");
            await Task.Delay(100);
        }
    }

    /// <summary>Follows a delta link through its pages; every page's next link is checked to stay on this service.</summary>
    public static async Task<Delta> PollAsync(HttpClient client, string deltaLink)
    {
        var changed = new Dictionary<int, JsonElement>();
        var removed = new Dictionary<string, string>(StringComparer.Ordinal);
        var page = await GetAsync(client, deltaLink);
        var pages = 1;
        while (true)
        {
            foreach (var entry in page.GetProperty("value").EnumerateArray())
            {
                if (entry.TryGetProperty("@odata.context", out var context) && context.GetString()!.EndsWith("/$deletedEntity", StringComparison.Ordinal))
                {
                    Assert.True(removed.TryAdd(entry.GetProperty("id").GetString()!, entry.GetProperty("reason").GetString()!), "an id removed twice in one delta");
                    continue;
                }

                Assert.True(changed.TryAdd(entry.GetProperty("id").GetInt32(), entry.Clone()), "an entity sent twice in one delta");
            }

            if (page.TryGetProperty("@odata.nextLink", out var next))
            {
                page = await GetAsync(client, next.GetString()!);
                pages++;
                continue;
            }

            return new Delta(changed, removed, page.GetProperty("@odata.deltaLink").GetString()!, pages);
        }
    }

    public static async Task<JsonElement> GetAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
