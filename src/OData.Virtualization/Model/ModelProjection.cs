using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;

namespace OData.Virtualization.Model;

/// <summary>What one caller may see of one entity set.</summary>
/// <param name="Writes">The writes the caller's policies grant (the set's own <see cref="PublishedSet.Writes"/> still bounds them).</param>
internal sealed record SetView(SingleValueNode? RowFilter, IReadOnlySet<string> HiddenProperties, IReadOnlyDictionary<string, int> MaskedProperties, WriteOperations Writes = WriteOperations.None);

/// <summary>
/// Projects the published model onto what one caller may see: only the granted entity sets, without their hidden
/// properties, with masked properties marked, and only the relationships whose both ends and join columns remain.
/// Names stay the same, so a caller's links and <c>$metadata</c> agree with everyone else's where they overlap.
/// </summary>
internal static class ModelProjection
{
    public static PublishedModel Project(PublishedModel full, Func<PublishedSet, SetView?> view)
    {
        var model = new EdmModel();
        var container = new EdmEntityContainer(ModelBuilder.Namespace, ModelBuilder.ContainerName);
        model.AddElement(container);
        var sets = new Dictionary<string, PublishedSet>(StringComparer.Ordinal);
        var projected = new Dictionary<PublishedSet, PublishedSet>();
        foreach (var set in full.Sets.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            if (view(set) is not { } rules || set.Key.Any(k => rules.HiddenProperties.Contains(k.PropertyName) || rules.MaskedProperties.ContainsKey(k.PropertyName)))
            {
                continue; // not granted, or a rule would hide the key: then the set is not visible at all
            }

            var columns = set.Columns
                .Where(c => !rules.HiddenProperties.Contains(c.PropertyName))
                .Select(c => c with { Mask = rules.MaskedProperties.TryGetValue(c.PropertyName, out var n) && c.Type.IsText ? n : null })
                .ToList();
            var type = new EdmEntityType(ModelBuilder.Namespace, set.EdmType.Name);
            foreach (var column in columns)
            {
                var original = set.GetColumn(column.EdmProperty);
                column.EdmProperty = type.AddStructuralProperty(column.PropertyName, original.EdmProperty.Type);
            }

            var key = set.Key.Select(k => columns.First(c => c.PropertyName == k.PropertyName)).ToList();
            type.AddKeys(key.Select(k => k.EdmProperty));
            model.AddElement(type);
            var copy = new PublishedSet(set.Name, set.Source, set.Object, columns, key)
            {
                Settings = set.Settings,
                IsTracked = set.IsTracked,
                // What the operator opened on the table, of what the caller's policies grant: the published model itself
                // (every caller's when no policy is configured) writes nothing.
                Writes = WriteGrants.Allowed(set.Settings?.Writes, set.Object, set.Source.Provider) & rules.Writes,
                RowFilter = rules.RowFilter,
                PolicySet = set,
                EdmType = type,
            };
            copy.EdmSet = container.AddEntitySet(set.Name, type);
            sets.Add(copy.Name, copy);
            projected.Add(set, copy);
        }

        var done = new HashSet<IEdmNavigationProperty>();
        foreach (var (original, copy) in projected)
        {
            foreach (var navigation in original.Navigations.Where(n => !n.IsCollection || n.EdmProperty.Partner is null))
            {
                if (!done.Add(navigation.EdmProperty) || !projected.TryGetValue(navigation.Target, out var target))
                {
                    continue;
                }

                var partner = navigation.Target.Navigations.FirstOrDefault(n => ReferenceEquals(n.EdmProperty, navigation.EdmProperty.Partner));
                var join = navigation.Join.Select(j => (Local: copy.FindColumn(j.Local.PropertyName), Remote: target.FindColumn(j.Remote.PropertyName))).ToList();
                if (partner is null || join.Any(j => j.Local is null || j.Remote is null || j.Local.Mask is not null || j.Remote.Mask is not null))
                {
                    continue; // a join column is hidden or masked: the relationship would leak or break
                }

                done.Add(partner.EdmProperty);
                var edm = navigation.EdmProperty;
                var constraint = edm.DependentProperties() is { } dependent && dependent.Any();
                var info = new EdmNavigationPropertyInfo
                {
                    Name = navigation.Name,
                    Target = target.EdmType,
                    TargetMultiplicity = edm.TargetMultiplicity(),
                    DependentProperties = constraint ? join.Select(j => j.Local!.EdmProperty) : null,
                    PrincipalProperties = constraint ? join.Select(j => j.Remote!.EdmProperty) : null,
                };
                var partnerInfo = new EdmNavigationPropertyInfo
                {
                    Name = partner.Name,
                    Target = copy.EdmType,
                    TargetMultiplicity = partner.EdmProperty.TargetMultiplicity(),
                };
                var added = copy.EdmType.AddBidirectionalNavigation(info, partnerInfo);
                copy.EdmSet.AddNavigationTarget(added, target.EdmSet);
                target.EdmSet.AddNavigationTarget(added.Partner, copy.EdmSet);
                copy.Navigations.Add(new PublishedNavigation
                {
                    Name = navigation.Name,
                    Target = target,
                    Join = join.Select(j => (j.Local!, j.Remote!)).ToList(),
                    IsCollection = navigation.IsCollection,
                    EdmProperty = added,
                });
                target.Navigations.Add(new PublishedNavigation
                {
                    Name = partner.Name,
                    Target = copy,
                    Join = join.Select(j => (j.Remote!, j.Local!)).ToList(),
                    IsCollection = partner.IsCollection,
                    EdmProperty = added.Partner,
                });
            }
        }

        CapabilityAnnotations.Annotate(model, sets.Values);
        AggregationAnnotations.Annotate(model, sets.Values);
        return new PublishedModel(model, sets);
    }
}
