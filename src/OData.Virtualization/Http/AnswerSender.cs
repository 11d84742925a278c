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
    public async Task SendAsync(ODataRequest request, Func<CacheKey> key, TimeSpan ttl, Func<PipeWriter, RequestTimings, CancellationToken, Task<RenderResult>> render, bool evictFirst = false)
    {
        var cached = await sender.SendAsync(request.Context, request.Timings, key, ttl, render, evictFirst);
        if (cached is not null)
        {
            memo.RememberAnswer(request.MemoKey, cached, ttl);
        }
    }

    /// <summary>Answers from the cache entry a remembered request was answered from, while it is fresh.</summary>
    public Task<bool> TryRepeatAsync(ODataRequest request, RequestMemo.CachedAnswer answer, string? entitySet)
        => sender.TryServeFreshAsync(request.Context, request.Timings, answer.CacheKey, answer.Ttl, entitySet);

    /// <summary>Counts a response streamed past the cache.</summary>
    public void CountBypass() => sender.CountBypass();
}
