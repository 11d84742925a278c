using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Diagnostics;

/// <summary>
/// The real server process with the console switched to JSON the ASP.NET Core way
/// (<c>Logging__Console__FormatterName=json</c>): one JSON line per request with the request id, trace id (the caller's),
/// principal, entity set, profile, duration, status, cache outcome and rows; at Debug, the generated SQL without the
/// values bound to it.
/// </summary>
public sealed partial class RequestLogTests
{
    private const string Secret = "Zzz-secret-in-a-filter";

    [Fact]
    public async Task JsonConsole_OneLinePerRequest_WithItsFields_AndSqlAtDebugWithoutValues()
    {
        var data = Directory.CreateTempSubdirectory("odv-request-log-");
        var lines = new ConcurrentQueue<string>();
        using var process = Start(data.FullName, lines);
        try
        {
            var root = await WaitForAsync(lines, line => Serving().Match(line) is { Success: true } m ? m.Groups[1].Value : null, process, TimeSpan.FromSeconds(60));
            using var client = new HttpClient { BaseAddress = new Uri(root) };
            var traceId = ActivityTraceId.CreateRandom();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"erp_customers?$top=2&$filter=name ne '{Secret}'");
            request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
            using var response = await client.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");

            var line = await WaitForAsync(lines, l => l.Contains("\"EventId\":2010", StringComparison.Ordinal) ? l : null, process, TimeSpan.FromSeconds(10));
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
            await WaitForAsync(lines, l => l.Contains("\"EventId\":2000", StringComparison.Ordinal) && l.Contains("customers", StringComparison.Ordinal) ? l : null, process, TimeSpan.FromSeconds(5));
            Assert.DoesNotContain(lines, l => l.Contains(Secret, StringComparison.Ordinal));

            // At the shipped levels a request is one line: the cache library's own lines (several per lookup at
            // Information) stay out, on a miss and on a hit (they once made up most of a busy server's console).
            using var again = await client.GetAsync($"erp_customers?$top=2&$filter=name ne '{Secret}'");
            Assert.Equal("HIT", again.Headers.GetValues("X-Cache").Single());
            await WaitForAsync(lines, l => l.Contains("\"CacheOutcome\":\"hit\"", StringComparison.Ordinal) ? l : null, process, TimeSpan.FromSeconds(10));
            Assert.DoesNotContain(lines, l => l.Contains("ZiggyCreatures", StringComparison.Ordinal));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            data.Delete(recursive: true);
        }
    }

    private static Process Start(string dataDirectory, ConcurrentQueue<string> lines)
    {
        var start = LocalProcess.Server();
        LocalProcess.ClearServerConfiguration(start);

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["OData__DemoDataDirectory"] = dataDirectory;
        start.Environment["Logging__Console__FormatterName"] = "json";
        start.Environment["Logging__LogLevel__OData.Virtualization"] = "Debug";
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<string> WaitForAsync(ConcurrentQueue<string> lines, Func<string, string?> match, Process process, TimeSpan within)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < within)
        {
            foreach (var line in lines)
            {
                if (match(line) is { } found)
                {
                    return found;
                }
            }

            Assert.False(process.HasExited, "The server exited:" + Environment.NewLine + string.Join(Environment.NewLine, lines));
            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException($"Not within {within.TotalSeconds} s; the server wrote:{Environment.NewLine}{string.Join(Environment.NewLine, lines.TakeLast(40))}");
    }

    [GeneratedRegex(@"OData Virtualization is serving (http://127\.0\.0\.1:\d+/odata/)")]
    private static partial Regex Serving();
}
