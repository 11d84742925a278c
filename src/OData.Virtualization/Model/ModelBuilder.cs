using System.Text.RegularExpressions;
using Microsoft.OData.Edm;
using OData.Virtualization.Configuration;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Model;

/// <summary>
/// Builds the published model from what discovery found and what the operator configured:
/// which objects are published, their names, keys, columns, types and navigation properties.
/// </summary>
internal sealed partial class ModelBuilder
{
    public const string Namespace = "Virtualization";
    public const string ContainerName = "Container";

    private readonly List<string> _report = [];
    private readonly List<string> _errors = [];

    /// <summary>Start-up report lines: one per published entity set, one per skipped object, column or relationship.</summary>
    public IReadOnlyList<string> Report => _report;

    /// <summary>The entity sets whose changes are tracked (<c>OData:ChangeTracking:Sets</c>). Default: none.</summary>
    public IReadOnlySet<string> TrackedSets { get; init; } = new HashSet<string>();

    /// <summary>
    /// Schemas that hold the server's own tables (change tracking's store): never published,
    /// whatever a source's Publish patterns say — they hold keys and old rows of tracked tables.
    /// </summary>
    public IReadOnlySet<string> ServerSchemas { get; init; } = new HashSet<string>();

    /// <summary>Configuration that refers to things that do not exist; the server does not start with any.</summary>
    public IReadOnlyList<string> Errors => _errors;

    public PublishedModel Build(IReadOnlyList<(DataSource Source, SourceSchema Schema)> sources)
    {
        var candidates = new List<Candidate>();
        foreach (var (source, schema) in sources)
        {
            var patterns = PublishPatterns(source.Options.Publish);
            var configured = new HashSet<string>(source.Options.EntitySets.Keys, StringComparer.OrdinalIgnoreCase);
            foreach (var dbObject in schema.Objects)
            {
                var settings = FindSettings(source.Options, dbObject, out var settingsKey);
                if (settingsKey is not null)
                {
                    configured.Remove(settingsKey);
                }

                if (!IsPublished(patterns, dbObject) || source.IsServerTable(dbObject) || (dbObject.Schema is { } objectSchema && ServerSchemas.Contains(objectSchema)))
                {
                    continue;
                }

                var candidate = Prepare(source, dbObject, settings);
                if (candidate is not null)
                {
                    candidates.Add(candidate);
                }
            }

            foreach (var missing in configured)
            {
                _errors.Add($"OData:Sources:{source.Name}:EntitySets:{missing} refers to no table or view of source '{source.Name}'. " +
                            "Use the object's schema-qualified name as discovered (for example 'sales.orders'), or remove the entry.");
            }
        }

        AssignSetNames(candidates);

        var model = new EdmModel();
        var container = new EdmEntityContainer(Namespace, ContainerName);
        model.AddElement(container);
        var sets = new Dictionary<string, PublishedSet>(StringComparer.Ordinal);
        foreach (var candidate in candidates.OrderBy(c => c.SetName, StringComparer.Ordinal))
        {
            var set = new PublishedSet(candidate.SetName!, candidate.Source, candidate.Object, candidate.Columns, candidate.Key)
            {
                Settings = candidate.Settings,
                IsTracked = TrackedSets.Contains(candidate.SetName!),
            };
            var type = new EdmEntityType(Namespace, candidate.SetName!);
            foreach (var column in candidate.Columns)
            {
                column.EdmProperty = type.AddStructuralProperty(column.PropertyName, EdmType(column));
            }

            type.AddKeys(candidate.Key.Select(k => k.EdmProperty));
            model.AddElement(type);
            set.EdmType = type;
            set.EdmSet = container.AddEntitySet(candidate.SetName!, type);
            sets.Add(set.Name, set);
            _report.Add($"Published '{set.Name}' from {candidate.Source.Name}:{candidate.Object.QualifiedName} " +
                        $"({(candidate.Object.IsView ? "view" : "table")}, {candidate.Columns.Count} columns, key {string.Join(", ", candidate.Key.Select(k => k.PropertyName))})");
        }

        // In name order, not discovery order, so that the navigation properties (and their names when they
        // collide) come out the same however the catalog happened to list the objects.
        foreach (var candidate in candidates.OrderBy(c => c.Source.Name, StringComparer.Ordinal).ThenBy(c => c.Object.QualifiedName, StringComparer.Ordinal))
        {
            AddNavigations(candidate, candidates, sets);
        }

        CapabilityAnnotations.Annotate(model, sets.Values);
        AggregationAnnotations.Annotate(model, sets.Values);
        return new PublishedModel(model, sets);
    }

