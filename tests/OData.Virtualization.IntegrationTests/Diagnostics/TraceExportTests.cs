using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Diagnostics;

/// <summary>
/// With <c>OData:Telemetry:Traces:OtlpEndpoint</c> set, a request's spans reach an OTLP/HTTP collector (here a listener
/// of the test's own that keeps what is posted to <c>/v1/traces</c>) under the caller's trace id.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class TraceExportTests(SqliteFixture fixture)
{
    private const string Secret = "Zzz-secret-exported-nowhere";

    [Fact]
    public async Task OtlpEndpoint_ReceivesTheRequestsSpans()
    {
        using var collector = new OtlpCollector();
        var traceId = ActivityTraceId.CreateRandom();
        // Which exporters exist is decided while services are registered, before the test server's in-memory
        // configuration is layered in: InProcessServer passes OData:Telemetry:* as host settings too (as on a command line).
        await using (var factory = await fixture.StartAnotherAsync(settings =>
        {
            settings["OData:Telemetry:Traces:OtlpEndpoint"] = collector.Root;
            settings["OData:Telemetry:Traces:OtlpProtocol"] = "http/protobuf";
        }))
        {
            using var client = factory.CreateClient(new() { BaseAddress = new Uri("http://localhost/odata/") });
            using var request = new HttpRequestMessage(HttpMethod.Get, $"products?$top=3&$filter=name ne '{Secret}'");
            request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Stopping the host flushes the batch: what was posted is in the collector now.
        var traceBytes = Convert.FromHexString(traceId.ToHexString());
        var ours = collector.Posts.Where(p => p.Path == "/v1/traces" && p.Body.AsSpan().IndexOf(traceBytes) >= 0).ToList();
        Assert.True(ours.Count > 0, $"No OTLP post carried trace {traceId}; posts: {string.Join(", ", collector.Posts.Select(p => p.Path + " " + p.Body.Length + " bytes"))}");
        var text = Encoding.UTF8.GetString(ours.SelectMany(p => p.Body).ToArray());
        foreach (var span in new[] { "parse", "cache", "serialize", "sql", "db.query.text", "odata-virtualization" })
        {
            Assert.Contains(span, text, StringComparison.Ordinal);
        }

        // Neither the statement's bound value nor the request's query string (ASP.NET Core's span redacts it).
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
    }

    /// <summary>Accepts OTLP/HTTP posts and keeps them.</summary>
    private sealed class OtlpCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serving;

        public OtlpCollector()
        {
            var port = LocalProcess.FreePort();
            Root = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Root);
            _listener.Start();
            _serving = ServeAsync();
        }

        public string Root { get; }

        public ConcurrentQueue<(string Path, byte[] Body)> Posts { get; } = new();

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                Posts.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }
    }
}
