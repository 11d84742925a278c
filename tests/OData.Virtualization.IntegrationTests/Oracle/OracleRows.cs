using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.IntegrationTests.Oracle;

/// <summary>
/// The rows of a published table read directly from the database with ADO.NET (no server code), as the oracle's
/// values by property name. Loaded once per database and table, and shared by all the cases of a run.
/// </summary>
internal static class OracleRows
{
    private static readonly ConcurrentDictionary<(string Connection, string Table, string? Slice), Lazy<Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>>>> s_cache = new();

    public static Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>> LoadAsync(ServerFixture fixture, PublishedSet set, string? sliceSql)
    {
        var connection = set.Source.Name switch
        {
            "erp" => fixture.ErpConnectionString,
            "bank" => fixture.BankConnectionString,
            var other => throw new InvalidOperationException($"The oracle does not know the source '{other}'."),
        };
        var provider = set.Source.Provider;
        var table = set.Object.Schema is null ? Quote(set.Object.Name) : Quote(set.Object.Schema) + "." + Quote(set.Object.Name);
        var lazy = s_cache.GetOrAdd(
            (connection, table, sliceSql),
            _ => new Lazy<Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>>>(() => ReadAsync(provider, connection, table, set.Columns, sliceSql)));
        return lazy.Value;
    }

    private static async Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>> ReadAsync(
        SourceProvider provider, string connectionString, string table, IReadOnlyList<PublishedColumn> published, string? sliceSql)
    {
        // Every scalar column the server publishes (PostgreSQL arrays and intervals are not used by the oracle's cases).
        // MySQL's TIME is an Edm.Duration the oracle compares as a TimeSpan.
        var columns = published.Where(c => !c.Type.IsCollection && (c.Type.Kind != ValueKind.Duration || provider == SourceProvider.MySql)).ToList();
        var select = string.Join(", ", columns.Select(c => provider == SourceProvider.PostgreSql && c.Type.ReadAsText
            ? Quote(c.ColumnName) + "::text"
            : Quote(c.ColumnName)));
        var sql = $"SELECT {select} FROM {table}" + (sliceSql is null ? string.Empty : " WHERE " + sliceSql);

        await using DbConnection connection = provider switch
        {
            SourceProvider.PostgreSql => new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" }.ConnectionString),
            // CHAR(36) as text (not Guid), and TIMESTAMP read in UTC: the published types' values.
            SourceProvider.MySql => new MySqlConnection(new MySqlConnectionStringBuilder(connectionString) { GuidFormat = MySqlGuidFormat.None }.ConnectionString),
            _ => new SqliteConnection(connectionString),
        };
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = provider == SourceProvider.MySql
            ? "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES'), time_zone = '+00:00'; " + sql
            : sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        while (await reader.ReadAsync())
        {
            var row = new Dictionary<string, object?>(columns.Count, StringComparer.Ordinal);
            for (var i = 0; i < columns.Count; i++)
            {
                var raw = await reader.IsDBNullAsync(i) ? null : reader.GetValue(i);
                row[columns[i].PropertyName] = raw is null ? null : ToOracleValue(raw, columns[i].Type.Kind);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>
    /// The published type's value: SQLite keeps dates and timestamps as ISO text, booleans as 0/1, decimals as REAL
    /// (or INTEGER when whole) and uuids as text; timestamps without time zone are published as UTC.
    /// </summary>
    private static object? ToOracleValue(object raw, ValueKind kind)
    {
        var invariant = CultureInfo.InvariantCulture;
        return kind switch
        {
            ValueKind.Boolean => raw switch
            {
                bool b => b,
                long l => l != 0,
                _ => System.Convert.ToInt64(raw, invariant) != 0,
            },
            ValueKind.Byte or ValueKind.Int16 or ValueKind.Int32 or ValueKind.Int64 => System.Convert.ToInt64(raw, invariant),
            ValueKind.Decimal => raw switch
            {
                decimal m => m,
                long l => (decimal)l,
                double d => (decimal)d, // SQLite REAL built from cents / 100.0: 15 significant digits restore the cents
                string s => decimal.Parse(s, NumberStyles.Float, invariant),
                _ => System.Convert.ToDecimal(raw, invariant),
            },
            ValueKind.Double => System.Convert.ToDouble(raw, invariant),
            ValueKind.Single => raw is float f ? f : (float)System.Convert.ToDouble(raw, invariant),
            ValueKind.String => raw as string ?? System.Convert.ToString(raw, invariant),
            ValueKind.Date => raw switch
            {
                DateOnly d => d,
                DateTime dt => DateOnly.FromDateTime(dt),
                string s => DateOnly.ParseExact(s, "yyyy-MM-dd", invariant),
                _ => throw Unexpected(raw, kind),
            },
            ValueKind.TimeOfDay => raw switch
            {
                TimeOnly t => t,
                TimeSpan ts => TimeOnly.FromTimeSpan(ts),
                string s => TimeOnly.Parse(s, invariant),
                _ => throw Unexpected(raw, kind),
            },
            ValueKind.DateTime => raw switch
            {
                DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
                string s => DateTimeOffset.Parse(s, invariant, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                _ => throw Unexpected(raw, kind),
            },
            ValueKind.DateTimeOffset => raw switch
            {
                DateTime dt => new DateTimeOffset(dt.Kind == DateTimeKind.Utc ? dt : DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
                DateTimeOffset dto => dto.ToUniversalTime(),
                string s => DateTimeOffset.Parse(s, invariant, DateTimeStyles.AssumeUniversal).ToUniversalTime(),
                _ => throw Unexpected(raw, kind),
            },
            ValueKind.Guid => raw is Guid g ? g : Guid.Parse((string)raw),
            ValueKind.Binary => raw as byte[] ?? throw Unexpected(raw, kind),
            _ => raw,
        };
    }

    private static InvalidOperationException Unexpected(object raw, ValueKind kind)
        => new($"The oracle cannot read a {raw.GetType().Name} as {kind}.");

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
