using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Paging;

/// <summary>
/// The expected rows, read straight from the database with ADO.NET (not through the server) with the same order
/// semantics the service promises: NULLs first ascending and last descending, the key as the last term, in the direction of the one before it.
/// Identical statements are read once per run (the 1,000,000-row orders are reused by several tests).
/// </summary>
public static class DirectRows
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
        await using DbConnection connection = fixture.Dialect == "PostgreSQL" ? new NpgsqlConnection(connectionString) : new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 300;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }
}
