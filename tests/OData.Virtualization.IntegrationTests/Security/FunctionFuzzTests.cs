using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.Hosting;
using OData.Virtualization.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// The systematic fuzz (<see cref="FunctionFuzzCases"/>): every function the URI parser accepts, with every literal type
/// and a property of every published column type, in <c>$filter</c>, <c>$orderby</c>, <c>$select</c> and <c>$search</c>,
/// on both dialects. Whatever the parser accepts, the answer is a 200 or an OData error the client can act on: a 4xx,
/// or a 501 naming what this service does not have. Never a 500, 502, 503 or 504, and never the database's own words.
/// </summary>
public abstract class FunctionFuzzTests(ServerFixture fixture, ITestOutputHelper output)
{
    /// <summary>Words only a database or a stack trace would put in a body (the fuzz's literals contain none of them).</summary>
    private static readonly string[] s_leaks =
    [
        "Npgsql", "SQLite Error", "SqliteException", "PostgresException", "ERROR:", "SQLSTATE", "syntax error at", "   at ",
        "Exception", "invalid input syntax", "out of range for type", "operator does not exist", ") does not exist", "HINT", "DETAIL",
        "could not evaluate the query:",
    ];

    [Fact]
    public async Task EveryFunctionAndLiteralTypeAndPropertyType_IsAnsweredWithoutA5xxOrTheDatabasesWords()
    {
        // A server of its own, its log kept: a 5xx is reported with the exception the server logged for it.
        var log = new OData.Virtualization.IntegrationTests.Errors.LogCapture();
        await using var server = await fixture.StartAnotherAsync(
            settings =>
            {
                settings["OData:Cache:DefaultTtlSeconds"] = "0";
                settings["OData:Limits:RequestsPerMinute"] = "0";
                settings["OData:Limits:ConcurrentRequests"] = "0";
            },
            log: log);
        server.StartServer();
        var client = server.Client;
        var model = server.Services.GetRequiredService<ModelHost>().Current;
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var set in model.Sets.Keys)
        {
            rows[set] = await client.GetCountAsync(Uri.EscapeDataString(set) + "/$count");
        }

        // Literal-only expressions run on the smallest set with rows: they are about binding, not scanning.
        var home = rows.Where(r => r.Value > 0).OrderBy(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).First().Key;
        var cases = FunctionFuzzCases.All(model, rows, home);
        var keys = model.Sets.ToDictionary(s => s.Key, s => string.Join(",", s.Value.Key.Select(k => k.PropertyName)), StringComparer.Ordinal);

        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var answered = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (fuzz, cancellationToken) =>
        {
            // $top=1: the fuzz is about what the statement is, not how many rows it reads.
            var url = $"{fuzz.Set}?{fuzz.Query}&$top=1" + (fuzz.Query.StartsWith("$select=", StringComparison.Ordinal) ? string.Empty : "&$select=" + keys[fuzz.Set]);
            HttpResponseMessage response;
            string body;
            try
            {
                response = await client.GetAsync(url, cancellationToken);
                body = await response.Content.ReadAsStringAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
            {
                // The server cut the response after its headers: a failure while writing rows.
                failures.Enqueue($"aborted GET {Uri.UnescapeDataString(url)}{Environment.NewLine}    {ex.Message}{LoggedMidStream(log)}");
                return;
            }

            using var _ = response;
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (status == 200)
            {
                answered.AddOrUpdate(fuzz.Family, 1, (_, n) => n + 1);
            }

            var problem = Check(status, body, response);
            if (problem is not null)
            {
                failures.Enqueue($"{status} GET {Uri.UnescapeDataString(url)}{Environment.NewLine}    {problem}{Logged(log, body)}");
            }
        });

