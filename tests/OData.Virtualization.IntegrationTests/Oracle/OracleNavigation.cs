using System.Globalization;
using Microsoft.OData.Edm;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Model;

namespace OData.Virtualization.IntegrationTests.Oracle;

/// <summary>
/// The oracle's relationships: for a row and a navigation property of the parsed expression, the related rows, found by
/// comparing the foreign key's values in C# among the target set's rows read directly from the database (only those the
/// principal's policy allows, when a slice is given for the target). No join is written in SQL.
/// </summary>
internal sealed class OracleNavigation
{
    private readonly Dictionary<IEdmNavigationProperty, (PublishedNavigation Navigation, ILookup<string, IReadOnlyDictionary<string, object?>> ByKey)> _related = [];

    private OracleNavigation()
    {
    }

    /// <summary>Reads the targets of <paramref name="navigations"/>, each restricted by <paramref name="slice"/> (SQL, or null for every row).</summary>
    public static async Task<OracleNavigation> LoadAsync(ServerFixture fixture, IEnumerable<PublishedNavigation> navigations, Func<PublishedSet, string?> slice)
    {
        var oracle = new OracleNavigation();
        foreach (var navigation in navigations)
        {
            if (oracle._related.ContainsKey(navigation.EdmProperty))
            {
                continue;
            }

            var rows = await OracleRows.LoadAsync(fixture, navigation.Target, slice(navigation.Target));
            var byKey = rows.Where(r => navigation.Join.All(j => r[j.Remote.PropertyName] is not null))
                .ToLookup(r => Key(navigation.Join.Select(j => r[j.Remote.PropertyName])), StringComparer.Ordinal);
            oracle._related.Add(navigation.EdmProperty, (navigation, byKey));
        }

        return oracle;
    }

    /// <summary>The rows related to <paramref name="row"/> through <paramref name="property"/>; none where a foreign key value is NULL.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> Related(IReadOnlyDictionary<string, object?> row, IEdmNavigationProperty property)
    {
        if (!_related.TryGetValue(property, out var related))
        {
            throw new NotSupportedException($"The oracle did not load the rows of '{property.Name}'.");
        }

        var values = related.Navigation.Join.Select(j => row[j.Local.PropertyName]).ToList();
        return values.Any(v => v is null) ? [] : related.ByKey[Key(values)].ToList();
    }

    private static string Key(IEnumerable<object?> values)
        => string.Join("\u0001", values.Select(v => v is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : v?.ToString()));
}
