using OData.Virtualization.Configuration;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Model;

/// <summary>The writes an entity set accepts: what its operator allows, then what the caller's policy grants of that.</summary>
[Flags]
internal enum WriteOperations
{
    None = 0,

    /// <summary><c>POST</c> to the set.</summary>
    Insert = 1,

    /// <summary><c>PATCH</c> and <c>PUT</c> of an entity.</summary>
    Update = 2,

    /// <summary><c>DELETE</c> of an entity.</summary>
    Delete = 4,
}

/// <summary>Reading <see cref="WriteOperations"/> from configuration.</summary>
internal static class WriteGrants
{
    /// <summary>The names a policy uses in <c>Writes</c>.</summary>
    public static readonly IReadOnlyDictionary<string, WriteOperations> Names = new Dictionary<string, WriteOperations>(StringComparer.OrdinalIgnoreCase)
    {
        ["insert"] = WriteOperations.Insert,
        ["update"] = WriteOperations.Update,
        ["delete"] = WriteOperations.Delete,
    };

    /// <summary>
    /// What the operator opened on a table: only a table (not a view) with a primary key, where a key names exactly one
    /// row that the database itself guarantees.
    /// </summary>
    public static WriteOperations Allowed(EntitySetWriteOptions? writes, DbObject table, SourceProvider provider)
    {
        // MySQL and MariaDB: not yet (their statements differ: no RETURNING on MySQL, no alias in DELETE).
        if (writes is null || table.IsView || table.PrimaryKey.Count == 0 || provider is not (SourceProvider.PostgreSql or SourceProvider.Sqlite))
        {
            return WriteOperations.None;
        }

        return (writes.Insert ? WriteOperations.Insert : 0) | (writes.Update ? WriteOperations.Update : 0) | (writes.Delete ? WriteOperations.Delete : 0);
    }

    /// <summary>A policy's grant (unknown names are the policy validator's to report; here they grant nothing).</summary>
    public static WriteOperations Granted(IEnumerable<string> names)
        => names.Aggregate(WriteOperations.None, (all, name) => all | Names.GetValueOrDefault(name.Trim()));
}
