using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.OData.Edm;
using OData.Virtualization.Model;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Profiles;

/// <summary>A model as Salesforce Connect sees it, its <c>$metadata</c>, and what the profile renamed or left out.</summary>
internal sealed record SalesforceView(PublishedModel Model, MetadataWriter Metadata, IReadOnlyList<string> Report);

/// <summary>
/// The Salesforce Connect profile of a published model. "Validate and Sync" turns every entity set into an external
/// object and every property into a field, and fails (or silently drops things) on what Salesforce cannot hold. So the
/// profile publishes:
/// <list type="bullet">
/// <item>names Salesforce accepts: ASCII letters, digits and single underscores, starting with a letter, not ending
/// with an underscore, at most 40 characters, unique ignoring case (Salesforce folds case);</item>
/// <item>only the types Salesforce syncs (Binary, Boolean, Byte, SByte, Int16/32/64, Decimal, Double, Single, Date,
/// DateTimeOffset, Guid, String); other properties are left out and listed in the report (a set whose key would be
/// left out is not published);</item>
/// <item>no navigation properties: Salesforce never sends <c>$expand</c>; its relationships are configured on fields.</item>
/// </list>
/// Names are stable: each depends only on the name it replaces (a name that must be shortened, or that collides,
/// ends in <c>_</c> and 8 characters of a hash of the original), so the same schema gives the same names on every
/// start and a Salesforce re-sync changes nothing.
/// </summary>
internal static class SalesforceProfile
{
    public const int MaxNameLength = 40;

    private const int HashLength = 8;

    private static readonly ConditionalWeakTable<PublishedModel, SalesforceView> s_views = [];

    /// <summary>The profile of <paramref name="model"/> (computed once per model snapshot).</summary>
    public static SalesforceView For(PublishedModel model) => s_views.GetValue(model, Project);

    /// <summary>Whether Salesforce accepts <paramref name="name"/> as an object or field name.</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length is 0 or > MaxNameLength || !char.IsAsciiLetter(name[0]) || name[^1] == '_')
        {
            return false;
        }

        for (var i = 1; i < name.Length; i++)
        {
            var c = name[i];
            if (!(char.IsAsciiLetterOrDigit(c) || (c == '_' && name[i - 1] != '_')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether Salesforce Connect syncs a property of this type.</summary>
    public static bool IsSupported(IEdmTypeReference type)
        => !type.IsCollection() && type.AsPrimitive().PrimitiveKind() is EdmPrimitiveTypeKind.Binary or EdmPrimitiveTypeKind.Boolean
            or EdmPrimitiveTypeKind.Byte or EdmPrimitiveTypeKind.SByte or EdmPrimitiveTypeKind.Int16 or EdmPrimitiveTypeKind.Int32
            or EdmPrimitiveTypeKind.Int64 or EdmPrimitiveTypeKind.Decimal or EdmPrimitiveTypeKind.Double or EdmPrimitiveTypeKind.Single
            or EdmPrimitiveTypeKind.Date or EdmPrimitiveTypeKind.DateTimeOffset or EdmPrimitiveTypeKind.Guid or EdmPrimitiveTypeKind.String;

    /// <summary>
    /// The Salesforce form of a name: accents dropped, every other character outside <c>[A-Za-z0-9]</c> an underscore,
    /// runs of underscores one, none at either end, an <c>X</c> in front when it would not start with a letter, and
    /// names over 40 characters cut to 31 plus <c>_</c> and a hash of the original.
    /// </summary>
    public static string ToName(string original)
    {
        var text = new StringBuilder(original.Length + 1);
        foreach (var c in original.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
            {
                continue; // é → e, ü → u
            }

            var next = c switch
            {
                'ß' => "ss",
                'Æ' => "AE",
                'æ' => "ae",
                'Ø' => "O",
                'ø' => "o",
                _ when char.IsAsciiLetterOrDigit(c) => c.ToString(),
                _ => "_",
            };
            foreach (var n in next)
            {
                if (n != '_' || (text.Length > 0 && text[^1] != '_'))
                {
                    text.Append(n);
                }
            }
        }

        while (text.Length > 0 && text[^1] == '_')
        {
            text.Length--;
        }

        if (text.Length == 0 || !char.IsAsciiLetter(text[0]))
        {
            text.Insert(0, text.Length == 0 ? "X" : "X_");
        }

        var name = text.ToString();
        return name.Length <= MaxNameLength ? name : WithHash(name, original);
    }

    /// <summary>A name cut to leave room for <c>_</c> and 8 characters of a hash of <paramref name="original"/>.</summary>
    private static string WithHash(string name, string original)
    {
        var stem = name.Length > MaxNameLength - HashLength - 1 ? name[..(MaxNameLength - HashLength - 1)] : name;
        return stem.TrimEnd('_') + "_" + Hash(original);
    }

    private static string Hash(string original)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(original)))[..HashLength];

    /// <summary>
    /// Gives each original a unique Salesforce name (ignoring case). A name that is already valid keeps itself; the
    /// others that collide get the hash suffix; a collision even then (two hashes alike) gets a counter.
    /// </summary>
    internal static Dictionary<string, string> Names(IEnumerable<string> originals)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        // Valid names first, so that a renamed one never takes the name of one that did not need renaming.
        foreach (var original in originals.OrderBy(o => IsValidName(o) ? 0 : 1).ThenBy(o => o, StringComparer.Ordinal))
        {
            var name = ToName(original);
            if (!taken.Add(name))
            {
                name = WithHash(name, original);
                var stem = name;
                for (var n = 2; !taken.Add(name); n++)
                {
                    var suffix = n.ToString(CultureInfo.InvariantCulture);
                    name = stem[..(Math.Min(stem.Length, MaxNameLength - suffix.Length))] + suffix;
                }
            }

            names.Add(original, name);
        }

        return names;
    }

