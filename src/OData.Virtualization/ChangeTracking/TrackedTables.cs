using OData.Virtualization.Configuration;
using OData.Virtualization.Model;
using OData.Virtualization.Publishing;
using OData.Virtualization.Sources;

namespace OData.Virtualization.ChangeTracking;

/// <summary>A tracked table: its entity set, where it is, and its key columns as the database names them.</summary>
internal sealed record TrackedTable(string Set, string Schema, string Table, IReadOnlyList<string> KeyColumns, DataSource Source)
{
    /// <summary>How the change store names the table's changes: <c>schema.table</c>, the same under every service root.</summary>
    public string Store => Schema + "." + Table;

    /// <summary>The name the change store gives <paramref name="set"/>'s changes (under any root or profile).</summary>
    public static string StoreName(PublishedSet set) => (set.Object.Schema ?? "public") + "." + set.Object.Name;

    /// <summary>The table as SQL names it (quoted).</summary>
    public string Qualified => "\"" + Schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\".\"" + Table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

/// <summary>
/// The configured sets resolved against the published model, and the start-up check that they can be tracked: each
/// must exist, be a table (views have no changes of their own) of a PostgreSQL source, all of one source (one slot per
/// deployment, in one database). SQLite and views are refused with what to do instead, never tracked silently empty.
/// </summary>
internal sealed class TrackedTables : IModelCheck
{
    public static IReadOnlyList<TrackedTable> Resolve(ChangeTrackingOptions options, PublishedModel model)
        => options.Sets
            .Where(model.Sets.ContainsKey)
            .Select(name => model.Sets[name])
            .Select(set => new TrackedTable(set.Name, set.Object.Schema ?? "public", set.Object.Name, set.Key.Select(k => k.ColumnName).ToList(), set.Source))
            .ToList();

    public IEnumerable<string> Check(VirtualizationOptions settings, PublishedModel model)
    {
        var options = settings.ChangeTracking;
        if (!options.Enabled)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(options.StoreConnectionString))
        {
            yield return "OData:ChangeTracking:StoreConnectionString is empty, and OData:ChangeTracking:Sets lists sets to track. Name the PostgreSQL database that keeps the captured changes (it may be the source's database with a role that may write its own schema, OData:ChangeTracking:StoreSchema).";
        }

        var sources = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in options.Sets)
        {
            if (!model.Sets.TryGetValue(name, out var set))
            {
                yield return $"OData:ChangeTracking:Sets names '{name}', which is not a published entity set. Use the name the service document shows (names are case-sensitive).";
                continue;
            }

            if (set.Source.Provider != SourceProvider.PostgreSql)
            {
                yield return $"OData:ChangeTracking:Sets names '{name}', which is served from the {set.Source.Provider} source '{set.Source.Name}': change tracking reads PostgreSQL's logical decoding, and is not available for {set.Source.Provider}. Remove '{name}' from the list (docs/operations.md, change tracking).";
                continue;
            }

            if (set.Object.IsView)
            {
                yield return $"OData:ChangeTracking:Sets names '{name}', which is the view {set.Object.QualifiedName}: a view's rows change through its tables, which logical decoding reports, not the view. Track a table instead.";
                continue;
            }

            sources.Add(set.Source.Name);
        }

        if (sources.Count > 1)
        {
            yield return $"OData:ChangeTracking:Sets names sets of {sources.Count} sources ({string.Join(", ", sources.Order(StringComparer.Ordinal))}): one deployment has one replication slot, in one database. Track the sets of one source.";
        }

        if (options.Retention <= TimeSpan.Zero)
        {
            yield return $"OData:ChangeTracking:Retention is {options.Retention}. Use a positive duration, for example 7.00:00:00 (7 days).";
        }

        foreach (var (setting, value) in new[] { ("SlotName", options.SlotName), ("PublicationName", options.PublicationName), ("StoreSchema", options.StoreSchema) })
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(value ?? string.Empty, "^[a-z_][a-z0-9_]{0,62}$"))
            {
                yield return $"OData:ChangeTracking:{setting} is '{value}'. Use lower-case letters, digits and underscores, starting with a letter or underscore, at most 63 characters (a PostgreSQL name that needs no quoting).";
            }
        }

        if (options.CheckIntervalSeconds < 1)
        {
            yield return $"OData:ChangeTracking:CheckIntervalSeconds is {options.CheckIntervalSeconds}. Use at least 1.";
        }
    }
}
