using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Query;
using OData.Virtualization.Security;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Security;

/// <summary>
/// Per principal: at most N requests a minute (the N+1th is a 429 with <c>Retry-After</c>), and at most M at once with
/// 4×M waiting (then 429). A limit of 0 is no limit; one principal over its limit never slows another.
/// </summary>
public sealed class RequestLimiterTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _rejections = new(StringComparer.Ordinal);

    public RequestLimiterTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        Metrics = new ServerMetrics(factory, _services);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "odata.rate_limit.rejections")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "limit")
                {
                    lock (_rejections)
                    {
                        _rejections[(string)tag.Value!] = _rejections.GetValueOrDefault((string)tag.Value!) + value;
                    }
                }
            }
        });
        _listener.Start();
    }

    private ServerMetrics Metrics { get; }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    // ---- requests per minute ------------------------------------------------------------------

    [Fact]
    public async Task AcquireAsync_WithinTheMinute_AdmitsAndCountsDownRemaining()
    {
        using var limiter = Limiter(perMinute: 3, concurrent: 0);
        var scope = Scope("alice");

        var remaining = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            var context = new DefaultHttpContext();
            using var lease = await limiter.AcquireAsync(context, scope);
            Assert.Equal("3;w=60", context.Response.Headers["RateLimit-Policy"].ToString());
            remaining.Add(context.Response.Headers["RateLimit-Remaining"]);
        }

        Assert.Equal(new[] { "2", "1", "0" }, remaining);
    }

    [Fact]
    public async Task AcquireAsync_RequestOverThePerMinuteLimit_Is429WithRetryAfter()
    {
        using var limiter = Limiter(perMinute: 3, concurrent: 0);
        var scope = Scope("alice");
        for (var i = 0; i < 3; i++)
        {
            (await limiter.AcquireAsync(new DefaultHttpContext(), scope)).Dispose();
        }

        var context = new DefaultHttpContext();
        var problem = await Assert.ThrowsAsync<ODataProblem>(() => limiter.AcquireAsync(context, scope));

        Assert.Equal((429, "TooManyRequests"), (problem.Status, problem.Code));
        Assert.Contains("more than 3 requests in a minute", problem.Message, StringComparison.Ordinal);
        var retryAfter = int.Parse(context.Response.Headers.RetryAfter.ToString(), NumberStyles.None, CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60); // whole seconds, within the one-minute window
        Assert.Contains($"Retry after {retryAfter} seconds", problem.Message, StringComparison.Ordinal);
        Assert.Equal(("3;w=60", "0"), (context.Response.Headers["RateLimit-Policy"].ToString(), context.Response.Headers["RateLimit-Remaining"].ToString()));
        Assert.Equal(1, Rejections("requests_per_minute"));
        Assert.Equal(0, Rejections("concurrent_requests"));
    }

    [Fact]
    public async Task AcquireAsync_OnePrincipalOverItsLimit_OthersAreUnaffected()
    {
        using var limiter = Limiter(perMinute: 1, concurrent: 0);
        (await limiter.AcquireAsync(new DefaultHttpContext(), Scope("alice"))).Dispose();
        await Assert.ThrowsAsync<ODataProblem>(() => limiter.AcquireAsync(new DefaultHttpContext(), Scope("alice")));

        using var bob = await limiter.AcquireAsync(new DefaultHttpContext(), Scope("bob"));
    }

    [Fact]
    public async Task AcquireAsync_PrincipalLimit_ReplacesTheGlobalOneEitherWay()
    {
        using var limiter = Limiter(perMinute: 2, concurrent: 0);
        var generous = Scope("batch", new PrincipalLimitOptions { RequestsPerMinute = 5 });
        var strict = Scope("kiosk", new PrincipalLimitOptions { RequestsPerMinute = 1 });

        for (var i = 0; i < 5; i++)
        {
            (await limiter.AcquireAsync(new DefaultHttpContext(), generous)).Dispose();
        }

        (await limiter.AcquireAsync(new DefaultHttpContext(), strict)).Dispose();
        await Assert.ThrowsAsync<ODataProblem>(() => limiter.AcquireAsync(new DefaultHttpContext(), generous));
        await Assert.ThrowsAsync<ODataProblem>(() => limiter.AcquireAsync(new DefaultHttpContext(), strict));
    }

    [Fact]
    public async Task AcquireAsync_LimitRaisedByAReload_TakesEffectAtOnce()
    {
        var options = new ChangeableOptions(Settings(perMinute: 1, concurrent: 0));
        using var limiter = new RequestLimiter(options, Metrics);
        (await limiter.AcquireAsync(new DefaultHttpContext(), Scope("alice"))).Dispose();
        await Assert.ThrowsAsync<ODataProblem>(() => limiter.AcquireAsync(new DefaultHttpContext(), Scope("alice")));

        options.Change(Settings(perMinute: 2, concurrent: 0));

        using var lease = await limiter.AcquireAsync(new DefaultHttpContext(), Scope("alice"));
    }

    [Fact]
    public async Task AcquireAsync_LimitsOfZero_AreOff()
    {
        using var limiter = Limiter(perMinute: 0, concurrent: 0);
        var scope = Scope("alice");
        var held = new List<IDisposable>();

        for (var i = 0; i < 500; i++)
        {
            var context = new DefaultHttpContext();
            held.Add(await limiter.AcquireAsync(context, scope));
            Assert.False(context.Response.Headers.ContainsKey("RateLimit-Policy"));
        }

        held.ForEach(l => l.Dispose());
    }

    [Fact]
    public async Task AcquireAsync_PrincipalLimitOfZero_TurnsTheGlobalLimitOff()
    {
        using var limiter = Limiter(perMinute: 1, concurrent: 1);
        var scope = Scope("etl", new PrincipalLimitOptions { RequestsPerMinute = 0, ConcurrentRequests = 0 });
        var held = new List<IDisposable>();

        for (var i = 0; i < 20; i++)
        {
            held.Add(await limiter.AcquireAsync(new DefaultHttpContext(), scope));
        }

        held.ForEach(l => l.Dispose());
    }

    // ---- concurrency ---------------------------------------------------------------------------

    [Fact]
    public async Task AcquireAsync_OverConcurrentLimit_WaitsInTurnThenIs429()
    {
        using var limiter = Limiter(perMinute: 0, concurrent: 1);
        var scope = Scope("alice");
        var running = await limiter.AcquireAsync(new DefaultHttpContext(), scope);

        // One running, four (4 × 1) waiting: none of them can have started.
        var waiting = Enumerable.Range(0, 4).Select(_ => limiter.AcquireAsync(new DefaultHttpContext(), scope)).ToList();
        Assert.All(waiting, w => Assert.False(w.IsCompleted));

        var context = new DefaultHttpContext();
        var problem = await Assert.ThrowsAsync<ODataProblem>(() => limiter.AcquireAsync(context, scope));
        Assert.Equal((429, "TooManyRequests"), (problem.Status, problem.Code));
        Assert.Contains("more than 1 requests running and queued", problem.Message, StringComparison.Ordinal);
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
        Assert.Equal(1, Rejections("concurrent_requests"));

        // Releasing the running one starts the oldest waiting one, and only that one.
        running.Dispose();
        var next = await waiting[0].WaitAsync(TimeSpan.FromMinutes(1));
        Assert.All(waiting.Skip(1), w => Assert.False(w.IsCompleted));
        next.Dispose();
        foreach (var w in waiting.Skip(1))
        {
            (await w.WaitAsync(TimeSpan.FromMinutes(1))).Dispose();
        }
    }

    [Fact]
    public async Task Dispose_OfALease_ReleasesItsSlot()
    {
        using var limiter = Limiter(perMinute: 0, concurrent: 2);
        var scope = Scope("alice");

        for (var i = 0; i < 10; i++)
        {
            var first = limiter.AcquireAsync(new DefaultHttpContext(), scope);
            var second = limiter.AcquireAsync(new DefaultHttpContext(), scope);
            Assert.True(first.IsCompletedSuccessfully && second.IsCompletedSuccessfully, $"Round {i}: a slot of the previous round was not released.");
            (await first).Dispose();
            (await second).Dispose();
        }
    }

    [Fact]
    public async Task AcquireAsync_WaitingClientHangsUp_IsCancelledAndLeavesTheQueue()
    {
        using var limiter = Limiter(perMinute: 0, concurrent: 1);
        var scope = Scope("alice");
        var running = await limiter.AcquireAsync(new DefaultHttpContext(), scope);
        using var hangUp = new CancellationTokenSource();
        var waiting = limiter.AcquireAsync(new DefaultHttpContext { RequestAborted = hangUp.Token }, scope);
        Assert.False(waiting.IsCompleted);

        await hangUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        // Its place in the queue is free again: four others can wait.
        var others = Enumerable.Range(0, 4).Select(_ => limiter.AcquireAsync(new DefaultHttpContext(), scope)).ToList();
        Assert.All(others, o => Assert.False(o.IsFaulted));
        running.Dispose();
        foreach (var other in others)
        {
            (await other.WaitAsync(TimeSpan.FromMinutes(1))).Dispose();
        }
    }

    [Fact]
    public async Task AcquireAsync_ConcurrencyOfOnePrincipal_DoesNotQueueAnother()
    {
        using var limiter = Limiter(perMinute: 0, concurrent: 1);
        using var alice = await limiter.AcquireAsync(new DefaultHttpContext(), Scope("alice"));

        var bob = limiter.AcquireAsync(new DefaultHttpContext(), Scope("bob"));

        Assert.True(bob.IsCompletedSuccessfully);
        (await bob).Dispose();
    }

    // ---- helpers --------------------------------------------------------------------------------

    private RequestLimiter Limiter(int perMinute, int concurrent)
        => new(new ChangeableOptions(Settings(perMinute, concurrent)), Metrics);

    private static VirtualizationOptions Settings(int perMinute, int concurrent)
        => new() { Limits = new LimitOptions { RequestsPerMinute = perMinute, ConcurrentRequests = concurrent } };

    // The limiter reads only the principal and its limits: no model is needed.
    private static AccessScope Scope(string principal, PrincipalLimitOptions? limits = null)
        => new("rules", principal, null!, null!, limits ?? new PrincipalLimitOptions());

    private long Rejections(string limit)
    {
        lock (_rejections)
        {
            return _rejections.GetValueOrDefault(limit);
        }
    }
}