    private static SalesforceView Project(PublishedModel full)
    {
        var report = new List<string>();
        var model = new EdmModel();
        var container = new EdmEntityContainer(ModelBuilder.Namespace, ModelBuilder.ContainerName);
        model.AddElement(container);
        var sets = new Dictionary<string, PublishedSet>(StringComparer.Ordinal);
        var setNames = Names(full.Sets.Keys);
        foreach (var set in full.Sets.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var unsupported = set.Columns.Where(c => !IsSupported(c.EdmProperty.Type)).ToList();
            if (set.Key.FirstOrDefault(k => unsupported.Contains(k)) is { } badKey)
            {
                report.Add($"Salesforce profile: skipped entity set '{set.Name}': its key property '{badKey.PropertyName}' is {TypeName(badKey)}, which Salesforce Connect does not sync. Publish it with another key (OData:Sources:<source>:EntitySets:<object>:Key).");
                continue;
            }

            foreach (var column in unsupported)
            {
                report.Add($"Salesforce profile: skipped property '{set.Name}.{column.PropertyName}': {TypeName(column)} is not a type Salesforce Connect syncs (it is served under /odata).");
            }

            var kept = set.Columns.Where(c => !unsupported.Contains(c)).ToList();
            var propertyNames = Names(kept.Select(c => c.PropertyName));
            var name = setNames[set.Name];
            if (name != set.Name)
            {
                report.Add($"Salesforce profile: entity set '{set.Name}' is published as '{name}' (Salesforce's name rules).");
            }

            var type = new EdmEntityType(ModelBuilder.Namespace, name);
            var columns = new List<PublishedColumn>(kept.Count);
            foreach (var column in kept)
            {
                var propertyName = propertyNames[column.PropertyName];
                if (propertyName != column.PropertyName)
                {
                    report.Add($"Salesforce profile: property '{set.Name}.{column.PropertyName}' is published as '{name}.{propertyName}'.");
                }

                var copy = column with { PropertyName = propertyName };
                copy.EdmProperty = type.AddStructuralProperty(propertyName, column.EdmProperty.Type);
                columns.Add(copy);
            }

            var key = set.Key.Select(k => columns[kept.IndexOf(k)]).ToList();
            type.AddKeys(key.Select(k => k.EdmProperty));
            model.AddElement(type);
            var published = new PublishedSet(name, set.Source, set.Object, columns, key)
            {
                Settings = set.Settings,
                IsTracked = set.IsTracked,
                // Writes through the profile's names are the same writes of the same rows (its names map back).
                Writes = set.Writes,
                // A policy's row filter refers to the unrestricted set's properties: both stay as they are.
                RowFilter = set.RowFilter,
                PolicySet = set.PolicySet,
                EdmType = type,
            };
            published.EdmSet = container.AddEntitySet(name, type);
            sets.Add(name, published);
        }

        if (full.Sets.Values.Any(s => s.Navigations.Count > 0))
        {
            report.Add("Salesforce profile: navigation properties are not published (Salesforce Connect does not use $expand; relate external objects with lookup fields).");
        }

        // No Capabilities annotations here but change tracking's: Salesforce Connect reads no other, and this document
        // is kept to what it reads (a model that tracks nothing is unchanged).
        CapabilityAnnotations.AnnotateChangeTracking(model, sets.Values, refer: true);
        var projected = new PublishedModel(model, sets);
        return new SalesforceView(projected, MetadataWriter.Render(model), report);
    }

    private static string TypeName(PublishedColumn column)
        => column.EdmProperty.Type.IsCollection() ? "a collection" : column.EdmProperty.Type.FullName();
}
