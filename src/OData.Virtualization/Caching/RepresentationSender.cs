using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using OData.Virtualization.Diagnostics;

namespace OData.Virtualization.Caching;

/// <summary>What a renderer produced, besides the body.</summary>
/// <param name="ETag">The representation's own entity tag (a writable set's entity: the tag <c>If-Match</c> takes), instead of the body's hash.</param>
internal sealed record RenderResult(int StatusCode, string ContentType, Dictionary<string, string>? Headers = null, string? ETag = null);

/// <summary>
/// Sends bounded responses (a page, an entity, a property, a count) through the response cache: rendered once
/// into memory, kept for the entity set's TTL, answered with an <c>ETag</c> (and 304 to <c>If-None-Match</c>),
/// <c>Cache-Control: max-age</c> from the remaining TTL, and <c>X-Cache</c> saying how the cache answered.
/// </summary>
internal sealed class RepresentationSender(ResponseCache cache, TimeProvider time)
{
    private static readonly Microsoft.IO.RecyclableMemoryStreamManager s_buffers = new();

    private static readonly StreamPipeWriterOptions s_leaveOpen = new(leaveOpen: true);

    /// <summary>
    /// The id every buffer is taken with: without one, the pool makes a new Guid for each stream, half a microsecond of
    /// secure random bytes on every request for an id that only the pool's diagnostic events show.
    /// </summary>
    private static readonly Guid s_bufferId = Guid.Empty;

    /// <summary>Answers from the fresh cache entry <paramref name="cacheKey"/> (a request seen before); false when there is none.</summary>
    public async Task<bool> TryServeFreshAsync(HttpContext context, RequestTimings timings, string cacheKey, TimeSpan ttl, string? entitySet)
    {
        var lookup = Stopwatch.GetTimestamp();
        CachedResponse? entry;
        using (var span = ServerTracing.StartCache())
        {
            entry = await cache.TryGetFreshAsync(cacheKey, ttl, context.RequestAborted);
            span?.SetTag("odata.cache.outcome", entry is null ? "expired" : "hit");
        }

        if (entry is null)
        {
            return false;
        }

        timings.Parse = 0;
        timings.Outcome = CacheOutcome.Hit;
        timings.Cache = Stopwatch.GetElapsedTime(lookup).TotalMilliseconds;
        timings.EntitySet = entitySet;
        timings.Rows = entry.Rows;
        await WriteAsync(context, entry, CacheOutcome.Hit, ttl);
        return true;
    }

    /// <summary>Counts a response streamed past the cache.</summary>
    public void CountBypass() => cache.Statistics.Count(CacheOutcome.Bypass);

    /// <summary>
    /// Renders (or takes from the cache) and sends one answer; returns the cache key it is kept under, or null when it
    /// was not cached.
    /// </summary>
    /// <remarks>
    /// Not cached (a TTL of zero): no key to build, no hash to compute, no copy of the body and no entry to keep, and no
    /// state machine of this method's own around the renderer's (decision 129).
    /// </remarks>
    public Task<string?> SendAsync(
        HttpContext context,
        RequestTimings timings,
        Func<CacheKey> key,
        TimeSpan ttl,
        Func<PipeWriter, RequestTimings, CancellationToken, Task<RenderResult>> render,
        bool evictFirst = false)
        => ttl <= TimeSpan.Zero
            ? SendUncachedAsync(context, timings, render)
            : SendCachedAsync(context, timings, key, ttl, render, evictFirst);

    private async Task<string?> SendCachedAsync(
        HttpContext context,
        RequestTimings timings,
        Func<CacheKey> key,
        TimeSpan ttl,
        Func<PipeWriter, RequestTimings, CancellationToken, Task<RenderResult>> render,
        bool evictFirst)
    {
        var lookup = Stopwatch.GetTimestamp();
        using var span = ServerTracing.StartCache();
        string? built = key().Build();
        var (response, outcome) = await cache.GetOrCreateAsync(built, ttl, ct => RenderAsync(render, timings, ct, withETag: true), context.RequestAborted, evictFirst);
        if (outcome == CacheOutcome.Bypass)
        {
            built = null;
        }

        timings.Outcome = outcome;
        timings.Rows = response.Rows;
        if (span is not null)
        {
            span.SetTag("odata.cache.outcome", CacheOutcomes.Label(outcome));
            span.Stop();
        }

        timings.Cache = Stopwatch.GetElapsedTime(lookup).TotalMilliseconds - (outcome is CacheOutcome.Miss or CacheOutcome.Bypass ? response.SqlMilliseconds + response.SerializeMilliseconds : 0);
        if (outcome is CacheOutcome.Miss or CacheOutcome.Bypass)
        {
            timings.Sql = response.SqlMilliseconds;
            timings.Serialize = response.SerializeMilliseconds;
        }

        await WriteAsync(context, response, outcome, ttl);
        return built;
    }

