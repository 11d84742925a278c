using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace OData.Virtualization.Benchmarks.Paging;

/// <summary>
/// Follows <c>@odata.nextLink</c> from a first URL to the last page, as Power Query does: each page is timed from
/// sending the request to its last byte, then parsed (outside the page's time, inside the walk's) for its rows, its
/// keys and its next link.
/// </summary>
internal sealed class PageWalker(HttpClient client)
{
    private byte[] _body = new byte[1 << 20];

    public HttpClient Client => client;

    /// <summary>
    /// Walks to the end, or until <paramref name="budget"/> or <paramref name="maxPages"/> stops it. With
    /// <paramref name="maxPageSize"/>, every request asks for that page size (<c>Prefer: odata.maxpagesize</c>).
    /// </summary>
    public async Task<WalkResult> WalkAsync(Walk walk, Uri first, TimeSpan budget, int maxPages, int? maxPageSize, CancellationToken ct)
    {
        var pages = new List<PageSample>(Math.Min(maxPages, 1_100));
        var seen = new HashSet<long>(maxPages >= 1_000 ? (int)PagingWorkload.TableRows : 0);
        var check = new OrderCheck(walk.Order);
        long rows = 0;
        var clientTicks = 0L;
        var clock = Stopwatch.StartNew();
        Uri? url = first;
        while (url is not null && pages.Count < maxPages && clock.Elapsed < budget)
        {
            var (milliseconds, length, outcome, timing) = await FetchAsync(url, maxPageSize, ct);
            var parseStart = Stopwatch.GetTimestamp();
            var page = Parse(_body.AsSpan(0, length), seen, check);
            clientTicks += Stopwatch.GetTimestamp() - parseStart;
            rows += page.Rows;
            pages.Add(new PageSample(milliseconds, page.Rows, length, outcome, timing));
            url = page.NextLink is null ? null : new Uri(page.NextLink);
        }

        return new WalkResult(walk, pages, rows, seen.Count, check.Violations, clock.Elapsed.TotalSeconds, clientTicks / (double)Stopwatch.Frequency, Complete: url is null);
    }

    /// <summary>One GET, read to the end into the reusable buffer; the time stops at the last byte.</summary>
    public async Task<(double Milliseconds, int Length, string? CacheOutcome, string? ServerTiming)> FetchAsync(Uri url, int? maxPageSize, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (maxPageSize is { } size)
        {
            request.Headers.Add("Prefer", "odata.maxpagesize=" + size.ToString(CultureInfo.InvariantCulture));
        }

        var start = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var length = 0;
        int read;
        while ((read = await body.ReadAsync(_body.AsMemory(length), ct)) > 0)
        {
            length += read;
            if (length == _body.Length)
            {
                Array.Resize(ref _body, _body.Length * 2);
            }
        }

        var milliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return (milliseconds, length, Header(response, "X-Cache"), Header(response, "Server-Timing"));
    }

    public static string? Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    /// <summary>Counts the rows of <c>value</c>, feeds their keys and order values to the checks, and finds the next link.</summary>
    private static (int Rows, string? NextLink) Parse(ReadOnlySpan<byte> json, HashSet<long> seen, OrderCheck check)
    {
        var reader = new Utf8JsonReader(json);
        var rows = 0;
        string? next = null;
        long id = 0;
        DateTimeOffset? booked = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject when reader.CurrentDepth == 2:
                    rows++;
                    booked = null;
                    break;
                case JsonTokenType.EndObject when reader.CurrentDepth == 2:
                    seen.Add(id);
                    check.Next(id, booked);
                    break;
                case JsonTokenType.PropertyName when reader.CurrentDepth == 3 && reader.ValueTextEquals("transaction_id"u8):
                    reader.Read();
                    id = reader.GetInt64();
                    break;
                case JsonTokenType.PropertyName when reader.CurrentDepth == 3 && reader.ValueTextEquals("booked_at"u8):
                    reader.Read();
                    booked = reader.GetDateTimeOffset();
                    break;
                case JsonTokenType.PropertyName when reader.CurrentDepth == 1 && reader.ValueTextEquals("@odata.nextLink"u8):
                    reader.Read();
                    next = reader.GetString();
                    break;
                case JsonTokenType.PropertyName when reader.CurrentDepth == 1 && reader.ValueTextEquals("value"u8):
                    break;
                case JsonTokenType.PropertyName when reader.CurrentDepth == 1:
                    reader.Read();
                    reader.Skip();
                    break;
            }
        }

        return (rows, next);
    }

    /// <summary>Counts rows that do not follow their predecessor in the order asked (the key breaks ties, ascending).</summary>
    private sealed class OrderCheck(WalkOrder order)
    {
        private long _lastId = long.MinValue;
        private DateTimeOffset? _lastBooked;

        public long Violations { get; private set; }

        public void Next(long id, DateTimeOffset? booked)
        {
            var first = _lastId == long.MinValue;
            var inOrder = first || order switch
            {
                WalkOrder.Key => id > _lastId,
                WalkOrder.BookedAtAscending => booked > _lastBooked || (booked == _lastBooked && id > _lastId),
                WalkOrder.BookedAtDescending => booked < _lastBooked || (booked == _lastBooked && id > _lastId),
                _ => false,
            };
            if (!inOrder || (order != WalkOrder.Key && booked is null))
            {
                Violations++;
            }

            _lastId = id;
            _lastBooked = booked;
        }
    }
}
