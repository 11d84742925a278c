using System.Net;
using System.Text.Json;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Execution;

/// <summary>
/// A source's statement slots bound what it sees (docs/deploy.md): with <c>MaxConcurrentQueries=2</c>, the server never
/// holds more than two connections to it, whatever a request expands. Connections are counted where the operator would
/// count them, in PostgreSQL's <c>pg_stat_activity</c>, by the application name the test gives the source. The servers do
/// not refresh their schema meanwhile (<see cref="WithoutRefresh"/>).
/// </summary>
public sealed class ConnectionBudgetTests
{
    private static readonly string[] s_expandingRequests =
    [
        "sales_orders?$select=order_id&$expand=customer($select=name),order_lines($select=line_no;$expand=products($select=sku))&$top=40",
        "customers?$select=customer_id&$expand=sales_orders($select=order_id;$expand=order_lines($select=line_no))&$top=25",
        "sales_orders(5000000001)?$select=order_id&$expand=customer($select=name),order_lines($select=line_no;$expand=products($select=sku))",
        "customers?$select=customer_id&$filter=customer_id le 60&$expand=sales_orders($select=order_id)",
    ];

    [Fact]
    public async Task NestedExpand_ManyConcurrentRequests_NeverHoldMoreConnectionsThanTheSlots()
    {
        var cluster = await PostgresCluster.GetAsync();
        var application = "odv-budget-" + Guid.NewGuid().ToString("N")[..8];
        var settings = InProcessServer.PostgresSettings("erp", cluster.ConnectionString("erp") + ";Application Name=" + application);
        WithoutRefresh(settings);
        settings["OData:Sources:erp:MaxConcurrentQueries"] = "2";
        settings["OData:Sources:erp:MaxConcurrentQueriesPerPrincipal"] = "2"; // one (anonymous) principal may use both
        settings["OData:Sources:erp:CacheTtlSeconds"] = "0"; // every request reaches the source
        await using var server = InProcessServer.Start(settings);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("$metadata")).StatusCode);

        using var stop = new CancellationTokenSource();
        var observed = ObserveConnectionsAsync(cluster.ConnectionString("erp"), application, stop.Token);
        var statuses = await Task.WhenAll(Enumerable.Range(0, 48).Select(async i =>
        {
            using var response = await server.Client.GetAsync(s_expandingRequests[i % s_expandingRequests.Length]);
            var body = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, body);
        }));
        await stop.CancelAsync();
        var most = await observed;

        Assert.All(statuses, s => Assert.True(s.StatusCode == HttpStatusCode.OK, $"{s.StatusCode}: {s.body}"));
        Assert.InRange(most, 1, 2);
    }

    [Fact]
    public async Task ExpandWithPagingOff_ReadsParentsInBatchesOnOneConnection_EveryParentWithItsChildren()
    {
        // Paging off: 2,000 parents, more than are read whole, so the parents go through a server-side cursor and their
        // orders load between batches on the same connection.
        var cluster = await PostgresCluster.GetAsync();
        var application = "odv-cursor-" + Guid.NewGuid().ToString("N")[..8];
        var settings = InProcessServer.PostgresSettings("erp", cluster.ConnectionString("erp") + ";Application Name=" + application);
        WithoutRefresh(settings);
        settings["OData:Sources:erp:MaxConcurrentQueries"] = "1";
        settings["OData:Paging:MaxPageSize"] = "0";
        await using var server = InProcessServer.Start(settings);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("$metadata")).StatusCode);

        using var stop = new CancellationTokenSource();
        var observed = ObserveConnectionsAsync(cluster.ConnectionString("erp"), application, stop.Token);
        using var response = await server.Client.GetAsync("customers?$select=customer_id&$orderby=customer_id&$expand=sales_orders($select=order_id)");
        var body = await response.Content.ReadAsStringAsync();
        await stop.CancelAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.InRange(await observed, 1, 1);

        var expected = new Dictionary<long, HashSet<long>>();
        await using (var connection = new NpgsqlConnection(cluster.ConnectionString("erp")))
        {
            await connection.OpenAsync();
            await using (var customers = new NpgsqlCommand("SELECT customer_id FROM public.customers", connection))
            await using (var reader = await customers.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    expected[Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)] = [];
                }
            }

            await using var orders = new NpgsqlCommand("SELECT customer_id, order_id FROM sales.sales_orders WHERE customer_id IS NOT NULL", connection);
            await using var rows = await orders.ExecuteReaderAsync();
            while (await rows.ReadAsync())
            {
                expected[Convert.ToInt64(rows.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)].Add(Convert.ToInt64(rows.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        using var json = JsonDocument.Parse(body);
        Assert.False(json.RootElement.TryGetProperty("@odata.nextLink", out _));
        var served = json.RootElement.GetProperty("value").EnumerateArray().ToList();
        Assert.Equal(expected.Count, served.Count);
        var previous = long.MinValue;
        foreach (var customer in served)
        {
            var id = customer.GetProperty("customer_id").GetInt64();
            Assert.True(id > previous, "customers in key order, each once");
            previous = id;
            var orders = customer.GetProperty("sales_orders").EnumerateArray().Select(o => o.GetProperty("order_id").GetInt64()).ToHashSet();
            Assert.True(expected[id].SetEquals(orders), $"customer {id}: {orders.Count} orders served, {expected[id].Count} in the database");
        }
    }

    /// <summary>
    /// A schema refresh discovers on a pooled connection of the source outside the statement slots (it serves no request),
    /// and the schema-change listener asks for one as soon as it connects: on a loaded machine that was during the
    /// requests, and the count one too many.
    /// </summary>
    private static void WithoutRefresh(Dictionary<string, string?> settings)
    {
        settings["OData:Refresh:NotifyChannel"] = string.Empty;
        settings["OData:Refresh:IntervalSeconds"] = "0";
    }

    /// <summary>The most connections the application held at once, sampled until <paramref name="stop"/>.</summary>
    private static async Task<long> ObserveConnectionsAsync(string connectionString, string application, CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", connection) { Parameters = { new() { Value = application } } };
        long most = 0;
        do
        {
            most = Math.Max(most, (long)(await command.ExecuteScalarAsync(CancellationToken.None))!);
            await Task.Delay(5, CancellationToken.None);
        }
        while (!stop.IsCancellationRequested);

        // One last look: the pool keeps what it opened.
        return Math.Max(most, (long)(await command.ExecuteScalarAsync(CancellationToken.None))!);
    }
}
