using Npgsql;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>
/// A database of a test's own in the shared test cluster, for tests that must change rows (the seed databases are
/// read by every other test and must never change). Dropped when disposed.
/// </summary>
public sealed class ScratchDatabase : IAsyncDisposable
{
    private readonly ClusterInfo _cluster;
    private readonly string _writes;

    private ScratchDatabase(ClusterInfo cluster, string name)
    {
        _cluster = cluster;
        Name = name;
        ConnectionString = cluster.ConnectionString(name);

        // The test's own writes do not pool: a re-created database must not meet a connection to its predecessor.
        _writes = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>Where the server reads (and the test writes) this database.</summary>
    public string ConnectionString { get; }

    /// <summary>Creates (or re-creates) <paramref name="name"/> and runs <paramref name="setupSql"/> in it.</summary>
    public static async Task<ScratchDatabase> CreateAsync(string name, string setupSql)
    {
        var cluster = await PostgresCluster.GetAsync();
        await AdminAsync(cluster, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        await AdminAsync(cluster, $"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'");
        var database = new ScratchDatabase(cluster, name);
        await database.ExecuteAsync(setupSql);
        return database;
    }

    public async Task<int> ExecuteAsync(string sql, params object?[] parameters)
    {
        await using var connection = new NpgsqlConnection(_writes);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>An open connection of the test's own (not pooled), for many writes in a row.</summary>
    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(_writes);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var connection = new NpgsqlConnection(_writes);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await AdminAsync(_cluster, $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }

    private static async Task AdminAsync(ClusterInfo cluster, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.Admin.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
