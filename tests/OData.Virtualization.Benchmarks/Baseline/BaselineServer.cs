using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Npgsql;
using NpgsqlTypes;

namespace OData.Virtualization.Benchmarks.Baseline;

/// <summary>
/// The direct-SQL baseline: a minimal ASP.NET Core app on Kestrel (its own process, started by the benchmark) with
/// one endpoint per scenario. Each endpoint runs the SQL text our server emitted for the scenario's URL, through a
/// pooled <see cref="NpgsqlDataSource"/> with the same parameter values, and writes every column with a
/// <see cref="Utf8JsonWriter"/> in an OData-like <c>{"value":[…]}</c> shape. No parsing, no model, no planning:
/// what is left is the least any server must do to answer the same request.
/// </summary>
internal static class BaselineServer
{
    public const string ReadyPath = "/baseline/ready";

    private const int FlushThreshold = 32 * 1024;

    private const string JsonContentType = "application/json;odata.metadata=minimal";

    private static readonly JsonWriterOptions s_jsonOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static async Task<int> RunAsync(string planFile, string[] hostArgs)
    {
        var plan = JsonSerializer.Deserialize<BaselinePlan>(await File.ReadAllTextAsync(planFile))
            ?? throw new InvalidOperationException($"'{planFile}' holds no baseline plan.");
        var builder = WebApplication.CreateBuilder(hostArgs);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        await using var dataSource = new NpgsqlDataSourceBuilder(plan.ConnectionString).Build();

        var app = builder.Build();
        string Sql(Scenario scenario, int index) => plan.Sql[scenario.Id][index];

        app.MapGet(ReadyPath, () => "ready");
        app.MapGet("/baseline/" + Workload.Point.Id, context => PointAsync(context, dataSource, Sql(Workload.Point, 0)));
        app.MapGet("/baseline/" + Workload.FilteredPage.Id, context => FilteredPageAsync(context, dataSource, Sql(Workload.FilteredPage, 0), Sql(Workload.FilteredPage, 1)));
        app.MapGet("/baseline/" + Workload.LargePageScenario.Id, context => PageAsync(context, dataSource, Sql(Workload.LargePageScenario, 0), Workload.LargePage));
        app.MapGet("/baseline/" + Workload.FilteredPage.Id + "-nocount", context => PageAsync(context, dataSource, Sql(Workload.FilteredPage, 1), Workload.SmallPage, Workload.BusyIban));
        app.MapGet("/baseline/" + Workload.RangeCount.Id, context => CountAsync(context, dataSource, Sql(Workload.RangeCount, 0)));
        app.MapGet("/baseline/" + Workload.Expand.Id, context => ExpandAsync(context, dataSource, Sql(Workload.Expand, 0), Sql(Workload.Expand, 1)));
        if (plan.Sql.ContainsKey(Workload.FullTable.Id))
        {
            app.MapGet("/baseline/" + Workload.FullTable.Id, context => PageAsync(context, dataSource, Sql(Workload.FullTable, 0), top: null));
        }

        await app.RunAsync();
        return 0;
    }

