using System.Text.RegularExpressions;
using Microsoft.OData;
using Microsoft.OData.UriParser;
using OData.Virtualization.Configuration;
using OData.Virtualization.Model;

namespace OData.Virtualization.Security;

/// <summary>
/// Checks the policies against the published model at start-up: every entity set and property they name exists,
/// no key is hidden or masked (a key is the row's identity in every URL), only text is masked, and every row filter
/// parses. Each problem says how to fix it; the server does not start with any.
/// </summary>
internal static class PolicyValidator
{
    public static IReadOnlyList<string> Validate(SecurityOptions security, PublishedModel model)
    {
        var errors = new List<string>();
        for (var i = 0; i < security.Policies.Count; i++)
        {
            var policy = security.Policies[i];
            var path = $"OData:Security:Policies:{i}" + (policy.Name is { } name ? $" ('{name}')" : string.Empty);
            foreach (var (setName, rules) in policy.EntitySets)
            {
                var sets = setName == "*" ? model.Sets.Values.ToList() : model.Sets.TryGetValue(setName, out var one) ? [one] : [];
                if (sets.Count == 0)
                {
                    errors.Add($"{path}:EntitySets:{setName}: no entity set has that name. Published sets: {string.Join(", ", model.Sets.Keys.Order(StringComparer.Ordinal))}.");
                    continue;
                }

                foreach (var write in rules.Writes.Where(w => !WriteGrants.Names.ContainsKey(w.Trim())))
                {
                    errors.Add($"{path}:EntitySets:{setName}:Writes has '{write}': use insert, update or delete.");
                }

                foreach (var set in sets)
                {
                    var where = $"{path}:EntitySets:{setName}" + (setName == "*" ? $" (for '{set.Name}')" : string.Empty);
                    var granted = WriteGrants.Granted(rules.Writes);
                    var opened = WriteGrants.Allowed(set.Settings?.Writes, set.Object, set.Source.Provider);
                    if (setName != "*" && granted != WriteOperations.None && (granted & ~opened) != WriteOperations.None)
                    {
                        // A grant that can never apply is a misunderstanding worth stopping for, as an unknown property is.
                        errors.Add($"{where}:Writes grants {granted & ~opened}, which '{set.Name}' does not accept: allow it in the source's EntitySets:{set.Object.QualifiedName}:Writes (a table with a primary key, of a PostgreSQL or SQLite source), or remove it from the policy.");
                    }
                    foreach (var property in rules.HiddenColumns.Concat(rules.MaskedColumns.Keys))
                    {
                        var column = set.FindColumn(property);
                        if (column is null)
                        {
                            if (setName != "*")
                            {
                                errors.Add($"{where}: '{property}' is not a property of '{set.Name}'. Properties: {string.Join(", ", set.Columns.Select(c => c.PropertyName))}.");
                            }
                        }
                        else if (set.Key.Contains(column))
                        {
                            errors.Add($"{where}: '{property}' is part of the key of '{set.Name}' and cannot be hidden or masked (the key is in every URL and link). Hide the whole set, or publish a view with another key.");
                        }
                        else if (rules.MaskedColumns.ContainsKey(property) && !column.Type.IsText)
                        {
                            errors.Add($"{where}: '{property}' is not text and cannot be masked; hide it instead.");
                        }
                    }

                    foreach (var (property, visible) in rules.MaskedColumns)
                    {
                        if (visible < 0)
                        {
                            errors.Add($"{where}:MaskedColumns:{property} is {visible}: give the number of trailing characters to show (0 or more).");
                        }
                    }

                    if (!string.IsNullOrWhiteSpace(rules.RowFilter) && ParseError(model, set, rules.RowFilter!) is { } error)
                    {
                        errors.Add($"{where}:RowFilter '{rules.RowFilter}' is not a valid $filter for '{set.Name}': {error}");
                    }
                }
            }
        }

        return errors;
    }

    private static string? ParseError(PublishedModel model, PublishedSet set, string filter)
    {
        // Claims are known only per request: try each as a number and as a string.
        foreach (var substitute in new[] { "0", "'x'" })
        {
            var text = ClaimReferences.Pattern().Replace(filter, substitute);
            try
            {
                var root = new Uri("http://policy/");
                new ODataUriParser(model.EdmModel, root, new Uri(root, set.Name + "?$filter=" + Uri.EscapeDataString(text)))
                {
                    Resolver = new ODataUriResolver { EnableCaseInsensitive = true },
                }.ParseFilter();
                return null;
            }
            catch (ODataException ex)
            {
                if (substitute == "'x'")
                {
                    return ex.Message;
                }
            }
        }

        return null;
    }

}