    /// <summary>
    /// Renders into a pooled buffer and sends it from there: the answer is complete before its status and headers go
    /// out (a failure while reading is still an OData error, and the length is known), as a cached one is.
    /// </summary>
    private async Task<string?> SendUncachedAsync(HttpContext context, RequestTimings timings, Func<PipeWriter, RequestTimings, CancellationToken, Task<RenderResult>> render)
    {
        var lookup = Stopwatch.GetTimestamp();
        using var span = ServerTracing.StartCache();
        using var buffer = s_buffers.GetStream(s_bufferId, "page");
        var pipe = PipeWriter.Create(buffer, s_leaveOpen);
        var start = Stopwatch.GetTimestamp();
        RenderResult result;
        using (ServerTracing.StartSerialize())
        {
            result = await render(pipe, timings, context.RequestAborted);
            await pipe.CompleteAsync();
        }

        var rendered = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        cache.Statistics.Count(CacheOutcome.Bypass);
        timings.Outcome = CacheOutcome.Bypass;
        if (span is not null)
        {
            span.SetTag("odata.cache.outcome", CacheOutcomes.Label(CacheOutcome.Bypass));
            span.Stop();
        }

        var sql = timings.Sql ?? 0;
        timings.Sql = sql;
        timings.Serialize = Math.Max(0, rendered - sql);
        timings.Cache = Stopwatch.GetElapsedTime(lookup).TotalMilliseconds - rendered;
        await WriteAsync(context, result.StatusCode, result.ContentType, result.ETag ?? string.Empty, result.Headers, buffer.GetReadOnlySequence(), CacheOutcome.Bypass, TimeSpan.Zero, TimeSpan.Zero);
        return null;
    }

    private async Task<CachedResponse> RenderAsync(Func<PipeWriter, RequestTimings, CancellationToken, Task<RenderResult>> render, RequestTimings timings, CancellationToken cancellationToken, bool withETag)
    {
        var local = new RequestTimings();
        using var span = ServerTracing.StartSerialize();
        var start = Stopwatch.GetTimestamp();
        // Pooled blocks instead of a doubling MemoryStream: pages of a Power BI walk would otherwise churn the
        // large-object heap (measured: 612 MB after a 1,000,000-row walk with the cache on, 131 MB with it off).
        using var buffer = s_buffers.GetStream(s_bufferId, "page");
        var pipe = PipeWriter.Create(buffer, s_leaveOpen);
        var result = await render(pipe, local, cancellationToken);
        await pipe.CompleteAsync();
        var body = buffer.ToArray();
        var total = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var sql = local.Sql ?? 0;
        return new CachedResponse
        {
            StatusCode = result.StatusCode,
            ContentType = result.ContentType,
            Body = body,
            ETag = result.ETag ?? (withETag ? "\"" + Base64Url.EncodeToString(SHA256.HashData(body).AsSpan(0, 16)) + "\"" : string.Empty),
            CreatedAt = time.GetUtcNow(),
            Headers = result.Headers ?? [],
            SqlMilliseconds = sql,
            SerializeMilliseconds = Math.Max(0, total - sql),
            Rows = local.Rows,
        };
    }

    private Task WriteAsync(HttpContext context, CachedResponse entry, CacheOutcome outcome, TimeSpan ttl)
        => WriteAsync(context, entry.StatusCode, entry.ContentType, entry.ETag, entry.Headers, new ReadOnlySequence<byte>(entry.Body), outcome, ttl, time.GetUtcNow() - entry.CreatedAt);

    private static async Task WriteAsync(HttpContext context, int statusCode, string contentType, string etag, Dictionary<string, string>? headers, ReadOnlySequence<byte> body, CacheOutcome outcome, TimeSpan ttl, TimeSpan age)
    {
        var response = context.Response;
        var remaining = ttl - age;
        response.Headers["X-Cache"] = CacheOutcomes.Header(outcome);
        if (outcome != CacheOutcome.Bypass)
        {
            response.Headers.Age = ((long)Math.Max(0, age.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        // Private: entries are computed per caller scope, so shared proxies must not reuse them.
        response.Headers.CacheControl = outcome == CacheOutcome.Bypass || remaining <= TimeSpan.Zero
            ? "private, no-cache"
            : "private, max-age=" + ((long)remaining.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (headers is not null)
        {
            foreach (var (name, value) in headers)
            {
                response.Headers[name] = value;
            }
        }

        if (statusCode == StatusCodes.Status204NoContent)
        {
            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        if (etag.Length > 0)
        {
            response.Headers.ETag = etag;
            if (Matches(context.Request.Headers.IfNoneMatch, etag))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }
        }

        response.StatusCode = statusCode;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            // One flush for the whole body, whether it is one array (an entry) or the pooled buffer's blocks.
            var writer = response.BodyWriter;
            foreach (var segment in body)
            {
                writer.Write(segment.Span);
            }

            await writer.FlushAsync(context.RequestAborted);
        }
    }

    private static bool Matches(StringValues ifNoneMatch, string etag)
    {
        if (StringValues.IsNullOrEmpty(ifNoneMatch) || !EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags))
        {
            return false;
        }

        return tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || string.Equals(t.Tag.Value, etag, StringComparison.Ordinal));
    }
}
