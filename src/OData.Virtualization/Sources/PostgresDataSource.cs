using System.Data.Common;
using System.Globalization;
using Npgsql;
using OData.Virtualization.Configuration;

namespace OData.Virtualization.Sources;

internal sealed class PostgresDataSource : DataSource
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresDataSource(string name, SourceOptions options)
        : base(name, options)
    {
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString)
        {
            Timeout = options.ConnectTimeoutSeconds,
            CommandTimeout = options.CommandTimeoutSeconds,
            // Timestamps with time zone are read and compared in UTC, whatever the server's default.
            Timezone = "UTC",
            // Arrays may hold NULL elements: read them as arrays of nullable values when they do.
            ArrayNullabilityMode = ArrayNullabilityMode.PerInstance,
        };
        builder.ApplicationName ??= "odata-virtualization";

        // Statements prepared on each connection after their second use: PostgreSQL parses and plans a repeated shape
        // once per connection instead of on every request (a point read cost PostgreSQL 207 µs unprepared, 141 µs
        // prepared, decision 51). An operator who sets it (0 behind a transaction-pooling PgBouncer) keeps theirs.
        if (!HasSetting(options.ConnectionString, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 256;
            builder.AutoPrepareMinUsages = 2;
        }

        // A connection goes back to the pool as it came: this server never changes a session (no SET, LISTEN, advisory
        // lock or temporary table; its settings are start-up options, which RESET ALL keeps anyway), and Npgsql rolls
        // back a transaction left open whatever this says. The reset Npgsql would otherwise send before the next
        // statement (SET SESSION AUTHORIZATION DEFAULT; RESET ALL; CLOSE ALL; UNLISTEN *; …) cost PostgreSQL 0.15 ms
        // on every request, twice the point read itself (decision 53). An operator who sets it keeps theirs.
        if (!HasSetting(options.ConnectionString, "No Reset On Close", "NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        // Read-only sessions and a statement timeout enforced by the server itself, set at connection
        // start-up so they cost no round trip: even a bug in the compiler cannot write.
        var statementTimeoutMs = checked(options.CommandTimeoutSeconds * 1000).ToString(CultureInfo.InvariantCulture);
        var sessionOptions = $"-c default_transaction_read_only=on -c statement_timeout={statementTimeoutMs}";
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? sessionOptions : builder.Options + " " + sessionOptions;

        // Named after the source: Npgsql's pool metrics (db.client.connection.*) are labelled with it, not with the connection string.
        _dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString) { Name = name }.Build();

        // Writes: their own pool (a role with write grants may be configured), built at the first write. The statement
        // timeout holds; the session is not read-only, and resets when it goes back (a write leaves nothing behind).
        _writes = new Lazy<NpgsqlDataSource>(() =>
        {
            var writer = new NpgsqlConnectionStringBuilder(options.WriteConnectionString ?? options.ConnectionString)
            {
                Timeout = options.ConnectTimeoutSeconds,
                CommandTimeout = options.CommandTimeoutSeconds,
                Timezone = "UTC",
                ArrayNullabilityMode = ArrayNullabilityMode.PerInstance,
            };
            writer.ApplicationName ??= "odata-virtualization-writes";
            var timeout = $"-c statement_timeout={statementTimeoutMs}";
            writer.Options = string.IsNullOrWhiteSpace(writer.Options) ? timeout : writer.Options + " " + timeout;
            return new NpgsqlDataSourceBuilder(writer.ConnectionString) { Name = name + ":writes" }.Build();
        });
    }

    private readonly Lazy<NpgsqlDataSource> _writes;

    public override async ValueTask<DbConnection> OpenWriteConnectionAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _writes.Value.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException && !cancellationToken.IsCancellationRequested)
        {
            throw new SourceUnavailableException(Name, ex);
        }
    }

    public override SourceProvider Provider => SourceProvider.PostgreSql;

    /// <summary>
    /// Closes the idle connections (and those in use when they come back): their prepared statements were planned for
    /// the tables as they were, and a column whose type changed would fail them ("cached plan must not change result
    /// type").
    /// </summary>
    public override void ForgetSessions()
    {
        _dataSource.Clear();
        if (_writes.IsValueCreated)
        {
            _writes.Value.Clear();
        }
    }

    /// <summary>
    /// Forgets the connection's prepared statements. Npgsql 10.0.3 keeps an automatically prepared statement whose
    /// preparing execution failed at Bind (an error PostgreSQL raises while planning: <c>substring('abc',1,-1)</c> folded
    /// as a constant) as prepared but without its row description; the next execution of the same text on that
    /// connection then fails with "Received unexpected backend message DataRow" (a 500; decision 90). Statements fail
    /// rarely, and the connection prepares its statements again after two more uses.
    /// </summary>
    public override void AfterStatementFailed(DbConnection connection)
    {
        if (connection is NpgsqlConnection { State: System.Data.ConnectionState.Open } npgsql)
        {
            try
            {
                npgsql.UnprepareAll();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // A broken connection: the pool discards it, prepared statements and all.
            }
        }
    }

    public override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException && !cancellationToken.IsCancellationRequested)
        {
            throw new SourceUnavailableException(Name, ex);
        }
    }

    public override async Task<SourceSchema> DiscoverAsync(CancellationToken cancellationToken)
    {
        await using var connection = (NpgsqlConnection)await OpenConnectionAsync(cancellationToken);
        return await PostgresCatalog.DiscoverAsync(Name, connection, cancellationToken);
    }

    private static bool HasSetting(string? connectionString, params string[] names)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString ?? string.Empty };
        return names.Any(n => given.ContainsKey(n));
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        await _dataSource.DisposeAsync();
        if (_writes.IsValueCreated)
        {
            await _writes.Value.DisposeAsync();
        }
    }
}
