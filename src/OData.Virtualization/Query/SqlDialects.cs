using OData.Virtualization.Sources;

namespace OData.Virtualization.Query;

/// <summary>
/// Which SQL dialect a source speaks. A source (Sources/) knows how to connect and what its catalog holds; how its SQL
/// is written is this folder's: a new source provider adds a catalog there and a dialect here.
/// </summary>
internal static class SqlDialects
{
    public static SqlDialect For(SourceProvider provider) => provider switch
    {
        SourceProvider.PostgreSql => PostgresDialect.Instance,
        SourceProvider.Sqlite => SqliteDialect.Instance,
        SourceProvider.MySql => MySqlDialect.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "No SQL dialect for this provider."),
    };

    extension(DataSource source)
    {
        /// <summary>The SQL dialect of the source's provider (of its server, for MySQL 8, whose exact collation has another name).</summary>
        public SqlDialect Dialect => source is MySqlDataSource { IsMySql8: true } ? MySqlDialect.MySql8 : For(source.Provider);
    }
}