    private Candidate? Prepare(DataSource source, DbObject dbObject, EntitySetOptions? settings)
    {
        var where = $"{source.Name}:{dbObject.QualifiedName}";
        var hidden = new HashSet<string>(settings?.HiddenColumns ?? [], StringComparer.Ordinal);
        foreach (var name in hidden.Where(h => dbObject.Columns.All(c => c.Name != h)))
        {
            _errors.Add($"Hidden column '{name}' of {where} does not exist. Columns are: {string.Join(", ", dbObject.Columns.Select(c => c.Name))}.");
        }

        var typeOverrides = settings?.ColumnTypes ?? new Dictionary<string, string>();
        var columns = new List<PublishedColumn>();
        var propertyNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var configuredKey = settings?.Key ?? [];
        var keyNames = configuredKey.Count > 0 ? configuredKey : dbObject.PrimaryKey;
        foreach (var column in dbObject.Columns)
        {
            if (hidden.Contains(column.Name))
            {
                continue;
            }

            var dbColumn = typeOverrides.TryGetValue(column.Name, out var overrideType) ? column with { StoreType = overrideType, IsEnum = false } : column;
            var (type, reason) = TypeMapper.Map(source.Provider, dbColumn);
            if (type is null)
            {
                _report.Add($"Skipped column {where}.{column.Name}: {reason}.");
                continue;
            }

            var isKey = keyNames.Contains(column.Name, StringComparer.Ordinal);
            var name = Naming.MakeUnique(Naming.Sanitize(column.Name), propertyNames);
            columns.Add(new PublishedColumn(name, column.Name, type, column.IsNullable && !isKey) { Generation = column.Generation });
        }

        var settingsPath = $"OData:Sources:{source.Name}:EntitySets:{dbObject.QualifiedName}";
        if (keyNames.Count == 0)
        {
            _report.Add($"Skipped {where}: {(dbObject.IsView ? "a view has" : "the table has")} no primary key. To publish it, set {settingsPath}:Key to the columns that identify a row.");
            return null;
        }

        var key = new List<PublishedColumn>();
        foreach (var keyName in keyNames)
        {
            var keyColumn = columns.FirstOrDefault(c => c.ColumnName == keyName);
            if (keyColumn is null)
            {
                var message = dbObject.Columns.Any(c => c.Name == keyName)
                    ? $"key column '{keyName}' is hidden or has an unsupported type"
                    : $"key column '{keyName}' does not exist";
                if (configuredKey.Count > 0)
                {
                    _errors.Add($"{settingsPath}:Key: {message}. Columns are: {string.Join(", ", dbObject.Columns.Select(c => c.Name))}.");
                }
                else
                {
                    _report.Add($"Skipped {where}: {message}. Set {settingsPath}:Key to other columns to publish it.");
                }

                return null;
            }

            if (!keyColumn.Type.CanBeKey)
            {
                _report.Add($"Skipped {where}: key column '{keyName}' has a type that cannot be an OData key ({keyColumn.Type.EdmKind}). Set {settingsPath}:Key to other columns to publish it.");
                return null;
            }

            key.Add(keyColumn);
        }

        if (settings?.Name is { } configuredName && !Naming.IsValidIdentifier(configuredName))
        {
            _errors.Add($"{settingsPath}:Name '{configuredName}' is not a valid OData identifier: use letters, digits and underscores, starting with a letter or underscore, at most 128 characters.");
            return null;
        }

        return new Candidate(source, dbObject, columns, key, settings?.Name) { Settings = settings };
    }

    private void AssignSetNames(List<Candidate> candidates)
    {
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var candidate in candidates.Where(c => c.ConfiguredName is not null))
        {
            if (!taken.Add(candidate.ConfiguredName!))
            {
                _errors.Add($"Two entity sets are configured with the name '{candidate.ConfiguredName}'. Give each a unique Name.");
            }

            candidate.SetName = candidate.ConfiguredName;
        }

