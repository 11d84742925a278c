using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OData.Virtualization.Execution;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Execution;

/// <summary>
/// Issue 17: a first page with <c>$count=true</c> is read in the cheaper of two shapes, chosen from PostgreSQL's estimates
/// — the count beside the page (one scan) where the page cannot stop early, the two statements where an index lets it —
/// and either way the answer is exactly SQL's rows and count.
/// </summary>
public sealed class CountShapeTests
{
    public static TheoryData<string, string, string, string> Shapes => new()
    {
        // An unindexed filter ordered by an unindexed column: every matching row must be read and sorted anyway.
        { "windowed", "transactions?$select=transaction_id&$filter=category eq 'fees'&$orderby=amount desc,transaction_id&$top=26&$count=true", "category = 'fees'", "amount DESC, transaction_id" },
        // The same filter ordered by an indexed date: PostgreSQL expects the index to find 26 fees soon, and the count
        // is a scan of its own either way.
        { "separate", "transactions?$select=transaction_id&$filter=category eq 'fees' and amount gt 900&$orderby=booked_at desc,transaction_id&$top=26&$count=true", "category = 'fees' AND amount > 900", "booked_at DESC, transaction_id" },
        // No filter, ordered by the key: the page stops after 26 rows of the primary key's index.
        { "separate", "transactions?$select=transaction_id&$orderby=transaction_id&$top=26&$count=true", "true", "transaction_id" },
        // Nothing matches: no row, and a count of 0.
        { "windowed", "transactions?$select=transaction_id&$filter=category eq 'no such category'&$orderby=booked_at&$top=26&$count=true", "category = 'no such category'", "booked_at, transaction_id" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task FirstPageWithCount_IsReadInTheCheaperShape_AndIsExactlySqlsRowsAndCount(string shape, string url, string where, string orderBy)
    {
        var cluster = await PostgresCluster.GetAsync();
        var settings = InProcessServer.PostgresSettings("bank", cluster.ConnectionString("bank"));
        settings["OData:Cache:DefaultTtlSeconds"] = "0";
        settings["OData:Refresh:NotifyChannel"] = string.Empty;
        settings["OData:Refresh:IntervalSeconds"] = "0";
        await using var server = InProcessServer.Start(settings);

        using var response = await server.Client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        var served = json.RootElement.GetProperty("value").EnumerateArray().Select(r => r.GetProperty("transaction_id").GetInt64()).ToList();
        var count = json.RootElement.GetProperty("@odata.count").GetInt64();

        await using var connection = new NpgsqlConnection(cluster.ConnectionString("bank"));
        await connection.OpenAsync();
        await using (var total = new NpgsqlCommand($"SELECT count(*) FROM core.transactions WHERE {where}", connection))
        {
            Assert.Equal((long)(await total.ExecuteScalarAsync())!, count);
        }

        var expected = new List<long>();
        await using (var page = new NpgsqlCommand($"SELECT transaction_id FROM core.transactions WHERE {where} ORDER BY {orderBy} LIMIT 26", connection))
        await using (var reader = await page.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                expected.Add(reader.GetInt64(0));
            }
        }

        Assert.Equal(expected, served);
        var decided = server.Services.GetRequiredService<QueryExecutor>().Counts.Decided;
        Assert.Equal(shape == "windowed" ? (1, 0) : (0, 1), decided);

        // The choice is remembered: the same shape again asks no EXPLAIN and answers the same.
        using var again = await server.Client.GetAsync(url);
        Assert.Equal(body, await again.Content.ReadAsStringAsync());
        Assert.Equal(decided, server.Services.GetRequiredService<QueryExecutor>().Counts.Decided);
    }
}
