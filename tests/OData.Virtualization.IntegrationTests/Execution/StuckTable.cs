using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Execution;

/// <summary>
/// A scratch database with two tables of one source, <c>stuck</c> and <c>free</c>, and the means to lock <c>stuck</c> as
/// an operator's migration or a long batch would (<c>LOCK TABLE … IN ACCESS EXCLUSIVE MODE</c> in an open transaction),
/// and to see the server's statements in <c>pg_stat_activity</c> by its application name.
/// </summary>
internal sealed class StuckTable : IAsyncDisposable
{
    private readonly ScratchDatabase _database;
    private NpgsqlConnection? _lock;

    private StuckTable(ScratchDatabase database, string application)
    {
        _database = database;
        Application = application;
    }

    public string Application { get; }

    public static async Task<StuckTable> CreateAsync(string name)
    {
        var database = await ScratchDatabase.CreateAsync(name, """
            CREATE TABLE stuck (id integer PRIMARY KEY, name text NOT NULL);
            INSERT INTO stuck SELECT i, 'stuck ' || i FROM generate_series(1, 200) AS i;
            CREATE TABLE free (id integer PRIMARY KEY, name text NOT NULL);
            INSERT INTO free SELECT i, 'free ' || i FROM generate_series(1, 200) AS i;
            """);
        return new StuckTable(database, "odv-" + name + "-" + Guid.NewGuid().ToString("N")[..6]);
    }

    /// <summary>Settings of a server publishing the database as source <c>s</c>, without refresh traffic.</summary>
    public Dictionary<string, string?> Settings(int commandTimeoutSeconds)
    {
        var settings = InProcessServer.PostgresSettings("s", new NpgsqlConnectionStringBuilder(_database.ConnectionString) { ApplicationName = Application }.ConnectionString);
        settings["OData:Sources:s:CommandTimeoutSeconds"] = commandTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["OData:Refresh:NotifyChannel"] = string.Empty;
        settings["OData:Refresh:IntervalSeconds"] = "0";
        return settings;
    }

    public async Task LockAsync()
    {
        _lock = await _database.OpenAsync();
        await using var command = new NpgsqlCommand("BEGIN; LOCK TABLE stuck IN ACCESS EXCLUSIVE MODE;", _lock);
        await command.ExecuteNonQueryAsync();
    }

    public async Task UnlockAsync()
    {
        if (_lock is not null)
        {
            await _lock.DisposeAsync(); // the transaction ends with its connection
            _lock = null;
        }
    }

    /// <summary>The server's statements running (or waiting on a lock) in PostgreSQL now.</summary>
    public async Task<long> ActiveStatementsAsync()
    {
        var rows = await _database.QueryAsync(
            $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{Application}' AND state = 'active'",
            r => r.GetInt64(0));
        return rows[0];
    }

    public async ValueTask DisposeAsync()
    {
        await UnlockAsync();
        await _database.DisposeAsync();
    }
}
