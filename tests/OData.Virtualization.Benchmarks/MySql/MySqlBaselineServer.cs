using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using MySqlConnector;
using OData.Virtualization.Benchmarks.Baseline;

namespace OData.Virtualization.Benchmarks.MySql;

/// <summary>
/// The direct-SQL side of the MySQL rows: a minimal ASP.NET Core app (its own process) that runs, for each scenario, the
/// statement a careful engineer would write by hand on the same MariaDB, on the sessions our server opens (read-only,
/// UTC, no reset), and writes every column with a <see cref="Utf8JsonWriter"/> in the OData JSON shape.
/// </summary>
internal static class MySqlBaselineServer
{
    public const string ReadyPath = "/mysql/ready";

    private const string Columns = "transaction_id, iban, booked_at, value_date, amount, currency, counterparty, reference, category, local_booked_at";

    public static async Task<int> RunAsync(string connectionString, string[] hostArgs)
    {
        var builder = WebApplication.CreateBuilder(hostArgs);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        var sessions = new MySqlConnectionStringBuilder(connectionString) { ConnectionReset = false, GuidFormat = MySqlGuidFormat.None }.ConnectionString;
        var app = builder.Build();
        app.MapGet(ReadyPath, () => "ready");
        app.MapGet("/mysql/point/{id:long}", (HttpContext context, long id) =>
            WriteAsync(context, sessions, $"SELECT {Columns} FROM transactions WHERE transaction_id = @a", [id], null, single: true));
        // A quarter of 2024 (about 1,660 of the 20,000 transactions, served by ix_transactions_booked_at).
        app.MapGet("/mysql/page50", (HttpContext context) =>
            WriteAsync(context, sessions, $"SELECT {Columns} FROM transactions WHERE booked_at >= @a AND booked_at < @b ORDER BY transaction_id LIMIT 50", [Quarter.From, Quarter.To],
                "SELECT COUNT(*) FROM transactions WHERE booked_at >= @a AND booked_at < @b", single: false));
        app.MapGet("/mysql/page800", (HttpContext context) =>
            WriteAsync(context, sessions, $"SELECT {Columns} FROM transactions ORDER BY transaction_id LIMIT 800", [], null, single: false));
        app.MapGet("/mysql/after/{after:long}/{top:int}", (HttpContext context, long after, int top) =>
            WriteAsync(context, sessions, $"SELECT {Columns} FROM transactions WHERE transaction_id > @a ORDER BY transaction_id LIMIT {top.ToString(CultureInfo.InvariantCulture)}", [after], null, single: false));
        await app.RunAsync();
        return 0;
    }

    private static async Task WriteAsync(HttpContext context, string sessions, string sql, object[] values, string? countSql, bool single)
    {
        var ct = context.RequestAborted;
        await using var connection = new MySqlConnection(sessions);
        await connection.OpenAsync(ct);
        await using (var setup = new MySqlCommand("SET SESSION TRANSACTION READ ONLY; SET SESSION time_zone = '+00:00'", connection))
        {
            await setup.ExecuteNonQueryAsync(ct);
        }

        long? count = null;
        if (countSql is not null)
        {
            await using var counting = Command(countSql, connection, values);
            count = Convert.ToInt64(await counting.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }

        await using var command = Command(sql, connection, values);
        await using var reader = await command.ExecuteReaderAsync(ct);
        context.Response.ContentType = "application/json;odata.metadata=minimal";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter, BaselineServer.JsonOptions);
        writer.WriteStartObject();
        writer.WriteString("@odata.context", "http://" + context.Request.Host + "/odata/$metadata#transactions" + (single ? "/$entity" : string.Empty));
        if (count is { } total)
        {
            writer.WriteNumber("@odata.count", total);
        }

        if (single)
        {
            if (await reader.ReadAsync(ct))
            {
                WriteRow(writer, reader);
            }
        }
        else
        {
            writer.WriteStartArray("value");
            while (await reader.ReadAsync(ct))
            {
                writer.WriteStartObject();
                WriteRow(writer, reader);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        await writer.FlushAsync(ct);
    }

    private static MySqlCommand Command(string sql, MySqlConnection connection, object[] values)
    {
        var command = new MySqlCommand(sql, connection);
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.AddWithValue(i == 0 ? "@a" : "@b", values[i]);
        }

        return command;
    }

    private static void WriteRow(Utf8JsonWriter writer, MySqlDataReader reader)
    {
        for (var i = 0; i < reader.FieldCount; i++)
        {
            var name = reader.GetName(i);
            if (reader.IsDBNull(i))
            {
                writer.WriteNull(name);
                continue;
            }

            switch (reader.GetValue(i))
            {
                case long l:
                    writer.WriteNumber(name, l);
                    break;
                case decimal m:
                    writer.WriteNumber(name, m);
                    break;
                case DateTime d when reader.GetDataTypeName(i) == "DATE":
                    writer.WriteString(name, d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                    break;
                case DateTime d:
                    writer.WriteString(name, DateTime.SpecifyKind(d, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                    break;
                case var other:
                    writer.WriteString(name, Convert.ToString(other, CultureInfo.InvariantCulture));
                    break;
            }
        }
    }
}

/// <summary>The filtered page's range: the first quarter of 2024, UTC.</summary>
internal static class Quarter
{
    public static readonly DateTime From = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);

    public static readonly DateTime To = new(2024, 4, 1, 0, 0, 0, DateTimeKind.Unspecified);
}
