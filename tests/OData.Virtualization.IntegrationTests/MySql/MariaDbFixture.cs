using MySqlConnector;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.MySql;

/// <summary>
/// The database of <c>seed-data/mysql/exact.sql</c> in the shared throwaway MariaDB (default collation
/// <c>utf8mb4_general_ci</c>), served with nothing but a connection string for an account that may only
/// <c>SELECT</c> some of its tables, on real Kestrel (raw request targets, as clients send them).
/// </summary>
public sealed class MariaDbFixture : IAsyncLifetime
{
    public const string Database = "exact";
    public const string Reader = "odata_reader";
    public const string ReaderPassword = "read-only-Pass-1";

    public InProcessServer Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public MariaDbServer Server { get; private set; } = null!;

    /// <summary>Root's connection to the database: the oracle reads the same rows directly.</summary>
    public string RootConnectionString => Server.ConnectionString(Database);

    public string ReaderConnectionString => Server.ConnectionString(Database, Reader, ReaderPassword);

    public static Dictionary<string, string?> Settings(string connectionString) => new()
    {
        ["OData:Sources:exact:Provider"] = "MariaDB",
        ["OData:Sources:exact:ConnectionString"] = connectionString,
        ["OData:Sources:exact:PageSize"] = "3",
    };

    public async Task InitializeAsync()
    {
        Server = await MariaDbServer.GetAsync();
        await Server.ExecuteAsync($"DROP DATABASE IF EXISTS {Database}; CREATE DATABASE {Database} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;");
        var script = await File.ReadAllTextAsync(Path.Combine(PostgresCluster.RepositoryRoot(), "seed-data", "mysql", "exact.sql"));
        await Server.ExecuteAsync(script, Database);

        // Least privilege: SELECT on the published tables and views only (not on 'secret').
        var grants = string.Join(" ", new[] { "codes", "ci_keys", "children", "types", "select", "label_counts", "code_notes", "many", "slow_numbers", "churn", "Größe & \"Maß\"" }
            .Select(t => $"GRANT SELECT ON {Database}.`{t}` TO {Reader}@'localhost', {Reader}@'127.0.0.1';"));
        await Server.ExecuteAsync(
            $"DROP USER IF EXISTS {Reader}@'localhost', {Reader}@'127.0.0.1'; " +
            $"CREATE USER {Reader}@'localhost' IDENTIFIED BY '{ReaderPassword}'; CREATE USER {Reader}@'127.0.0.1' IDENTIFIED BY '{ReaderPassword}'; " +
            grants);

        Factory = new InProcessServer(Settings(ReaderConnectionString));
        Factory.StartKestrel();
        Client = Factory.CreateClient();
        Client.BaseAddress = new Uri(Client.BaseAddress!, "/odata/");
    }

    /// <summary>Runs <paramref name="sql"/> as root and returns the first column of every row, as text (NULL as null).</summary>
    public async Task<List<string?>> ColumnAsync(string sql)
    {
        await using var connection = new MySqlConnection(RootConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string?>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.IsDBNull(0) ? null : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        }

        return values;
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class MariaDbCollection : ICollectionFixture<MariaDbFixture>
{
    public const string Name = "MariaDB";
}
