using System.Globalization;
using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Paging;

/// <summary>What one page of a walk looked like.</summary>
public sealed record WalkedPage(string Url, int Rows, long? Count, string? NextLink, string? PreferenceApplied);

/// <summary>
/// Follows <c>@odata.nextLink</c> to the end as Power Query and Salesforce do (resending the <c>Prefer</c> header on
/// every request), keeping only what the test needs of each row so that a 1,000,000-row walk stays small.
/// </summary>
public static class PageWalk
{
    public static async Task<(List<T> Rows, List<WalkedPage> Pages)> WalkAsync<T>(
        HttpClient client,
        string url,
        int? maxPageSize,
        Func<JsonElement, T> select,
        int maxPages,
        Func<int, HttpClient>? clientForPage = null,
        Func<IReadOnlyList<T>, Task>? betweenPages = null)
    {
        var rows = new List<T>();
        var pages = new List<WalkedPage>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? next = url;
        while (next is not null)
        {
            Assert.True(pages.Count < maxPages, $"{url}: more than {maxPages} pages; the walk does not end (last link: {next})");
            Assert.True(seen.Add(next), $"{url}: page {pages.Count + 1} links back to an earlier page: {next}");
            var pageClient = clientForPage?.Invoke(pages.Count) ?? client;
            var headers = maxPageSize is { } size ? new[] { ("Prefer", "odata.maxpagesize=" + size.ToString(CultureInfo.InvariantCulture)) } : [];
            var (response, body) = await pageClient.SendAsync(HttpMethod.Get, next, headers);
            string? applied;
            using (response)
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: page {pages.Count + 1} ({next}) answered {(int)response.StatusCode}: {ODataAssert.Shorten(body)}");
                applied = response.Headers.TryGetValues("Preference-Applied", out var values) ? string.Join(",", values) : null;
            }

            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var value = root.GetProperty("value");
            foreach (var row in value.EnumerateArray())
            {
                rows.Add(select(row));
            }

            long? count = root.TryGetProperty("@odata.count", out var total) ? total.GetInt64() : null;
            var link = root.TryGetProperty("@odata.nextLink", out var nextLink) ? nextLink.GetString() : null;
            var page = new WalkedPage(next, value.GetArrayLength(), count, link, applied);
            pages.Add(page);
            if (link is not null && betweenPages is not null)
            {
                // What the client has so far; the test may change the source before the next page.
                await betweenPages(rows);
            }

            next = link;
        }

        return (rows, pages);
    }

    public static long Int64(JsonElement row, string property) => row.GetProperty(property).GetInt64();

    /// <summary>Asserts two sequences are equal, and on failure says where they part and whether rows repeat or are missing.</summary>
    public static void AssertSameSequence<T>(IReadOnlyList<T> expected, IReadOnlyList<T> actual, string what)
        where T : notnull
    {
        var duplicates = actual.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
        Assert.True(duplicates.Count == 0, $"{what}: rows served more than once, e.g. {string.Join(", ", duplicates)} ({actual.Count} rows served, {expected.Count} expected)");
        var served = actual.ToHashSet();
        var missing = expected.Where(v => !served.Contains(v)).Take(5).ToList();
        Assert.True(missing.Count == 0, $"{what}: rows never served, e.g. {string.Join(", ", missing)} ({actual.Count} rows served, {expected.Count} expected)");
        Assert.True(expected.Count == actual.Count, $"{what}: {actual.Count} rows served, {expected.Count} expected");
        for (var i = 0; i < expected.Count; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(expected[i], actual[i]))
            {
                var from = Math.Max(0, i - 2);
                Assert.Fail($"{what}: the order differs at row {i}: expected [{string.Join(", ", expected.Skip(from).Take(5))}] from row {from}, served [{string.Join(", ", actual.Skip(from).Take(5))}]");
            }
        }
    }

    /// <summary>Every page but the last is full; only the last has no next link.</summary>
    public static void AssertFullPages(IReadOnlyList<WalkedPage> pages, int pageSize, long total, string what)
    {
        var expectedPages = Math.Max(1, (int)((total + pageSize - 1) / pageSize));
        Assert.True(expectedPages == pages.Count, $"{what}: {pages.Count} pages for {total} rows at {pageSize} a page; expected {expectedPages}");
        for (var i = 0; i < pages.Count - 1; i++)
        {
            Assert.True(pages[i].Rows == pageSize, $"{what}: page {i + 1} has {pages[i].Rows} rows, expected {pageSize} ({pages[i].Url})");
        }

        Assert.Null(pages[^1].NextLink);
    }
}