        // Plain object names where unique. Where names collide, qualify by source when the colliding objects
        // come from different sources, and by schema when one source has the name in several schemas.
        // Every step depends only on the names, so the same schema always gives the same names.
        var pending = candidates.Where(c => c.SetName is null)
            .OrderBy(c => c.Source.Name, StringComparer.Ordinal)
            .ThenBy(c => c.Object.QualifiedName, StringComparer.Ordinal)
            .ToList();
        foreach (var group in pending.GroupBy(c => Naming.Sanitize(c.Object.Name), StringComparer.OrdinalIgnoreCase))
        {
            var members = group.ToList();
            if (members.Count == 1 && !taken.Contains(group.Key))
            {
                members[0].SetName = group.Key;
                taken.Add(group.Key);
                continue;
            }

            var severalSources = members.Select(m => m.Source.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() > 1;
            foreach (var member in members)
            {
                var severalSchemas = members.Count(m => m.Source == member.Source) > 1;
                var name = (severalSources ? member.Source.Name + "_" : string.Empty)
                    + (severalSchemas && member.Object.Schema is not null ? member.Object.Schema + "_" : string.Empty)
                    + member.Object.Name;
                member.SetName = Naming.MakeUnique(Naming.Sanitize(name), taken);
            }
        }
    }

    private void AddNavigations(Candidate dependent, List<Candidate> candidates, Dictionary<string, PublishedSet> sets)
    {
        var dependentSet = sets[dependent.SetName!];
        foreach (var foreignKey in dependent.Object.ForeignKeys.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var where = $"{dependent.Source.Name}:{dependent.Object.QualifiedName} ({string.Join(", ", foreignKey.Columns)})";
            var principal = candidates.FirstOrDefault(c => c.Source == dependent.Source
                && c.Object.Name == foreignKey.PrincipalName
                && (c.Object.Schema ?? string.Empty) == (foreignKey.PrincipalSchema ?? string.Empty));
            if (principal is null)
            {
                _report.Add($"Skipped relationship {where} -> {foreignKey.PrincipalName}: the referenced object is not published.");
                continue;
            }

            var principalSet = sets[principal.SetName!];
            var join = new List<(PublishedColumn Local, PublishedColumn Remote)>();
            for (var i = 0; i < foreignKey.Columns.Count; i++)
            {
                var local = dependentSet.Columns.FirstOrDefault(c => c.ColumnName == foreignKey.Columns[i]);
                var remote = principalSet.Columns.FirstOrDefault(c => c.ColumnName == foreignKey.PrincipalColumns[i]);
                if (local is null || remote is null)
                {
                    join.Clear();
                    break;
                }

                join.Add((local, remote));
            }

            if (join.Count == 0)
            {
                _report.Add($"Skipped relationship {where} -> {principalSet.Name}: a column of the key is hidden or unsupported.");
                continue;
            }

            var toPrincipalName = UniqueMemberName(dependentSet, ToPrincipalName(foreignKey, principalSet, dependent.Object.ForeignKeys));
            var sameDependentCount = dependent.Object.ForeignKeys.Count(f => f.PrincipalName == foreignKey.PrincipalName && f.PrincipalSchema == foreignKey.PrincipalSchema);
            var toDependentsBase = sameDependentCount > 1 || dependentSet == principalSet
                ? dependentSet.Name + "_by_" + string.Join("_", foreignKey.Columns)
                : dependentSet.Name;
            var toDependentsName = UniqueMemberName(principalSet, Naming.Sanitize(toDependentsBase));

            var required = join.All(j => !j.Local.IsNullable);
            var dependentKeyIsForeignKey = dependentSet.Key.Count == join.Count && join.All(j => dependentSet.Key.Contains(j.Local));
            var constraintTypesMatch = join.All(j => j.Local.Type.EdmKind == j.Remote.Type.EdmKind)
                && principalSet.Key.Count == join.Count && join.All(j => principalSet.Key.Contains(j.Remote));

            var toPrincipal = new EdmNavigationPropertyInfo
            {
                Name = toPrincipalName,
                Target = principalSet.EdmType,
                TargetMultiplicity = required ? EdmMultiplicity.One : EdmMultiplicity.ZeroOrOne,
                DependentProperties = constraintTypesMatch ? join.Select(j => j.Local.EdmProperty) : null,
                PrincipalProperties = constraintTypesMatch ? join.Select(j => j.Remote.EdmProperty) : null,
            };
            var toDependents = new EdmNavigationPropertyInfo
            {
                Name = toDependentsName,
                Target = dependentSet.EdmType,
                TargetMultiplicity = dependentKeyIsForeignKey ? EdmMultiplicity.ZeroOrOne : EdmMultiplicity.Many,
            };
            var navigation = dependentSet.EdmType.AddBidirectionalNavigation(toPrincipal, toDependents);
            dependentSet.EdmSet.AddNavigationTarget(navigation, principalSet.EdmSet);
            principalSet.EdmSet.AddNavigationTarget(navigation.Partner, dependentSet.EdmSet);

            dependentSet.Navigations.Add(new PublishedNavigation
            {
                Name = toPrincipalName,
                Target = principalSet,
                Join = join,
                IsCollection = false,
                EdmProperty = navigation,
            });
            principalSet.Navigations.Add(new PublishedNavigation
            {
                Name = toDependentsName,
                Target = dependentSet,
                Join = join.Select(j => (j.Remote, j.Local)).ToList(),
                IsCollection = toDependents.TargetMultiplicity == EdmMultiplicity.Many,
                EdmProperty = navigation.Partner,
            });
        }
    }

