using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Scaffolding;
using Microsoft.EntityFrameworkCore.Scaffolding.Metadata;
using Microsoft.EntityFrameworkCore.Sqlite.Design.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace OData.Virtualization.Sources;

/// <summary>
/// Reads a SQLite database's tables, views, columns, keys and foreign keys with EF Core's
/// reverse-engineering model factory: the same catalog queries <c>dotnet ef dbcontext scaffold</c>
/// uses, without the Design package (see docs/decisions.md). PostgreSQL uses <see cref="PostgresCatalog"/>.
/// </summary>
internal static class SqliteCatalog
{
    private static readonly Lazy<IDatabaseModelFactory> s_factory = new(CreateFactory);

    public static SourceSchema Discover(string sourceName, System.Data.Common.DbConnection connection)
    {
        const SourceProvider provider = SourceProvider.Sqlite;
        var factory = s_factory.Value;
        var model = factory.Create(connection, new DatabaseModelFactoryOptions());

        var objects = new List<DbObject>(model.Tables.Count);
        foreach (var table in model.Tables)
        {
            if (table.Name.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var columns = table.Columns
                .Select(c => new DbColumn(
                    c.Name,
                    c.StoreType ?? string.Empty,
                    c.IsNullable)
                {
                    // A generated column is the engine's; a default or the rowid alias (INTEGER PRIMARY KEY) fills an omitted one.
                    Generation = c.ComputedColumnSql is not null ? ColumnGeneration.Always
                        : c.DefaultValueSql is not null || IsRowId(table, c) ? ColumnGeneration.Defaulted
                        : ColumnGeneration.None,
                    DefaultSql = c.DefaultValueSql,
                })
                .ToList();
            var primaryKey = table.PrimaryKey?.Columns.Select(c => c.Name).ToList() ?? [];
            var foreignKeys = table.ForeignKeys
                .Select(fk => new DbForeignKey(
                    fk.Name,
                    fk.Columns.Select(c => c.Name).ToList(),
                    null,
                    fk.PrincipalTable.Name,
                    fk.PrincipalColumns.Select(c => c.Name).ToList()))
                .ToList();
            objects.Add(new DbObject(null, table.Name, table is DatabaseView, columns, primaryKey, foreignKeys));
        }

        objects.Sort((a, b) => string.CompareOrdinal(a.QualifiedName, b.QualifiedName));
        return new SourceSchema(sourceName, provider, objects);
    }

    private static IDatabaseModelFactory CreateFactory()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddEntityFrameworkSqlite();
        new SqliteDesignTimeServices().ConfigureDesignTimeServices(services);
        return services.BuildServiceProvider().GetRequiredService<IDatabaseModelFactory>();
    }

    /// <summary>SQLite's <c>INTEGER PRIMARY KEY</c>: an alias of the rowid, given the next value when an insert leaves it out.</summary>
    private static bool IsRowId(Microsoft.EntityFrameworkCore.Scaffolding.Metadata.DatabaseTable table, Microsoft.EntityFrameworkCore.Scaffolding.Metadata.DatabaseColumn column)
        => table.PrimaryKey is { Columns.Count: 1 } key && ReferenceEquals(key.Columns[0], column)
           && string.Equals(column.StoreType, "INTEGER", StringComparison.OrdinalIgnoreCase);
}
