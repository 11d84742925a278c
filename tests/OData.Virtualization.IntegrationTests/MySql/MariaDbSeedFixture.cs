using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.MySql;

/// <summary>
/// The ERP and bank demo databases (<c>seed-data/mysql/erp.sql</c>, <c>bank.sql</c>) in the shared throwaway MariaDB,
/// whose default collation is case-insensitive (<c>utf8mb4_general_ci</c>), served through an account that may only
/// <c>SELECT</c> — the MariaDB variant of <see cref="PostgresFixture"/> for the cross-database suites (oracle, paging,
/// fuzzing). The databases are loaded once per test run and shared by every fixture that asks for them.
/// </summary>
public sealed class MariaDbSeedFixture : ServerFixture
{
    public const string Reader = "odata_seed_reader";
    public const string ReaderPassword = "seed-read-only-Pass-1";

    private static readonly Lazy<Task<MariaDbServer>> s_loaded = new(LoadAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    public override string Dialect => "MySql";

    /// <summary>The shared MariaDB with <c>erp</c> and <c>bank</c> loaded and the read-only account created, once per run.</summary>
    public static Task<MariaDbServer> ServerAsync() => s_loaded.Value;

    protected override async Task<Dictionary<string, string?>> CreateSettingsAsync()
    {
        var server = await ServerAsync();
        ErpConnectionString = server.ConnectionString("erp");
        BankConnectionString = server.ConnectionString("bank");
        return SeedSettings(server);
    }

    /// <summary>The sources <c>erp</c> and <c>bank</c> as <see cref="PostgresFixture.SeedSettings"/> publishes them, on MariaDB.</summary>
    public static Dictionary<string, string?> SeedSettings(MariaDbServer server) => new()
    {
        ["OData:Sources:erp:Provider"] = "MariaDB",
        ["OData:Sources:erp:ConnectionString"] = server.ConnectionString("erp", Reader, ReaderPassword),
        ["OData:Sources:erp:Publish:0"] = "*.*",
        ["OData:Sources:erp:Publish:1"] = "!*.audit_log",
        ["OData:Sources:erp:EntitySets:erp.order_summaries:Key:0"] = "order_id",
        ["OData:Sources:bank:Provider"] = "MariaDB",
        ["OData:Sources:bank:ConnectionString"] = server.ConnectionString("bank", Reader, ReaderPassword),
        ["OData:Sources:bank:EntitySets:bank.account_overview:Key:0"] = "iban",
    };

    private static async Task<MariaDbServer> LoadAsync()
    {
        var server = await MariaDbServer.GetAsync();
        var root = PostgresCluster.RepositoryRoot();
        foreach (var database in new[] { "erp", "bank" })
        {
            await server.ExecuteAsync($"DROP DATABASE IF EXISTS {database}; CREATE DATABASE {database} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;");
            await server.ExecuteAsync(await File.ReadAllTextAsync(Path.Combine(root, "seed-data", "mysql", database + ".sql")), database);
        }

        // Least privilege, as the README tells operators: SELECT on the two databases, nothing else.
        await server.ExecuteAsync(
            $"DROP USER IF EXISTS {Reader}@'localhost', {Reader}@'127.0.0.1'; " +
            $"CREATE USER {Reader}@'localhost' IDENTIFIED BY '{ReaderPassword}'; CREATE USER {Reader}@'127.0.0.1' IDENTIFIED BY '{ReaderPassword}'; " +
            $"GRANT SELECT ON erp.* TO {Reader}@'localhost', {Reader}@'127.0.0.1'; GRANT SELECT ON bank.* TO {Reader}@'localhost', {Reader}@'127.0.0.1';");
        return server;
    }
}

[CollectionDefinition(Name)]
public sealed class MariaDbSeedCollection : ICollectionFixture<MariaDbSeedFixture>
{
    public const string Name = "MariaDB seed";
}