    private static async Task PointAsync(HttpContext context, NpgsqlDataSource dataSource, string sql)
    {
        var ct = context.RequestAborted;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = Workload.PointKey } } };
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var columns = RowWriter.For(reader);
        var pipe = StartJson(context);
        using var writer = new Utf8JsonWriter(pipe, s_jsonOptions);
        writer.WriteStartObject();
        writer.WriteString("@odata.context", ServiceRoot(context) + "$metadata#transactions/$entity");
        columns.WriteProperties(writer, reader);
        writer.WriteEndObject();
        await FlushAsync(writer, pipe, ct);
    }

    private static async Task FilteredPageAsync(HttpContext context, NpgsqlDataSource dataSource, string countSql, string pageSql)
    {
        // Count and page in one round trip, as a careful hand-written endpoint would do it.
        var ct = context.RequestAborted;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(countSql) { Parameters = { new() { Value = Workload.BusyIban, NpgsqlDbType = NpgsqlDbType.Text } } },
                new NpgsqlBatchCommand(pageSql)
                {
                    Parameters = { new() { Value = Workload.BusyIban, NpgsqlDbType = NpgsqlDbType.Text }, new() { Value = Workload.SmallPage } },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var count = reader.GetInt64(0);
        await reader.NextResultAsync(ct);
        await WriteCollectionAsync(context, reader, "transactions", count, ct);
    }

    private static async Task PageAsync(HttpContext context, NpgsqlDataSource dataSource, string sql, long? top, string? iban = null)
    {
        var ct = context.RequestAborted;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        if (iban is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = iban, NpgsqlDbType = NpgsqlDbType.Text });
        }

        if (top is { } limit)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = limit });
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        await WriteCollectionAsync(context, reader, "transactions", count: null, ct);
    }

    private static async Task CountAsync(HttpContext context, NpgsqlDataSource dataSource, string sql)
    {
        var ct = context.RequestAborted;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection)
        {
            Parameters = { new() { Value = Workload.RangeFrom }, new() { Value = Workload.RangeTo } },
        };
        var count = (long)(await command.ExecuteScalarAsync(ct))!;
        context.Response.ContentType = "text/plain;charset=utf-8";
        await context.Response.WriteAsync(count.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
    }

    private static async Task ExpandAsync(HttpContext context, NpgsqlDataSource dataSource, string parentSql, string childSql)
    {
        // Parents first (buffered: each needs its children before it can be written), then one statement for the
        // children of all of them, grouped by the join column in memory.
        var ct = context.RequestAborted;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        RowWriter parentColumns;
        var parents = new List<object?[]>((int)Workload.Parents);
        int parentKey;
        await using (var command = new NpgsqlCommand(parentSql, connection) { Parameters = { new() { Value = Workload.Parents } } })
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            parentColumns = RowWriter.For(reader);
            parentKey = parentColumns.Ordinal("iban");
            while (await reader.ReadAsync(ct))
            {
                parents.Add(parentColumns.ReadRow(reader));
            }
        }

        var keys = parents.Select(p => (string)p[parentKey]!).ToArray();
        RowWriter? childColumns = null;
        var children = new Dictionary<string, List<object?[]>>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(childSql, connection)
        {
            Parameters = { new() { Value = keys }, new() { Value = 0L }, new() { Value = Workload.ChildrenPerParent } },
        })
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            childColumns = RowWriter.For(reader);
            var childKey = childColumns.Ordinal("iban");
            while (await reader.ReadAsync(ct))
            {
                var row = childColumns.ReadRow(reader);
                var key = (string)row[childKey]!;
                if (!children.TryGetValue(key, out var list))
                {
                    children[key] = list = [];
                }

                list.Add(row);
            }
        }

        var pipe = StartJson(context);
        using var writer = new Utf8JsonWriter(pipe, s_jsonOptions);
        writer.WriteStartObject();
        writer.WriteString("@odata.context", ServiceRoot(context) + "$metadata#accounts");
        writer.WriteStartArray("value");
        foreach (var parent in parents)
        {
            writer.WriteStartObject();
            parentColumns.WriteProperties(writer, parent);
            writer.WriteStartArray("transactions");
            if (children.TryGetValue((string)parent[parentKey]!, out var rows))
            {
                foreach (var row in rows)
                {
                    writer.WriteStartObject();
                    childColumns.WriteProperties(writer, row);
                    writer.WriteEndObject();
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await FlushAsync(writer, pipe, ct);
    }

    private static async Task WriteCollectionAsync(HttpContext context, NpgsqlDataReader reader, string entitySet, long? count, CancellationToken ct)
    {
        var columns = RowWriter.For(reader);
        var pipe = StartJson(context);
        using var writer = new Utf8JsonWriter(pipe, s_jsonOptions);
        writer.WriteStartObject();
        writer.WriteString("@odata.context", ServiceRoot(context) + "$metadata#" + entitySet);
        if (count is { } total)
        {
            writer.WriteNumber("@odata.count", total);
        }

        writer.WriteStartArray("value");
        long flushed = 0;
        while (await reader.ReadAsync(ct))
        {
            writer.WriteStartObject();
            columns.WriteProperties(writer, reader);
            writer.WriteEndObject();
            // Over a PipeWriter the writer commits full segments itself (BytesPending stays under 4 KB) and committed
            // but unflushed bytes get no back-pressure: count what was written since the last flush.
            if (writer.BytesCommitted + writer.BytesPending - flushed > FlushThreshold)
            {
                await FlushAsync(writer, pipe, ct);
                flushed = writer.BytesCommitted;
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await FlushAsync(writer, pipe, ct);
    }

    private static PipeWriter StartJson(HttpContext context)
    {
        context.Response.ContentType = JsonContentType;
        context.Response.Headers["OData-Version"] = "4.0";
        return context.Response.BodyWriter;
    }

    private static string ServiceRoot(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}/odata/";

    private static async ValueTask FlushAsync(Utf8JsonWriter writer, PipeWriter pipe, CancellationToken ct)
    {
        writer.Flush();
        await pipe.FlushAsync(ct);
    }
}

/// <summary>What the baseline process needs: where the bank database is and the SQL texts per scenario id.</summary>
internal sealed record BaselinePlan(string ConnectionString, Dictionary<string, string[]> Sql);
