using System.Text.RegularExpressions;
using Microsoft.OData.Edm;

namespace OData.Virtualization.IntegrationTests.Profiles;

/// <summary>
/// What Salesforce Connect accepts in a model it syncs, written down independently of the server's code: names of
/// ASCII letters, digits and single underscores, starting with a letter, not ending with an underscore, at most 40
/// characters, unique ignoring case; only the types it syncs; no navigation properties.
/// </summary>
public static partial class SalesforceRules
{
    private static readonly EdmPrimitiveTypeKind[] s_types =
    [
        EdmPrimitiveTypeKind.Binary, EdmPrimitiveTypeKind.Boolean, EdmPrimitiveTypeKind.Byte, EdmPrimitiveTypeKind.SByte,
        EdmPrimitiveTypeKind.Int16, EdmPrimitiveTypeKind.Int32, EdmPrimitiveTypeKind.Int64, EdmPrimitiveTypeKind.Decimal,
        EdmPrimitiveTypeKind.Double, EdmPrimitiveTypeKind.Single, EdmPrimitiveTypeKind.Date, EdmPrimitiveTypeKind.DateTimeOffset,
        EdmPrimitiveTypeKind.Guid, EdmPrimitiveTypeKind.String,
    ];

    public static void AssertAccepts(IEdmModel model)
    {
        var problems = new List<string>();
        var sets = model.EntityContainer.EntitySets().ToList();
        Assert.NotEmpty(sets);
        CheckNames("entity set", sets.Select(s => s.Name), problems);
        foreach (var set in sets)
        {
            var type = set.EntityType;
            CheckNames($"property of {set.Name}", type.StructuralProperties().Select(p => p.Name), problems);
            foreach (var property in type.StructuralProperties())
            {
                if (property.Type.IsCollection() || !s_types.Contains(property.Type.AsPrimitive().PrimitiveKind()))
                {
                    problems.Add($"{set.Name}.{property.Name} has the type {property.Type.FullName()}, which Salesforce does not sync");
                }
            }

            if (type.NavigationProperties().Any())
            {
                problems.Add($"{set.Name} has navigation properties");
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private static void CheckNames(string what, IEnumerable<string> names, List<string> problems)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            if (name.Length > 40 || !Name().IsMatch(name))
            {
                problems.Add($"{what} '{name}' breaks Salesforce's name rules");
            }

            if (!seen.Add(name))
            {
                problems.Add($"{what} '{name}' is not unique ignoring case");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z](?:_?[A-Za-z0-9])*$")]
    private static partial Regex Name();
}
