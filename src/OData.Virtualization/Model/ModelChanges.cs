
namespace OData.Virtualization.Model;

/// <summary>What changed between two published models.</summary>
internal enum ChangeKind
{
    EntitySetAdded,
    EntitySetRemoved,
    KeyChanged,
    PropertyAdded,
    PropertyRemoved,
    TypeChanged,
    NullabilityChanged,
    MaxLengthChanged,
    PrecisionChanged,
    ScaleChanged,
    NavigationAdded,
    NavigationRemoved,
}

/// <summary>
/// One difference between two published models, and whether it breaks a client that synced the old one (a Salesforce
/// external object, a Power BI model, a client generated from <c>$metadata</c>).
/// </summary>
internal sealed record ModelChange(ChangeKind Kind, string EntitySet, string? Member, string? Before, string? After, bool Breaking, string Message)
{
    /// <summary>Which service root's model changed: <c>odata</c>, or <c>salesforce</c> for the Salesforce profile.</summary>
    public string Profile { get; init; } = ModelChanges.ODataProfile;
}

/// <summary>
/// Compares two <see cref="ModelDescription"/>s. Breaking: a removed entity set, property or navigation property, a
/// retyped property, a changed key, a property that may now be null, and a narrower facet (a shorter MaxLength, a
/// smaller precision or scale) — each makes a client that synced the old model fail or mis-handle values. Not breaking:
/// additions, a property that can no longer be null, and wider facets (clients that sized a field by the old facet,
/// such as a Salesforce Text(n) field, are told to re-sync in the message).
/// </summary>
internal static class ModelChanges
{
    public const string ODataProfile = "odata";
    public const string SalesforceProfileName = "salesforce";

    public static IReadOnlyList<ModelChange> Compare(ModelDescription before, ModelDescription after, string profile = ODataProfile)
    {
        var changes = new List<ModelChange>();
        var prefix = profile == SalesforceProfileName ? "Salesforce profile: " : string.Empty;
        void Add(ChangeKind kind, string set, string? member, string? old, string? @new, bool breaking, string message)
            => changes.Add(new ModelChange(kind, set, member, old, @new, breaking, prefix + message) { Profile = profile });

        foreach (var (name, old) in before.Sets.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (!after.Sets.TryGetValue(name, out var current))
            {
                Add(ChangeKind.EntitySetRemoved, name, null, null, null, true,
                    $"Entity set '{name}' was removed: clients that synced it (a Salesforce external object, a Power BI table) fail until it is back or they re-sync.");
                continue;
            }

            CompareSet(old, current, Add);
        }

        foreach (var (name, added) in after.Sets.Where(s => !before.Sets.ContainsKey(s.Key)).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            Add(ChangeKind.EntitySetAdded, name, null, null, $"{added.Properties.Count} properties, key {string.Join(", ", added.Key)}", false,
                $"Entity set '{name}' was added ({added.Properties.Count} properties, key {string.Join(", ", added.Key)}).");
        }

        return changes;
    }

    private static void CompareSet(SetDescription old, SetDescription current, Action<ChangeKind, string, string?, string?, string?, bool, string> add)
    {
        var set = old.Name;
        if (!old.Key.SequenceEqual(current.Key, StringComparer.Ordinal))
        {
            var (was, now) = (string.Join(", ", old.Key), string.Join(", ", current.Key));
            add(ChangeKind.KeyChanged, set, null, was, now, true,
                $"The key of '{set}' changed from ({was}) to ({now}): a synced client's external ids and saved next links no longer identify the same rows.");
        }

        var currentProperties = current.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var property in old.Properties)
        {
            var where = $"'{set}.{property.Name}'";
            if (!currentProperties.TryGetValue(property.Name, out var now))
            {
                add(ChangeKind.PropertyRemoved, set, property.Name, property.TypeText, null, true,
                    $"Property {where} was removed: requests that select, filter or order by it fail, and fields synced from it stop working.");
                continue;
            }

            if (property.Type != now.Type)
            {
                add(ChangeKind.TypeChanged, set, property.Name, property.TypeText, now.TypeText, true,
                    $"Property {where} changed type from {property.TypeText} to {now.TypeText}: clients that synced the old type read its values wrongly or fail.");
                continue;
            }

            if (property.Nullable != now.Nullable)
            {
                add(ChangeKind.NullabilityChanged, set, property.Name, Nullability(property.Nullable), Nullability(now.Nullable), now.Nullable,
                    now.Nullable
                        ? $"Property {where} may now be null (it could not be before): a client that relies on a value (a typed client, a Power BI relationship) can fail."
                        : $"Property {where} can no longer be null.");
            }

            Facet(add, ChangeKind.MaxLengthChanged, set, property.Name, "MaxLength", property.MaxLength, now.MaxLength,
                "clients that sized a field by the old length (a Salesforce Text field) may cut longer values until they re-sync");
            Facet(add, ChangeKind.PrecisionChanged, set, property.Name, "Precision", property.Precision, now.Precision,
                "clients that sized a number field by the old precision may reject larger values until they re-sync");
            Facet(add, ChangeKind.ScaleChanged, set, property.Name, "Scale", property.Scale, now.Scale,
                "clients that sized a number field by the old scale may round values until they re-sync");
        }

        var oldProperties = old.Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var property in current.Properties.Where(p => !oldProperties.Contains(p.Name)))
        {
            add(ChangeKind.PropertyAdded, set, property.Name, null, property.TypeText, false,
                $"Property '{set}.{property.Name}' ({property.TypeText}, {Nullability(property.Nullable)}) was added.");
        }

        var currentNavigations = current.Navigations.ToDictionary(n => n.Name, StringComparer.Ordinal);
        foreach (var navigation in old.Navigations)
        {
            if (!currentNavigations.TryGetValue(navigation.Name, out var now) || now.Target != navigation.Target || now.Collection != navigation.Collection)
            {
                add(ChangeKind.NavigationRemoved, set, navigation.Name, navigation.Target, now?.Target, true,
                    $"Navigation property '{set}.{navigation.Name}' to '{navigation.Target}' was removed or changed: an $expand of it fails.");
                if (now is not null)
                {
                    add(ChangeKind.NavigationAdded, set, now.Name, null, now.Target, false, $"Navigation property '{set}.{now.Name}' to '{now.Target}' was added.");
                }
            }
        }

        var oldNavigations = old.Navigations.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var navigation in current.Navigations.Where(n => !oldNavigations.Contains(n.Name)))
        {
            add(ChangeKind.NavigationAdded, set, navigation.Name, null, navigation.Target, false, $"Navigation property '{set}.{navigation.Name}' to '{navigation.Target}' was added.");
        }
    }

    /// <summary>A facet where no value means "unbounded": narrower is breaking, wider is not.</summary>
    private static void Facet(Action<ChangeKind, string, string?, string?, string?, bool, string> add, ChangeKind kind, string set, string property, string facet, int? old, int? now, string whenWider)
    {
        if (old == now)
        {
            return;
        }

        var narrower = now is not null && (old is null || now < old);
        var (was, becomes) = (old?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unbounded", now?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unbounded");
        add(kind, set, property, was, becomes, narrower, narrower
            ? $"{facet} of '{set}.{property}' was narrowed from {was} to {becomes}: values clients hold or send may no longer fit."
            : $"{facet} of '{set}.{property}' was widened from {was} to {becomes}: {whenWider}.");
    }

    private static string Nullability(bool nullable) => nullable ? "nullable" : "not null";
}
