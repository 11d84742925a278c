using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.ChangeTracking;

/// <summary>
/// A PostgreSQL cluster of the change-tracking tests' own, started with <c>wal_level=logical</c> (the shared cluster
/// keeps the default, as most production sources do). Each test gets a database of its own, so slots, publications
/// and change stores never meet.
/// </summary>
public sealed class LogicalDecodingCluster : IAsyncLifetime
{
    private int _databases;

    public PostgresCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
        => Cluster = await PostgresCluster.StartAsync("-c wal_level=logical -c max_replication_slots=20 -c max_wal_senders=20");

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>A new database with <c>accounts</c> (<paramref name="rows"/> rows over two branches) and <c>markers</c>.</summary>
    public async Task<TrackedDatabase> CreateAsync(int rows = 50, string identity = "DEFAULT")
    {
        var name = "tracked" + Interlocked.Increment(ref _databases);
        await Cluster.ExecuteAsync("postgres", $"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'");
        await Cluster.ExecuteAsync(name, $"""
            CREATE TABLE accounts (id integer PRIMARY KEY, branch text NOT NULL, name text NOT NULL, balance integer NOT NULL);
            ALTER TABLE accounts REPLICA IDENTITY {identity};
            CREATE TABLE markers (id integer PRIMARY KEY);
            INSERT INTO accounts SELECT i, CASE WHEN i % 2 = 0 THEN 'north' ELSE 'south' END, 'account ' || i, i * 10 FROM generate_series(1, {rows}) AS i;
            """);
        return new TrackedDatabase(Cluster, name);
    }
}

/// <summary>One test's database in the logical-decoding cluster, with what the test needs to change it and read it back.</summary>
public sealed class TrackedDatabase(PostgresCluster cluster, string name)
{
    private int _marker;

    public string Name { get; } = name;

    public string ConnectionString => cluster.ConnectionString(Name);

    /// <summary>Server settings: the database as source <c>bank</c>, <c>accounts</c> and <c>markers</c> tracked, the store in the same database.</summary>
    public Dictionary<string, string?> Settings(params string[] sets)
    {
        var settings = InProcessServer.PostgresSettings("bank", ConnectionString);
        var tracked = sets.Length == 0 ? ["accounts", "markers"] : sets;
        for (var i = 0; i < tracked.Length; i++)
        {
            settings[$"OData:ChangeTracking:Sets:{i}"] = tracked[i];
        }

        settings["OData:ChangeTracking:StoreConnectionString"] = ConnectionString;
        settings["OData:ChangeTracking:SlotName"] = "odv_" + Name;
        settings["OData:ChangeTracking:PublicationName"] = "odv_" + Name;
        settings["OData:ChangeTracking:CheckIntervalSeconds"] = "1";
        settings["OData:Paging:SkipTokenKey"] = "change-tracking-tests-shared-paging-key-0123456789";
        return settings;
    }

    public Task ExecuteAsync(string sql) => cluster.ExecuteAsync(Name, sql);

    /// <summary>Runs <paramref name="statements"/> in one transaction and rolls it back.</summary>
    public async Task RollBackAsync(params string[] statements)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var statement in statements)
        {
            await using var command = new NpgsqlCommand(statement, connection, transaction);
            await command.ExecuteNonQueryAsync();
        }

        await transaction.RollbackAsync();
    }

    /// <summary>Rows of <c>accounts</c> as SQL has them: key → (branch, name, balance, xmin).</summary>
    public async Task<Dictionary<int, AccountRow>> AccountsAsync()
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, branch, name, balance, xmin::text FROM accounts", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<int, AccountRow>();
        while (await reader.ReadAsync())
        {
            rows[reader.GetInt32(0)] = new AccountRow(reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetString(4));
        }

        return rows;
    }

    /// <summary>
    /// Commits a row to the tracked <c>markers</c> table and waits until the change store has it: capture stores
    /// commits in order, so everything committed before is stored too.
    /// </summary>
    public async Task WaitCapturedAsync(string schema = "odv_changes")
    {
        var marker = Interlocked.Increment(ref _marker);
        await ExecuteAsync($"INSERT INTO markers VALUES ({marker})");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        while (DateTime.UtcNow < deadline)
        {
            await using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {schema}.changes WHERE set_name = 'public.markers' AND key = jsonb_build_object('id', @id::text))", connection);
            command.Parameters.AddWithValue("id", marker);
            try
            {
                if (await command.ExecuteScalarAsync() is true)
                {
                    return;
                }
            }
            catch (PostgresException ex) when (ex.SqlState == "42P01")
            {
                // The store is created when capture starts.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The change store did not receive marker {marker} within 30 s: capture is not running (see the server log).");
    }
}

/// <summary>A row of <c>accounts</c>, and the transaction that wrote it last.</summary>
public sealed record AccountRow(string Branch, string Name, int Balance, string Xmin);

[CollectionDefinition(Name)]
public sealed class LogicalDecodingCollection : ICollectionFixture<LogicalDecodingCluster>
{
    public const string Name = "Logical decoding";
}
