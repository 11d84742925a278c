using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Paging;

/// <summary>
/// The expected rows, read straight from the database with ADO.NET (not through the server) with the same order
/// semantics the service promises: NULLs first ascending and last descending, the key as the last term, in the direction of the one before it.
/// Identical statements are read once per run (the 1,000,000-row orders are reused by several tests).
/// </summary>
public static partial class DirectRows
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<List<long>>>> s_int64 = new(StringComparer.Ordinal);

    /// <summary>The table's name in the dialect: PostgreSQL keeps the seed's schemas, SQLite flattens them.</summary>
    public static string Table(ServerFixture fixture, string schema, string table)
        => fixture.Dialect == "PostgreSQL" ? schema + "." + table : table;

    /// <summary>Reads the first column of <paramref name="sql"/> as 64-bit integers, in the order returned.</summary>
    public static Task<List<long>> Int64Async(ServerFixture fixture, string connectionString, string sql)
        => s_int64.GetOrAdd(fixture.Dialect + "\n" + connectionString + "\n" + sql, _ => new Lazy<Task<List<long>>>(() => ReadAsync(fixture, connectionString, sql, r => r.GetInt64(0)))).Value;

    public static async Task<List<T>> ReadAsync<T>(ServerFixture fixture, string connectionString, string sql, Func<DbDataReader, T> read)
    {
        await using DbConnection connection = fixture.Dialect switch
        {
            "PostgreSQL" => new NpgsqlConnection(connectionString),
            "MySql" => new MySqlConnection(connectionString),
            _ => new SqliteConnection(connectionString),
        };
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = fixture.Dialect == "MySql" ? MySql(sql) : sql;
        command.CommandTimeout = 300;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>
    /// The statement in MySQL's terms, with the order the service promises: text in code point order (the seed's
    /// columns are case-insensitive), and NULLs first ascending and last descending, which is MySQL's own order.
    /// </summary>
    private static string MySql(string sql)
    {
        var text = ExactText().Replace(sql, "$1 COLLATE utf8mb4_bin $2");
        var nulls = text.Replace(" ASC NULLS FIRST", " ASC", StringComparison.Ordinal).Replace(" DESC NULLS LAST", " DESC", StringComparison.Ordinal);
        if (nulls.Contains("NULLS", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("A NULL order MySQL does not have by default: " + sql);
        }

        return "SET SESSION time_zone = '+00:00'; " + nulls;
    }

    [GeneratedRegex(@"\b(counterparty|iban|category|currency|status) (ASC|DESC)\b")]
    private static partial Regex ExactText();
}