        output.WriteLine($"{fixture.Dialect}: {cases.Count} requests in {watch.Elapsed.TotalSeconds:F1} s; {FunctionFuzzCases.BuiltInFunctions().Count} built-in functions and {FunctionFuzzCases.ExtraFunctions.Length} others, {FunctionFuzzCases.Literals.Length} literals, {FunctionFuzzCases.PropertyOfEveryType(model, rows).Count} property types (home set {home}).");
        output.WriteLine("Statuses: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} × {s.Value}")));
        output.WriteLine("Answered 200 per family: " + string.Join(", ", answered.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key} {a.Value}")));
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Count} requests were answered badly:{Environment.NewLine}" + string.Join(Environment.NewLine, failures.Order(StringComparer.Ordinal).Take(60)));
        Assert.True(statuses.GetValueOrDefault(200) > cases.Count / 10, "too few requests were answered: the fuzz does not reach the database");
    }

    /// <summary>The last exceptions the server logged for responses it cut mid-stream.</summary>
    private static string LoggedMidStream(OData.Virtualization.IntegrationTests.Errors.LogCapture log)
    {
        var lines = log.Exceptions.TakeLast(1).Select(l => l.Exception.ToString()).ToList();
        return lines.Count == 0 ? string.Empty : Environment.NewLine + "    logged: " + string.Join(Environment.NewLine, lines);
    }

    /// <summary>What the server logged at Error or above for the request id a 500's body quotes (its exception whole, with the stack trace).</summary>
    private static string Logged(OData.Virtualization.IntegrationTests.Errors.LogCapture log, string body)
    {
        var id = System.Text.RegularExpressions.Regex.Match(body, "request id '([^']+)'").Groups[1].Value;
        var lines = id.Length == 0 ? [] : log.Exceptions.Where(l => l.Message.Contains(id, StringComparison.Ordinal)).Select(l => l.Exception.ToString()).ToList();
        return lines.Count == 0 ? string.Empty : Environment.NewLine + "    logged: " + string.Join(Environment.NewLine + "    logged: ", lines);
    }

    private static string? Check(int status, string body, HttpResponseMessage response)
    {
        if (status >= 500 && status != 501)
        {
            return "a 5xx: " + ODataAssert.Shorten(body);
        }

        if (status != 200 && status is not (>= 400 and < 500) and not 501)
        {
            return "neither a 200 nor an error a client can act on";
        }

        // The request and trace ids are random letters ("0HNQKFJ5KHINT" once matched "HINT"): what leaks is the rest.
        var words = System.Text.RegularExpressions.Regex.Replace(body, "\"(requestId|traceId)\":\"[^\"]*\"|request id '[^']*'", string.Empty);
        foreach (var leak in s_leaks)
        {
            if (status != 200 && words.Contains(leak, StringComparison.Ordinal))
            {
                return $"the body has '{leak}': {ODataAssert.Shorten(body)}";
            }
        }

        if (status == 200)
        {
            return null;
        }

        try
        {
            var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
            if (string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()) || response.Content.Headers.ContentType?.MediaType != "application/json")
            {
                return "an error without a message: " + ODataAssert.Shorten(body);
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"not an OData error ({ex.Message}): {ODataAssert.Shorten(body)}";
        }

        return status == 501 && !body.Contains("not supported", StringComparison.OrdinalIgnoreCase) && !body.Contains("not implemented", StringComparison.OrdinalIgnoreCase)
            ? "a 501 that does not say what is not supported: " + ODataAssert.Shorten(body)
            : null;
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresFunctionFuzzTests(PostgresFixture fixture, ITestOutputHelper output) : FunctionFuzzTests(fixture, output);

[Collection(SqliteCollection.Name)]
public sealed class SqliteFunctionFuzzTests(SqliteFixture fixture, ITestOutputHelper output) : FunctionFuzzTests(fixture, output);

[Collection(MySql.MariaDbSeedCollection.Name)]
public sealed class MariaDbFunctionFuzzTests(MySql.MariaDbSeedFixture fixture, ITestOutputHelper output) : FunctionFuzzTests(fixture, output);
