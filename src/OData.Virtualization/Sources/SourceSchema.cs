namespace OData.Virtualization.Sources;

/// <summary>What discovery found in one source: its tables and views, as the database describes them.</summary>
internal sealed record SourceSchema(string SourceName, SourceProvider Provider, IReadOnlyList<DbObject> Objects);

/// <summary>A table or view.</summary>
internal sealed record DbObject(
    string? Schema,
    string Name,
    bool IsView,
    IReadOnlyList<DbColumn> Columns,
    IReadOnlyList<string> PrimaryKey,
    IReadOnlyList<DbForeignKey> ForeignKeys)
{
    /// <summary><c>schema.name</c>, or just the name where the source has no schemas.</summary>
    public string QualifiedName => Schema is null ? Name : Schema + "." + Name;

    /// <summary>
    /// The key columns of each index that can find rows by equality on its leading columns (valid, not partial,
    /// B-tree or hash), in index order, up to the first expression. Empty where discovery does not read indexes.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> Indexes { get; init; } = [];

    /// <summary>Whether an index's leading columns are exactly <paramref name="columns"/> (in any order): rows equal on them are found without a scan.</summary>
    public bool HasIndexOn(IReadOnlyCollection<string> columns)
        => Indexes.Any(index => index.Count >= columns.Count
                                && index.Take(columns.Count).ToHashSet(StringComparer.Ordinal).SetEquals(columns));
}

/// <summary>A column and its declared store type (for example <c>numeric(12,2)</c> or <c>character varying(40)</c>).</summary>
internal sealed record DbColumn(string Name, string StoreType, bool IsNullable, bool IsEnum = false)
{
    /// <summary>Whether a write may set this column (identity and generated columns are the database's own).</summary>
    public ColumnGeneration Generation { get; init; }

    /// <summary>The default's SQL expression where a write must spell it out (SQLite has no <c>DEFAULT</c> in an <c>UPDATE</c>).</summary>
    public string? DefaultSql { get; init; }
}

/// <summary>Who gives a column its value when a row is written.</summary>
internal enum ColumnGeneration
{
    /// <summary>The writer; a column without a value on insert is NULL.</summary>
    None,

    /// <summary>The writer, or the database's default when an insert leaves it out (a default, an identity BY DEFAULT, SQLite's rowid key).</summary>
    Defaulted,

    /// <summary>Only the database (an identity ALWAYS, a generated column): a write that sets it is refused.</summary>
    Always,
}

/// <summary>A foreign key from <see cref="Columns"/> to <see cref="PrincipalColumns"/> of the principal object.</summary>
internal sealed record DbForeignKey(
    string? Name,
    IReadOnlyList<string> Columns,
    string? PrincipalSchema,
    string PrincipalName,
    IReadOnlyList<string> PrincipalColumns);

/// <summary>The database products a source can be.</summary>
public enum SourceProvider
{
    /// <summary>PostgreSQL through Npgsql.</summary>
    PostgreSql,

    /// <summary>SQLite through Microsoft.Data.Sqlite.</summary>
    Sqlite,

    /// <summary>MySQL or MariaDB through MySqlConnector.</summary>
    MySql,
}
