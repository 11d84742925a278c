using System.Data.Common;
using System.Globalization;
using MySqlConnector;
using OData.Virtualization.Configuration;

namespace OData.Virtualization.Sources;

/// <summary>
/// A MySQL or MariaDB database through MySqlConnector: pooled sessions that are read-only, bounded by a statement time
/// limit, in UTC, and in the SQL mode the MySQL dialect writes for (identifiers in double quotes).
/// </summary>
internal sealed class MySqlDataSource : DataSource
{
    private readonly MySqlConnector.MySqlDataSource _pool;
    private readonly string _statementLimits;

    public MySqlDataSource(string name, SourceOptions options)
        : base(name, options)
    {
        var builder = new MySqlConnectionStringBuilder(options.ConnectionString ?? string.Empty)
        {
            ConnectionTimeout = checked((uint)Math.Max(1, options.ConnectTimeoutSeconds)),
            // The server's own limit (below) stops a statement; the driver's timeout is a backstop a few seconds later.
            DefaultCommandTimeout = checked((uint)Math.Max(1, options.CommandTimeoutSeconds + 5)),
            // Types read as the model publishes them, whatever the driver's defaults: CHAR(36) and BINARY(16) stay
            // text and bytes (the model has no Guid for them), TINYINT(1) is a boolean, and a zero date
            // ('0000-00-00') reads as 0001-01-01 instead of failing the response (decision 94).
            GuidFormat = MySqlGuidFormat.None,
            TreatTinyAsBoolean = true,
            ConvertZeroDateTime = true,
            AllowZeroDateTime = false,
            // Parameters are substituted by the driver: no server-side prepared statement per request shape.
            IgnorePrepare = true,
            AllowUserVariables = false,
            CharacterSet = "utf8mb4",
        };

        // A session keeps its settings when it goes back to the pool: this server never changes a session after the
        // start-up statement below, and resetting it would cost a round trip (and the settings) on every request, as
        // on PostgreSQL (decision 53). An operator who sets it keeps theirs; the start-up statement then runs again.
        if (!HasSetting(options.ConnectionString, "Connection Reset", "ConnectionReset"))
        {
            builder.ConnectionReset = false;
        }

        var seconds = Math.Max(1, options.CommandTimeoutSeconds);
        _statementLimits = seconds.ToString(CultureInfo.InvariantCulture);
        var dataSourceBuilder = new MySqlDataSourceBuilder(builder.ConnectionString);
        dataSourceBuilder.UseName(name);
        dataSourceBuilder.UseConnectionOpenedCallback(SessionStartedAsync);
        _pool = dataSourceBuilder.Build();
    }

    public override SourceProvider Provider => SourceProvider.MySql;

    /// <summary>
    /// The session's settings, once per new (or reset) session: read-only transactions (even a compiler bug cannot
    /// write), the statement time limit enforced by the server (MariaDB's <c>max_statement_time</c> in seconds, MySQL's
    /// <c>max_execution_time</c> in milliseconds), UTC for <c>TIMESTAMP</c> columns and <c>NOW()</c>, and
    /// <c>ANSI_QUOTES</c> so that identifiers are quoted as in every other dialect (decision 91).
    /// </summary>
    /// <summary>
    /// Whether the server is MySQL 8 or later rather than MariaDB (known from the first session, which discovery opens):
    /// its binary no-pad collation is <c>utf8mb4_0900_bin</c>, MariaDB's <c>utf8mb4_nopad_bin</c>.
    /// </summary>
    public bool IsMySql8 { get; private set; }

    private async ValueTask SessionStartedAsync(MySqlConnectionOpenedContext context, CancellationToken cancellationToken)
    {
        if (context.Conditions == MySqlConnectionOpenedConditions.None)
        {
            return;
        }

        var connection = context.Connection;
        var mariaDb = connection.ServerVersion.Contains("MariaDB", StringComparison.OrdinalIgnoreCase);
        IsMySql8 = !mariaDb && Version.TryParse(connection.ServerVersion.Split('-')[0], out var version) && version.Major >= 8;
        var limit = mariaDb
            ? $"max_statement_time = {_statementLimits}"
            : $"max_execution_time = {_statementLimits}000";
        await using var command = connection.CreateCommand();
        command.CommandText = "SET SESSION TRANSACTION READ ONLY; "
            + $"SET SESSION sql_mode = 'ANSI_QUOTES,STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', time_zone = '+00:00', {limit}, "
            + "group_concat_max_len = 1048576";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _pool.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is MySqlException or TimeoutException or System.Net.Sockets.SocketException && !cancellationToken.IsCancellationRequested)
        {
            throw new SourceUnavailableException(Name, ex);
        }
    }

    /// <summary>Writes are not served on MySQL yet (<c>WriteGrants.Allowed</c> opens nothing here): never called.</summary>
    public override ValueTask<DbConnection> OpenWriteConnectionAsync(CancellationToken cancellationToken)
        => throw new NotSupportedException($"Source '{Name}': writes to MySQL and MariaDB are not supported yet.");

    public override async Task<SourceSchema> DiscoverAsync(CancellationToken cancellationToken)
    {
        await using var connection = (MySqlConnection)await OpenConnectionAsync(cancellationToken);
        return await MySqlCatalog.DiscoverAsync(Name, connection, cancellationToken);
    }

    private static bool HasSetting(string? connectionString, params string[] names)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString ?? string.Empty };
        return names.Any(n => given.ContainsKey(n));
    }

    protected override ValueTask DisposeCoreAsync() => _pool.DisposeAsync();
}
