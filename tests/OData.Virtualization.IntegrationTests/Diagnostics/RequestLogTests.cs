using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Diagnostics;

/// <summary>
/// The real server process with the console switched to JSON the ASP.NET Core way
/// (<c>Logging__Console__FormatterName=json</c>): one JSON line per request with the request id, trace id (the caller's),
/// principal, entity set, profile, duration, status, cache outcome and rows (no rows field where none were read); at Debug, the generated SQL without the
/// values bound to it.
/// </summary>
public sealed partial class RequestLogTests
{
    private const string Secret = "Zzz-secret-in-a-filter";

    [Fact]
    public async Task JsonConsole_OneLinePerRequest_WithItsFields_AndSqlAtDebugWithoutValues()
    {
        var data = Directory.CreateTempSubdirectory("odv-request-log-");
        try
        {
            await using var server = ServerProcess.Start("the server", new Dictionary<string, string>
            {
                ["OData__DemoDataDirectory"] = data.FullName,
                ["Logging__Console__FormatterName"] = "json",
                ["Logging__LogLevel__OData.Virtualization"] = "Debug",
            });
            var root = Serving().Match(await server.WaitForLineAsync(l => Serving().IsMatch(l), TimeSpan.FromSeconds(60))).Groups[1].Value;
            using var client = new HttpClient { BaseAddress = new Uri(root) };
            var traceId = ActivityTraceId.CreateRandom();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"erp_customers?$top=2&$filter=name ne '{Secret}'");
            request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
            using var response = await client.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");

            var line = await server.WaitForLineAsync(l => l.Contains("\"EventId\":2010", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
            using var json = JsonDocument.Parse(line);
            Assert.Equal("OData.Virtualization.Requests", json.RootElement.GetProperty("Category").GetString());
            Assert.Equal("Information", json.RootElement.GetProperty("LogLevel").GetString());
            var state = json.RootElement.GetProperty("State");
            Assert.Equal("GET", state.GetProperty("Method").GetString());
            Assert.Equal("erp_customers", state.GetProperty("EntitySet").GetString());
            Assert.Equal("odata", state.GetProperty("Profile").GetString());
            Assert.Equal(200, state.GetProperty("StatusCode").GetInt32());
            Assert.True(state.GetProperty("DurationMs").GetDouble() > 0, line);
            Assert.Equal("miss", state.GetProperty("CacheOutcome").GetString());
            Assert.Equal(2, state.GetProperty("Rows").GetInt64());
            Assert.Equal("anonymous", state.GetProperty("Principal").GetString());
            Assert.False(string.IsNullOrEmpty(state.GetProperty("RequestId").GetString()), line);
            Assert.Equal(traceId.ToHexString(), state.GetProperty("TraceId").GetString());

            // The statement at Debug (event 2000), with its placeholders; the value only ever in the request itself.
            await server.WaitForLineAsync(l => l.Contains("\"EventId\":2000", StringComparison.Ordinal) && l.Contains("customers", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
            Assert.DoesNotContain(server.Lines, l => l.Contains(Secret, StringComparison.Ordinal));

            // At the shipped levels a request is one line: the cache library's own lines (several per lookup at
            // Information) stay out, on a miss and on a hit (they once made up most of a busy server's console).
            using var again = await client.GetAsync($"erp_customers?$top=2&$filter=name ne '{Secret}'");
            Assert.Equal("HIT", again.Headers.GetValues("X-Cache").Single());
            await server.WaitForLineAsync(l => l.Contains("\"CacheOutcome\":\"hit\"", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
            Assert.DoesNotContain(server.Lines, l => l.Contains("ZiggyCreatures", StringComparison.Ordinal));

            // A request that reads no rows (the service document, $metadata) has no rows field: not an empty "rows ;".
            foreach (var (target, set) in new[] { (string.Empty, "$service"), ("$metadata", "$metadata") })
            {
                using var noRows = await client.GetAsync(target);
                Assert.True(noRows.IsSuccessStatusCode, $"{target}: {(int)noRows.StatusCode}");
                var logged = await server.WaitForLineAsync(l => l.Contains($"\"EntitySet\":\"{set}\"", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
                using var entry = JsonDocument.Parse(logged);
                Assert.Equal(2010, entry.RootElement.GetProperty("EventId").GetInt32());
                Assert.Matches(WithoutRows(), entry.RootElement.GetProperty("Message").GetString());
                Assert.False(entry.RootElement.GetProperty("State").TryGetProperty("Rows", out _), logged);
            }
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"OData Virtualization is serving (http://127\.0\.0\.1:\d+/odata/)")]
    private static partial Regex Serving();

    /// <summary>Every field with a value: method, set, profile, status, duration, cache, principal, request, trace.</summary>
    [GeneratedRegex(@"^GET \$(service|metadata) \(odata\) 200 in [0-9.]+ ms; cache none; principal anonymous; request \S+; trace [0-9a-f]{32}$")]
    private static partial Regex WithoutRows();
}
