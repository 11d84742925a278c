using System.Net;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Execution;

/// <summary>
/// Connections go back to the pool without Npgsql's session reset (decision 53): nothing a request does may stay on the
/// session for the next one. The riskiest case is a client that hangs up while its read holds a transaction and a
/// cursor open (an <c>$expand</c> with paging off): the one pooled connection must come back usable, not in a transaction.
/// </summary>
public sealed class PooledSessionTests
{
    /// <summary>
    /// A statement that PostgreSQL refuses while planning it (a constant it folds fails: a negative substring length)
    /// leaves Npgsql's automatically prepared copy of that text without its row description; without forgetting the
    /// session's prepared statements after a failure (decision 90), the next request with the same text and valid values
    /// on that connection was a 500 ("unexpected backend message DataRow"), which the function fuzz met in CI.
    /// </summary>
    [Fact]
    public async Task AStatementThatFailsWhilePlanned_DoesNotBreakTheNextRequestOnTheSession()
    {
        var cluster = await PostgresCluster.GetAsync();
        var settings = InProcessServer.PostgresSettings("erp", cluster.ConnectionString("erp"));
        settings["OData:Refresh:NotifyChannel"] = string.Empty;
        settings["OData:Refresh:IntervalSeconds"] = "0";
        settings["OData:Sources:erp:MaxConcurrentQueries"] = "1"; // one connection: every request gets the same session
        settings["OData:Sources:erp:CacheTtlSeconds"] = "0";
        await using var server = new InProcessServer(settings);
        var client = server.Client;

        // The same statement text each time (literals are parameters); the second use prepares it, and fails.
        foreach (var (length, expected) in new[] { (2, HttpStatusCode.OK), (-1, HttpStatusCode.BadRequest), (2, HttpStatusCode.OK), (-1, HttpStatusCode.BadRequest), (2, HttpStatusCode.OK), (2, HttpStatusCode.OK) })
        {
            using var response = await client.GetAsync($"warehouses?$orderby=substring('abc',1,{length})&$top=1&$select=warehouse_code");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"substring length {length}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        }
    }

    [Fact]
    public async Task ClientGoneInsideACursorTransaction_TheOneConnectionComesBackClean()
    {
        var cluster = await PostgresCluster.GetAsync();
        var application = "odv-session-" + Guid.NewGuid().ToString("N")[..8];
        var settings = InProcessServer.PostgresSettings("erp", cluster.ConnectionString("erp") + ";Application Name=" + application);
        settings["OData:Refresh:NotifyChannel"] = string.Empty;
        settings["OData:Refresh:IntervalSeconds"] = "0";
        settings["OData:Sources:erp:MaxConcurrentQueries"] = "1"; // one connection: the next request gets the same session
        settings["OData:Sources:erp:CacheTtlSeconds"] = "0";
        settings["OData:Paging:MaxPageSize"] = "0";
        await using var server = new InProcessServer(settings);
        var root = server.StartKestrel(); // a real socket: the client's hang-up reaches the server as it would in production
        using var client = new HttpClient { BaseAddress = new Uri(root, "odata/") };

        for (var i = 0; i < 3; i++)
        {
            // The parents stream through a cursor in a transaction; hang up after the first bytes.
            using (var gone = await client.GetAsync("customers?$select=customer_id&$expand=sales_orders($select=order_id)", HttpCompletionOption.ResponseHeadersRead))
            {
                Assert.Equal(HttpStatusCode.OK, gone.StatusCode);
                await using var stream = await gone.Content.ReadAsStreamAsync();
                await stream.ReadExactlyAsync(new byte[64]);
            }

            using var next = await client.GetAsync("customers?$select=customer_id&$top=3&$orderby=customer_id");
            var body = await next.Content.ReadAsStringAsync();
            Assert.True(next.StatusCode == HttpStatusCode.OK, body);
        }

        await using var connection = new NpgsqlConnection(cluster.ConnectionString("erp"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT state, backend_xid IS NULL AND backend_xmin IS NULL FROM pg_stat_activity WHERE application_name = $1", connection)
        {
            Parameters = { new() { Value = application } },
        };
        var sessions = new List<(string State, bool NoSnapshot)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                sessions.Add((reader.GetString(0), reader.GetBoolean(1)));
            }
        }

        var session = Assert.Single(sessions);
        Assert.Equal("idle", session.State); // not "idle in transaction": nothing holds a snapshot or a cursor
        Assert.True(session.NoSnapshot);
    }

    [Fact]
    public async Task PooledConnectionsKilledByTheServer_EveryKindOfReadStillAnswers()
    {
        // A statement that fails on a connection that died in the pool (a restart, a DBA's pg_terminate_backend, a
        // firewall) is sent again through the source's pipeline: the client never sees it.
        var cluster = await PostgresCluster.GetAsync();
        var application = "odv-killed-" + Guid.NewGuid().ToString("N")[..8];
        var settings = InProcessServer.PostgresSettings("erp", cluster.ConnectionString("erp") + ";Application Name=" + application);
        settings["OData:Refresh:NotifyChannel"] = string.Empty;
        settings["OData:Refresh:IntervalSeconds"] = "0";
        settings["OData:Sources:erp:CacheTtlSeconds"] = "0";
        await using var server = InProcessServer.Start(settings);
        string[] reads = ["customers(1)", "customers?$top=3&$orderby=customer_id", "customers/$count", "customers?$top=2&$count=true&$expand=sales_orders($top=1)"];
        foreach (var read in reads)
        {
            Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync(read)).StatusCode);
        }

        for (var round = 0; round < 2; round++)
        {
            await using (var connection = new NpgsqlConnection(cluster.ConnectionString("erp")))
            {
                await connection.OpenAsync();
                await using var kill = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", connection)
                {
                    Parameters = { new() { Value = application } },
                };
                Assert.True((long)(await kill.ExecuteScalarAsync())! >= 1, "the server's pooled connections were killed");
            }

            foreach (var read in reads)
            {
                using var response = await server.Client.GetAsync(read);
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{read} after the kill: {(int)response.StatusCode} {body}");
            }
        }
    }
}
