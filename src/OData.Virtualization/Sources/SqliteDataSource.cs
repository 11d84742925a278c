using System.Data.Common;
using Microsoft.Data.Sqlite;
using OData.Virtualization.Configuration;

namespace OData.Virtualization.Sources;

internal sealed class SqliteDataSource : DataSource
{
    private readonly string _connectionString;

    public SqliteDataSource(string name, SourceOptions options)
        : base(name, options)
    {
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString)
        {
            // Read-only at the file level: the engine refuses any write.
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = true,
        };
        _connectionString = builder.ConnectionString;
        DataSourcePath = builder.DataSource;

        // Writes: the same file (or the configured one), read-write but never created: a missing file is a mistake.
        var writer = new SqliteConnectionStringBuilder(options.WriteConnectionString ?? options.ConnectionString)
        {
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = options.CommandTimeoutSeconds,
        };
        _writeConnectionString = writer.ConnectionString;
    }

    private readonly string _writeConnectionString;

    public string DataSourcePath { get; }

    public override SourceProvider Provider => SourceProvider.Sqlite;

    public override ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) => OpenAsync(_connectionString, cancellationToken);

    public override ValueTask<DbConnection> OpenWriteConnectionAsync(CancellationToken cancellationToken) => OpenAsync(_writeConnectionString, cancellationToken);

    private async ValueTask<DbConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync();
            throw new SourceUnavailableException(Name, ex);
        }
    }

    public override async Task<SourceSchema> DiscoverAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return SqliteCatalog.Discover(Name, connection);
    }

    protected override ValueTask DisposeCoreAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}
