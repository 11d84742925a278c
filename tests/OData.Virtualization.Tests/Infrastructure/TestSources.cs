using OData.Virtualization.Configuration;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Tests.Infrastructure;

/// <summary>Data sources and models built by hand: constructing a data source does not connect to anything.</summary>
internal static class TestSources
{
    public const string PostgresConnectionString = "Host=localhost;Username=x;Database=y";
    public const string SqliteConnectionString = "Data Source=:memory:";

    public static DataSource Create(SourceProvider provider, string name = "shop", Action<SourceOptionsBuilder>? configure = null)
    {
        var builder = new SourceOptionsBuilder();
        configure?.Invoke(builder);
        return DataSource.Create(name, new SourceOptions
        {
            Provider = provider == SourceProvider.PostgreSql ? "PostgreSQL" : "Sqlite",
            ConnectionString = provider == SourceProvider.PostgreSql ? PostgresConnectionString : SqliteConnectionString,
            Publish = builder.Publish,
            EntitySets = builder.EntitySets,
        });
    }

    public static (PublishedModel Model, ModelBuilder Builder) Build(params (DataSource Source, SourceSchema Schema)[] sources)
    {
        var builder = new ModelBuilder();
        var model = builder.Build(sources);
        return (model, builder);
    }

    public static DbObject Table(string? schema, string name, IReadOnlyList<DbColumn> columns, IReadOnlyList<string> key, params DbForeignKey[] foreignKeys)
        => new(schema, name, IsView: false, columns, key, foreignKeys) { Indexes = key.Count > 0 ? [key] : [] }; // a primary key has its index

    public static DbObject View(string? schema, string name, IReadOnlyList<DbColumn> columns)
        => new(schema, name, IsView: true, columns, [], []);

    public static DbColumn Column(string name, string storeType, bool nullable = false, bool isEnum = false)
        => new(name, storeType, nullable, isEnum);

    public static DbForeignKey ForeignKey(string name, string column, string? principalSchema, string principalName, string principalColumn)
        => new(name, [column], principalSchema, principalName, [principalColumn]);
}

/// <summary>The operator's configuration for one source, as a test sets it.</summary>
internal sealed class SourceOptionsBuilder
{
    public List<string> Publish { get; } = [];

    public Dictionary<string, EntitySetOptions> EntitySets { get; } = new(StringComparer.OrdinalIgnoreCase);
}
