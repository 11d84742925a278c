using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Security;

/// <summary>
/// Per-principal rate and concurrency limits (System.Threading.RateLimiting, as ASP.NET Core's rate limiter uses):
/// a principal over its limit gets 429 with <c>Retry-After</c>; other principals are unaffected.
/// </summary>
internal sealed class RequestLimiter(IOptionsMonitor<VirtualizationOptions> options, ServerMetrics metrics) : IDisposable
{
    private readonly ConcurrentDictionary<string, RateLimiter> _rates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RateLimiter> _concurrency = new(StringComparer.Ordinal);

    /// <summary>Admits one request of <paramref name="scope"/>'s principal; dispose the result when it ends.</summary>
    public async Task<IDisposable> AcquireAsync(HttpContext context, AccessScope scope)
    {
        var limits = options.CurrentValue.Limits;
        var perMinute = scope.Limits.RequestsPerMinute ?? limits.RequestsPerMinute;
        var concurrent = scope.Limits.ConcurrentRequests ?? limits.ConcurrentRequests;
        var leases = new List<RateLimitLease>(2);
        if (perMinute > 0)
        {
            var limiter = _rates.GetOrAdd(scope.Principal + "\u001f" + perMinute.ToString(CultureInfo.InvariantCulture), _ => new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
            {
                PermitLimit = perMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
            var lease = limiter.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                lease.Dispose();
                metrics.RateLimited("requests_per_minute");
                Reject(context, $"You sent more than {perMinute} requests in a minute.", retryAfter, perMinute);
            }

            context.Response.Headers["RateLimit-Policy"] = perMinute.ToString(CultureInfo.InvariantCulture) + ";w=60";
            if (limiter.GetStatistics() is { } statistics)
            {
                context.Response.Headers["RateLimit-Remaining"] = statistics.CurrentAvailablePermits.ToString(CultureInfo.InvariantCulture);
            }

            leases.Add(lease);
        }

        if (concurrent > 0)
        {
            var limiter = _concurrency.GetOrAdd(scope.Principal + "\u001f" + concurrent.ToString(CultureInfo.InvariantCulture), _ => new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = concurrent,
                QueueLimit = concurrent * 4,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            }));
            var lease = await limiter.AcquireAsync(1, context.RequestAborted);
            if (!lease.IsAcquired)
            {
                lease.Dispose();
                foreach (var acquired in leases)
                {
                    acquired.Dispose();
                }

                metrics.RateLimited("concurrent_requests");
                Reject(context, $"You have more than {concurrent} requests running and queued.", TimeSpan.FromSeconds(1), null);
            }

            leases.Add(lease);
        }

        return new Leases(leases);
    }

    public void Dispose()
    {
        foreach (var limiter in _rates.Values.Concat(_concurrency.Values))
        {
            limiter.Dispose();
        }
    }

    private static void Reject(HttpContext context, string why, TimeSpan retryAfter, int? perMinute)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        if (perMinute is { } limit)
        {
            context.Response.Headers["RateLimit-Policy"] = limit.ToString(CultureInfo.InvariantCulture) + ";w=60";
            context.Response.Headers["RateLimit-Remaining"] = "0";
        }

        throw new ODataProblem(429, "TooManyRequests", why + $" Retry after {seconds} seconds.");
    }

    private sealed class Leases(List<RateLimitLease> leases) : IDisposable
    {
        public void Dispose()
        {
            foreach (var lease in leases)
            {
                lease.Dispose();
            }
        }
    }
}