    private static string ToPrincipalName(DbForeignKey foreignKey, PublishedSet principal, IReadOnlyList<DbForeignKey> all)
    {
        if (foreignKey.Columns.Count == 1)
        {
            // customer_id -> customer, ParentCategoryId -> ParentCategory, supplier_code -> supplier
            var column = foreignKey.Columns[0];
            foreach (var suffix in new[] { "_id", "_code", "_no", "_key", "Id", "ID", "Code", "Key" })
            {
                if (column.Length > suffix.Length && column.EndsWith(suffix, StringComparison.Ordinal))
                {
                    return Naming.Sanitize(column[..^suffix.Length]);
                }
            }
        }

        var sameTarget = all.Count(f => f.PrincipalName == foreignKey.PrincipalName && f.PrincipalSchema == foreignKey.PrincipalSchema);
        return Naming.Sanitize(sameTarget > 1 ? principal.Name + "_by_" + string.Join("_", foreignKey.Columns) : principal.Name);
    }

    private static string UniqueMemberName(PublishedSet set, string name)
    {
        var taken = new HashSet<string>(set.Columns.Select(c => c.PropertyName).Concat(set.Navigations.Select(n => n.Name)), StringComparer.OrdinalIgnoreCase);
        if (taken.Contains(name))
        {
            name += "_nav";
        }

        return Naming.MakeUnique(name, taken);
    }

    private static IEdmTypeReference EdmType(PublishedColumn column)
    {
        var type = column.Type;
        var nullable = column.IsNullable;
        IEdmTypeReference element = type.Kind switch
        {
            ValueKind.String => EdmCoreModel.Instance.GetString(isUnbounded: type.MaxLength is null, maxLength: type.MaxLength, isUnicode: true, isNullable: nullable),
            ValueKind.Decimal => EdmCoreModel.Instance.GetDecimal(type.Precision, type.Precision is null ? null : type.Scale, nullable),
            ValueKind.Binary => EdmCoreModel.Instance.GetBinary(isUnbounded: true, maxLength: null, isNullable: nullable),
            _ => EdmCoreModel.Instance.GetPrimitive(type.EdmKind, nullable),
        };
        return type.IsCollection ? EdmCoreModel.GetCollection(element) : element;
    }

    private sealed class Candidate(DataSource source, DbObject dbObject, IReadOnlyList<PublishedColumn> columns, IReadOnlyList<PublishedColumn> key, string? configuredName)
    {
        public DataSource Source { get; } = source;

        public DbObject Object { get; } = dbObject;

        public IReadOnlyList<PublishedColumn> Columns { get; } = columns;

        public IReadOnlyList<PublishedColumn> Key { get; } = key;

        public string? ConfiguredName { get; } = configuredName;

        public string? SetName { get; set; }

        public EntitySetOptions? Settings { get; init; }
    }
}
