using System.Text.RegularExpressions;
using Microsoft.OData.Edm;
using OData.Virtualization.Configuration;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Model;

/// <summary>Which objects a source publishes (its <c>Publish</c> patterns) and the settings configured for each.</summary>
internal sealed partial class ModelBuilder
{
    private static List<(bool Include, Regex Pattern)> PublishPatterns(IReadOnlyList<string> patterns)
        => patterns.Select(p =>
        {
            var include = !p.StartsWith('!');
            var glob = include ? p.Trim() : p[1..].Trim();
            if (!glob.Contains('.', StringComparison.Ordinal))
            {
                glob = "*." + glob;
            }

            var regex = "^" + Regex.Escape(glob).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
            return (include, new Regex(regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant));
        }).ToList();

    /// <summary>Patterns apply in order, later ones winning; with none (or only exclusions) everything starts published.</summary>
    private static bool IsPublished(List<(bool Include, Regex Pattern)> patterns, DbObject dbObject)
    {
        var name = (dbObject.Schema ?? "main") + "." + dbObject.Name;
        var published = patterns.Count == 0 || !patterns.Any(p => p.Include);
        foreach (var (include, pattern) in patterns)
        {
            if (pattern.IsMatch(name))
            {
                published = include;
            }
        }

        return published;
    }

    private static EntitySetOptions? FindSettings(SourceOptions options, DbObject dbObject, out string? key)
    {
        foreach (var candidate in new[] { dbObject.QualifiedName, dbObject.Name, "main." + dbObject.Name })
        {
            if (options.EntitySets.TryGetValue(candidate, out var settings))
            {
                key = options.EntitySets.Keys.First(k => string.Equals(k, candidate, StringComparison.OrdinalIgnoreCase));
                return settings;
            }
        }

        key = null;
        return null;
    }
}
