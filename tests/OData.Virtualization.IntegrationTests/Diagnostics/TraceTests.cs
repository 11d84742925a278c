using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Diagnostics;

/// <summary>
/// One request's trace: ASP.NET Core's request span continues the caller's W3C <c>traceparent</c>, and under it the
/// server's <c>parse</c>, <c>cache</c>, <c>serialize</c> and <c>sql</c> spans (the statement text, never the values
/// bound to it unless configured); an error body quotes the same trace id.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class TraceTests(SqliteFixture fixture)
{
    private const string Secret = "Zzz-secret-filter-value";

    [Fact]
    public async Task OneRequest_HasParseCacheSerializeAndSqlSpans_UnderTheCallersTraceparent()
    {
        await using var factory = await fixture.StartAnotherAsync(_ => { });
        using var client = factory.CreateClient(new() { BaseAddress = new Uri("http://localhost/odata/") });
        var (traceId, parentSpanId) = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());
        using var spans = new SpanCapture(traceId);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"erp_customers?$filter=name ne '{Secret}'&$top=2");
        request.Headers.Add("traceparent", $"00-{traceId}-{parentSpanId}-01");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("MISS", response.Headers.GetValues("X-Cache").Single());

        var http = await spans.WaitForAsync(s => s.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal(parentSpanId, http.ParentSpanId);
        var parse = spans.Single("parse");
        var cache = spans.Single("cache");
        var serialize = spans.Single("serialize");
        var sql = spans.Single("sql");
        Assert.Equal(http.SpanId, parse.ParentSpanId);
        Assert.Equal(http.SpanId, cache.ParentSpanId);
        Assert.Equal(cache.SpanId, serialize.ParentSpanId);
        Assert.Equal(serialize.SpanId, sql.ParentSpanId);
        Assert.Equal("miss", cache.GetTagItem("odata.cache.outcome"));
        var slack = TimeSpan.FromMilliseconds(5);
        Assert.True(parse.StartTimeUtc + slack >= http.StartTimeUtc && parse.StartTimeUtc + parse.Duration <= cache.StartTimeUtc + slack, $"parse {parse.StartTimeUtc:HH:mm:ss.ffffff}+{parse.Duration.TotalMilliseconds} ms does not precede cache {cache.StartTimeUtc:HH:mm:ss.ffffff} within the request {http.StartTimeUtc:HH:mm:ss.ffffff}");

        var text = (string?)sql.GetTagItem("db.query.text");
        Assert.NotNull(text);
        Assert.Contains("SELECT", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("sqlite", sql.GetTagItem("db.system.name"));
        Assert.Equal(ActivityKind.Client, sql.Kind);
        Assert.Equal("erp_customers", http.GetTagItem("odata.entity_set"));

        // The filter's value is a bound parameter: in no span, unless IncludeParameters is on.
        Assert.DoesNotContain(spans.All.SelectMany(s => s.TagObjects), tag => tag.Value?.ToString()?.Contains(Secret, StringComparison.Ordinal) == true);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IncludeParameters_PutsTheBoundValuesOnTheSqlSpan()
    {
        await using var factory = await fixture.StartAnotherAsync(settings => settings["OData:Telemetry:Traces:IncludeParameters"] = "true");
        using var client = factory.CreateClient(new() { BaseAddress = new Uri("http://localhost/odata/") });
        var traceId = ActivityTraceId.CreateRandom();
        using var spans = new SpanCapture(traceId);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"erp_customers?$filter=name ne '{Secret}'&$top=2");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var sql = await spans.WaitForAsync(s => s.OperationName == "sql");
        Assert.Contains(sql.TagObjects, tag => tag.Key.StartsWith("db.query.parameter.", StringComparison.Ordinal) && Equals(tag.Value, Secret));
    }

    [Fact]
    public async Task ErrorBody_QuotesTheTraceId()
    {
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, "erp_customers?$filter=nmae eq 'x'");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await fixture.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var inner = body.RootElement.GetProperty("error").GetProperty("innererror");
        Assert.Equal(traceId.ToHexString(), inner.GetProperty("traceId").GetString());
        Assert.False(string.IsNullOrEmpty(inner.GetProperty("requestId").GetString()));
    }

    /// <summary>Keeps the finished spans of one trace (listeners are process-wide: other tests' spans are ignored).</summary>
    private sealed class SpanCapture : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentQueue<Activity> _spans = new();

        public SpanCapture(ActivityTraceId traceId)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name is "OData.Virtualization" or "Microsoft.AspNetCore",
                Sample = (ref ActivityCreationOptions<ActivityContext> options) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    if (activity.TraceId == traceId)
                    {
                        _spans.Enqueue(activity);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyList<Activity> All => [.. _spans];

        public Activity Single(string name)
        {
            var matching = _spans.Where(s => s.Source.Name == "OData.Virtualization" && s.OperationName == name).ToList();
            Assert.True(matching.Count == 1, $"{matching.Count} '{name}' spans; the trace has: {string.Join(", ", _spans.Select(s => s.OperationName))}");
            return matching[0];
        }

        /// <summary>The request span ends after the response is handed over: wait for it briefly.</summary>
        public async Task<Activity> WaitForAsync(Func<Activity, bool> match)
        {
            var waited = Stopwatch.StartNew();
            while (waited.Elapsed < TimeSpan.FromSeconds(10))
            {
                if (_spans.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                await Task.Delay(20);
            }

            throw new Xunit.Sdk.XunitException($"No such span within 10 s; the trace has: {string.Join(", ", _spans.Select(s => s.Source.Name + "/" + s.OperationName))}");
        }

        public void Dispose() => _listener.Dispose();
    }
}
