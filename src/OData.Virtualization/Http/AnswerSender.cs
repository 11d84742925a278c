using System.IO.Pipelines;
using OData.Virtualization.Caching;
using OData.Virtualization.Diagnostics;

namespace OData.Virtualization.Http;

/// <summary>
/// Sends a bounded answer through the response cache and remembers, for the request memo, where it is cached: the same
/// request again is then answered without planning.
/// </summary>
internal sealed class AnswerSender(RepresentationSender sender, RequestMemo memo)
{
    /// <remarks>An answer that is not cached (a TTL of zero) is not remembered either: this adds nothing to its sending.</remarks>
    public Task SendAsync(ODataRequest request, Func<CacheKey> key, TimeSpan ttl, Func<PipeWriter, RequestTimings, CancellationToken, Task<RenderResult>> render, bool evictFirst = false)
        => ttl <= TimeSpan.Zero
            ? sender.SendAsync(request.Context, request.Timings, key, ttl, render, evictFirst)
            : SendCachedAsync(request, key, ttl, render, evictFirst);

    private async Task SendCachedAsync(ODataRequest request, Func<CacheKey> key, TimeSpan ttl, Func<PipeWriter, RequestTimings, CancellationToken, Task<RenderResult>> render, bool evictFirst)
    {
        // Read before the key is built: a write in between leaves the memo behind the cache, never ahead of it.
        var generation = memo.WriteGenerationOf(request.MemoKey);
        var cached = await sender.SendAsync(request.Context, request.Timings, key, ttl, render, evictFirst);
        if (cached is not null)
        {
            memo.RememberAnswer(request.MemoKey, cached, ttl, generation);
        }
    }

    /// <summary>Answers from the cache entry a remembered request was answered from, while it is fresh and no write to its source came since.</summary>
    public Task<bool> TryRepeatAsync(ODataRequest request, RequestMemo.CachedAnswer answer, long writeGeneration, string? entitySet)
        => answer.WriteGeneration != writeGeneration
            ? Task.FromResult(false)
            : sender.TryServeFreshAsync(request.Context, request.Timings, answer.CacheKey, answer.Ttl, entitySet);

    /// <summary>Counts a response streamed past the cache.</summary>
    public void CountBypass() => sender.CountBypass();
}
