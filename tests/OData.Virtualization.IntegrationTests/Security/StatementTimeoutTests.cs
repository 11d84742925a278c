using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// What one request may cost the database: a statement over the timeout is cancelled in PostgreSQL itself (seen in
/// <c>pg_stat_activity</c> from an admin connection) and the client gets a 503/504 OData error; a request over the
/// request timeout has its SQL cancelled too; a client that hangs up frees its connection.
/// </summary>
public sealed class StatementTimeoutTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>A full scan of the 1,000,000 transactions with expensive text functions on every row: seconds of work.</summary>
    // Slow on any machine: about 3 s of CPU in PostgreSQL even on a quiet 2-core machine (non-NULL columns, so no
    // function short-circuits on NULL), against the 1 s timeouts below — the cut never depends on load.
    private const string SlowQuery = "transactions?$filter=contains(tolower(toupper(tolower(toupper(tolower(toupper(tolower(toupper(tolower(toupper(tolower(toupper(concat(concat(concat(concat(concat(concat(concat(iban,category),iban),category),iban),category),iban),category))))))))))))),'zzzz')&$count=true&$top=1";

    [Fact]
    public async Task StatementOverTheTimeout_IsCancelledInTheDatabaseWithinTimeoutPlusOneSecond_AndAnswers504()
    {
        const string application = "odv-security-timeout";
        await using var server = await StartAsync(application, s => s["OData:Sources:bank:CommandTimeoutSeconds"] = "1");
        await using var monitor = await ActivityMonitor.StartAsync(application);
        var watch = Stopwatch.StartNew();
        var (response, body) = await server.Client.SendAsync(HttpMethod.Get, SlowQuery);
        watch.Stop();
        using (response)
        {
            Assert.True(response.StatusCode is HttpStatusCode.GatewayTimeout or HttpStatusCode.ServiceUnavailable, $"expected 503/504, got {(int)response.StatusCode}: {body}");
            ODataAssert.AssertError(response, body, response.StatusCode, "the slow query");
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        var report = await monitor.StopAsync();
        output.WriteLine($"{(int)response.StatusCode} after {watch.Elapsed.TotalSeconds:F2} s; the longest statement ran {report.LongestSeconds:F2} s");
        Assert.True(report.SeenActive, "the slow statement was never seen running: the test proves nothing");
        Assert.True(report.LongestSeconds < 2.0, $"a statement ran {report.LongestSeconds:F2} s: more than the 1 s timeout + 1 s");
        Assert.Equal(0, report.ActiveAtEnd);
        // Once: a statement that ran out of time is not retried (that would only repeat its cost).
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"the 504 took {watch.Elapsed.TotalSeconds:F1} s for a 1 s statement timeout");
    }

    [Fact]
    public async Task SlowQueriesOfOneClient_AreNotRetried_AndDoNotMakeTheSourceUnavailableForOthers()
    {
        // The circuit breaker is for a failing source. A client's own queries running past the timeout are not the
        // source failing: retrying them repeats their cost, and counting them lets one client shut the source for
        // everyone. The relay's lag makes the client's command timeout fire first (Npgsql's TimeoutException path,
        // which otherwise races with PostgreSQL's own statement-timeout error).
        const string application = "odv-security-breaker";
        var cluster = await PostgresCluster.GetAsync();
        await using var relay = new TcpRelay(cluster.Admin.Host!, cluster.Admin.Port);
        await using var server = await StartAsync(application, s =>
        {
            s["OData:Sources:bank:ConnectionString"] = new NpgsqlConnectionStringBuilder(cluster.ConnectionString("bank")) { Port = relay.Port, ApplicationName = application }.ConnectionString;
            s["OData:Sources:bank:CommandTimeoutSeconds"] = "1";
            // Nothing else through the lagging relay while the slow queries are timed: no schema-change listener and
            // no scheduled refresh (each would run catalog queries at 700 ms a round trip and hold the source's
            // connections; a clean-clone run once measured 5.3 s for one attempt that way).
            s["OData:Refresh:NotifyChannel"] = string.Empty;
            s["OData:Refresh:IntervalSeconds"] = "0";
        });
        Assert.Equal(20000, await server.Client.GetCountAsync("accounts/$count"));

        relay.Lag = TimeSpan.FromMilliseconds(700);
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            var (response, body) = await server.Client.SendAsync(HttpMethod.Get, SlowQuery);
            using (response)
            {
                output.WriteLine($"slow query {i + 1}: {(int)response.StatusCode} after {watch.Elapsed.TotalSeconds:F2} s");
                ODataAssert.AssertError(response, body, HttpStatusCode.GatewayTimeout, $"slow query {i + 1}");
                // One attempt takes 2.4–4 s here (1 s timeout, the lag on the answers), up to 5.6 s when it must open a
                // connection through the lagging relay (measured on a clean clone, before and after the 2026-12-07
                // merges: 5.04 s and 5.57 s failed a 5 s bound); three (two retries, with their backoff) take 7.5 s or more.
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(7), $"slow query {i + 1} took {watch.Elapsed.TotalSeconds:F1} s: was it retried?");
            }
        }

        relay.Lag = TimeSpan.Zero;
        Assert.Equal(20000, await server.Client.GetCountAsync("accounts/$count"));
        Assert.Equal(1000, (await server.Client.GetValuesAsync("transactions?$top=1000&$select=transaction_id")).Count);
    }

    [Fact]
    public async Task RequestOverTheRequestTimeout_CancelsItsSql_AndAnswers504()
    {
        const string application = "odv-security-request-timeout";
        await using var server = await StartAsync(application, s => s["OData:Limits:RequestTimeoutSeconds"] = "1");
        await using var monitor = await ActivityMonitor.StartAsync(application);
        var (response, body) = await server.Client.SendAsync(HttpMethod.Get, SlowQuery);
        using (response)
        {
            ODataAssert.AssertError(response, body, HttpStatusCode.GatewayTimeout, "the slow query");
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        var report = await monitor.StopAsync();
        Assert.True(report.SeenActive, "the slow statement was never seen running: the test proves nothing");
        Assert.True(report.LongestSeconds < 2.0, $"a statement ran {report.LongestSeconds:F2} s: more than the 1 s request timeout + 1 s");
        Assert.Equal(0, report.ActiveAtEnd);
    }

    [Fact]
    public async Task BatchOverTheRequestTimeout_AnswersTheRunningPart504_AndCancelsItsSql()
    {
        // A batch has one request's time (decision 85): the part running when it ends is a 504, its SQL cancelled.
        const string application = "odv-security-batch-timeout";
        await using var server = await StartAsync(application, s => s["OData:Limits:RequestTimeoutSeconds"] = "1");
        await using var monitor = await ActivityMonitor.StartAsync(application);
        var clock = Stopwatch.StartNew();
        var (response, body) = await BatchClient.PostAsync(server.Client, BatchClient.JsonGets("accounts/$count", SlowQuery), "application/json", headers: ("Prefer", "odata.continue-on-error"));
        using (response)
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            var parts = BatchClient.Read(response, body);
            Assert.Equal([200, 504], parts.Select(p => p.Status));
            Assert.Contains("longer than 1 ", JsonDocument.Parse(parts[1].Body).RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the batch took {clock.Elapsed.TotalSeconds:F1} s");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var report = await monitor.StopAsync();
        Assert.True(report.SeenActive, "the slow statement was never seen running: the test proves nothing");
        Assert.Equal(0, report.ActiveAtEnd);
    }

    [Fact]
    public async Task ClientThatDisconnectsMidQuery_FreesItsConnection()
    {
        const string application = "odv-security-disconnect";
        var total = Stopwatch.StartNew();
        await using var server = await StartAsync(application, _ => { }, kestrel: true);
        output.WriteLine($"started in {total.Elapsed.TotalSeconds:F1} s");
        await using var monitor = await ActivityMonitor.StartAsync(application);
        using var cancel = new CancellationTokenSource();
        var request = server.Client.GetAsync(SlowQuery, cancel.Token);

        // Hang up 200 ms after the statement is running in the database.
        var running = Stopwatch.StartNew();
        while (!monitor.SeenActive && running.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(20);
        }

        Assert.True(monitor.SeenActive, "the slow statement never started");
        output.WriteLine($"running after {total.Elapsed.TotalSeconds:F1} s");
        await Task.Delay(200);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        var hungUp = Stopwatch.StartNew();
        while (await ActivityMonitor.ActiveCountAsync(application) > 0 && hungUp.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        var freedAfter = hungUp.Elapsed;
        output.WriteLine($"freed {freedAfter.TotalSeconds:F2} s after the hang-up, {total.Elapsed.TotalSeconds:F1} s in");
        Assert.True(freedAfter < TimeSpan.FromSeconds(2), $"the statement kept running {freedAfter.TotalSeconds:F1} s after the client hung up");
        await monitor.StopAsync();

        // The connection went back to the pool: the server keeps answering.
        Assert.Equal(20000, await server.Client.GetCountAsync("accounts/$count"));
        output.WriteLine($"done after {total.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task<InProcessServer> StartAsync(string application, Action<Dictionary<string, string?>> change, bool kestrel = false)
    {
        var cluster = await PostgresCluster.GetAsync();
        var connection = new NpgsqlConnectionStringBuilder(cluster.ConnectionString("bank")) { ApplicationName = application }.ConnectionString;
        var settings = new Dictionary<string, string?>
        {
            ["OData:Sources:bank:Provider"] = "PostgreSQL",
            ["OData:Sources:bank:ConnectionString"] = connection,
            ["OData:Cache:DefaultTtlSeconds"] = "0",
        };
        change(settings);
        if (!kestrel)
        {
            return InProcessServer.Start(settings);
        }

        var server = new InProcessServer(settings);
        server.StartKestrel();
        return server;
    }

    /// <summary>Watches <c>pg_stat_activity</c> from an admin connection for the active statements of one application name.</summary>
    private sealed class ActivityMonitor : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly string _application;
        private Task? _loop;
        private double _longest;
        private volatile bool _seen;

        private ActivityMonitor(string application) => _application = application;

        public bool SeenActive => _seen;

        public static async Task<ActivityMonitor> StartAsync(string application)
        {
            var monitor = new ActivityMonitor(application);
            Assert.Equal(0, await ActiveCountAsync(application)); // nothing of this application runs yet
            monitor._loop = monitor.RunAsync(monitor._stop.Token);
            return monitor;
        }

        public async Task<(bool SeenActive, double LongestSeconds, long ActiveAtEnd)> StopAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _loop!;
            }
            catch (OperationCanceledException)
            {
                // stopped
            }

            return (_seen, _longest, await ActiveCountAsync(_application));
        }

        public static async Task<long> ActiveCountAsync(string application)
        {
            await using var connection = await OpenAdminAsync(CancellationToken.None);
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = application });
            return (long)(await command.ExecuteScalarAsync())!;
        }

        private static async Task<NpgsqlConnection> OpenAdminAsync(CancellationToken cancellationToken)
        {
            var cluster = await PostgresCluster.GetAsync();
            var admin = new NpgsqlConnectionStringBuilder(cluster.Admin.ConnectionString) { ApplicationName = "odv-security-monitor", Pooling = false };
            var connection = new NpgsqlConnection(admin.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            return connection;
        }

        private async Task RunAsync(CancellationToken cancellationToken)
        {
            await using var connection = await OpenAdminAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                "SELECT count(*), coalesce(max(extract(epoch FROM clock_timestamp() - query_start)), 0)::float8 FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'",
                connection);
            command.Parameters.Add(new NpgsqlParameter { Value = _application });
            while (!cancellationToken.IsCancellationRequested)
            {
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    await reader.ReadAsync(cancellationToken);
                    if (reader.GetInt64(0) > 0)
                    {
                        _seen = true;
                        _longest = Math.Max(_longest, reader.GetDouble(1));
                    }
                }

                await Task.Delay(25, cancellationToken);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await StopAsync();
            }

            _stop.Dispose();
        }

        public override string ToString() => _longest.ToString("F2", CultureInfo.InvariantCulture);
    }
}
