using System.Text.RegularExpressions;
using Microsoft.OData.Edm;

namespace OData.Virtualization.Errors;

/// <summary>
/// The URI parser's "could not find" messages in plain words, with a "did you mean" drawn from the model given (the
/// caller's own view of it: never a hidden set or property name).
/// </summary>
internal static partial class ParserMessages
{
    /// <summary>Rewrites the parser's "could not find" messages in plain words, with a "did you mean".</summary>
    public static string WithSuggestion(string message, IEdmModel model)
    {
        var property = PropertyNotFound().Match(message);
        if (property.Success)
        {
            var type = model.FindDeclaredType(property.Groups[2].Value) as IEdmStructuredType;
            var names = type?.Properties().Select(p => p.Name) ?? [];
            var suggestion = Suggestions.Closest(property.Groups[1].Value, names);
            return $"Property '{property.Groups[1].Value}' does not exist on type '{property.Groups[2].Value}'." +
                   (suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?");
        }

        var segment = SegmentNotFound().Match(message);
        if (segment.Success)
        {
            var names = model.EntityContainer.EntitySets().Select(s => s.Name);
            var suggestion = Suggestions.Closest(segment.Groups[1].Value, names);
            return $"'{segment.Groups[1].Value}' is not an entity set of this service." +
                   (suggestion is null ? " The service document at the service root lists them." : $" Did you mean '{suggestion}'?");
        }

        if (message.Contains("unterminated string literal", StringComparison.OrdinalIgnoreCase) || message.Contains("unterminated literal", StringComparison.OrdinalIgnoreCase))
        {
            // Most often a quote inside a string (O'Neil): OData doubles it, as SQL does.
            return message.TrimEnd() + " A quote inside a string is written twice: 'O''Neil' (in a URL, %27O%27%27Neil%27).";
        }

        return message;
    }

    [GeneratedRegex("Could not find a property named '(.+?)' on type '(.+?)'", RegexOptions.CultureInvariant)]
    private static partial Regex PropertyNotFound();

    [GeneratedRegex("Resource not found for the segment '(.+?)'", RegexOptions.CultureInvariant)]
    private static partial Regex SegmentNotFound();
}
