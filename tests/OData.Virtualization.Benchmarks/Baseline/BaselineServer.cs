using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace OData.Virtualization.Benchmarks.Baseline;

/// <summary>
/// The baselines: a minimal ASP.NET Core app on Kestrel (its own process, started by the benchmark) with two endpoints
/// per scenario. <c>/baseline/{id}</c> runs the SQL text our server emitted for the scenario's URL
/// (<see cref="OurSqlBaseline"/>); <c>/hand/{id}</c> runs the statement a careful engineer would write by hand for the
/// same answer (<see cref="HandWritten"/>), prepared. Both write every column with a <see cref="Utf8JsonWriter"/> straight
/// into the response body in the OData JSON shape. No parsing, no model, no planning: what is left is the least any
/// server must do to answer the same request.
/// </summary>
internal static class BaselineServer
{
    public const string ReadyPath = "/baseline/ready";

    private const int FlushThreshold = 32 * 1024;

    private const string JsonContentType = "application/json;odata.metadata=minimal";

    public static readonly JsonWriterOptions JsonOptions = new()
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

        // Both baselines use the sessions our server opens (decisions 51 and 53): statements prepared on a connection
        // after their second use, and no session reset when a connection goes back to the pool, as a careful engineer
        // whose endpoint never changes a session would configure it. What differs is the SQL (hand-written) or nothing
        // but the server around it (our SQL).
        await using var ourSql = new NpgsqlDataSourceBuilder(
            new NpgsqlConnectionStringBuilder(plan.ConnectionString) { MaxAutoPrepare = 256, AutoPrepareMinUsages = 2, NoResetOnClose = true }.ConnectionString).Build();
        await using var prepared = new NpgsqlDataSourceBuilder(
            new NpgsqlConnectionStringBuilder(plan.ConnectionString) { MaxAutoPrepare = 32, AutoPrepareMinUsages = 2, NoResetOnClose = true }.ConnectionString).Build();

        var app = builder.Build();
        app.MapGet(ReadyPath, () => "ready");
        foreach (var scenario in Workload.All)
        {
            if (plan.Sql.TryGetValue(scenario.Id, out var statements))
            {
                app.MapGet("/baseline/" + scenario.Id, OurSqlBaseline.Endpoint(scenario, statements, ourSql));
            }
        }

        HandWritten.Map(app, prepared);
        await app.RunAsync();
        return 0;
    }

    /// <summary>Writes the rows of <paramref name="reader"/> as an OData collection (the current row first when <paramref name="onRow"/>).</summary>
    public static async Task WriteCollectionAsync(
        HttpContext context, NpgsqlDataReader reader, RowWriter columns, string entitySet, long? count, bool onRow, CancellationToken ct)
    {
        var pipe = StartJson(context);
        using var writer = new Utf8JsonWriter(pipe, JsonOptions);
        writer.WriteStartObject();
        writer.WriteString("@odata.context", ServiceRoot(context) + "$metadata#" + entitySet);
        if (count is { } total)
        {
            writer.WriteNumber("@odata.count", total);
        }

        writer.WriteStartArray("value");
        long flushed = 0;
        while (onRow || await reader.ReadAsync(ct))
        {
            onRow = false;
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

    /// <summary>
    /// Writes the rows of a <c>$apply</c> result: each column of the statement, by ordinal, under the name the request
    /// gave it, an alias preceded by its <c>@odata.type</c> (an alias is no property of <c>$metadata</c>).
    /// </summary>
    public static async Task WriteAggregatedAsync(HttpContext context, NpgsqlDataReader reader, string entitySet, AggregatedColumn[] columns, CancellationToken ct)
    {
        var names = columns.Select(c => JsonEncodedText.Encode(c.Name)).ToArray();
        var types = columns.Select(c => c.ODataType is null ? (JsonEncodedText?)null : JsonEncodedText.Encode(c.Name + "@odata.type")).ToArray();
        var pipe = StartJson(context);
        using var writer = new Utf8JsonWriter(pipe, JsonOptions);
        writer.WriteStartObject();
        writer.WriteString("@odata.context", ServiceRoot(context) + "$metadata#" + entitySet + "(" + string.Join(",", columns.Select(c => c.Name)) + ")");
        writer.WriteStartArray("value");
        while (await reader.ReadAsync(ct))
        {
            writer.WriteStartObject();
            for (var i = 0; i < columns.Length; i++)
            {
                if (types[i] is { } type)
                {
                    writer.WriteString(type, columns[i].ODataType);
                }

                writer.WritePropertyName(names[i]);
                if (reader.IsDBNull(i))
                {
                    writer.WriteNullValue();
                    continue;
                }

                switch (reader.GetFieldType(i))
                {
                    case var t when t == typeof(decimal):
                        writer.WriteNumberValue(reader.GetDecimal(i));
                        break;
                    case var t when t == typeof(long):
                        writer.WriteNumberValue(reader.GetInt64(i));
                        break;
                    case var t when t == typeof(int):
                        writer.WriteNumberValue(reader.GetInt32(i));
                        break;
                    default:
                        writer.WriteStringValue(reader.GetString(i));
                        break;
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await FlushAsync(writer, pipe, ct);
    }

    /// <summary>Writes the current row of <paramref name="reader"/> as a single entity.</summary>
    public static async Task WriteEntityAsync(HttpContext context, NpgsqlDataReader reader, string entitySet, CancellationToken ct)
    {
        var columns = RowWriter.For(reader);
        var pipe = StartJson(context);
        using var writer = new Utf8JsonWriter(pipe, JsonOptions);
        writer.WriteStartObject();
        writer.WriteString("@odata.context", ServiceRoot(context) + "$metadata#" + entitySet + "/$entity");
        columns.WriteProperties(writer, reader);
        writer.WriteEndObject();
        await FlushAsync(writer, pipe, ct);
    }

    public static async Task WriteCountAsync(HttpContext context, long count, CancellationToken ct)
    {
        context.Response.ContentType = "text/plain;charset=utf-8";
        await context.Response.WriteAsync(count.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
    }

    public static PipeWriter StartJson(HttpContext context)
    {
        context.Response.ContentType = JsonContentType;
        context.Response.Headers["OData-Version"] = "4.0";
        return context.Response.BodyWriter;
    }

    public static string ServiceRoot(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}/odata/";

    public static async ValueTask FlushAsync(Utf8JsonWriter writer, PipeWriter pipe, CancellationToken ct)
    {
        writer.Flush();
        await pipe.FlushAsync(ct);
    }
}

/// <summary>What the baseline process needs: where the bank database is and the SQL texts per scenario id.</summary>
internal sealed record BaselinePlan(string ConnectionString, Dictionary<string, string[]> Sql);
