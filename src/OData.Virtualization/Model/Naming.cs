using System.Globalization;
using System.Text;

namespace OData.Virtualization.Model;

/// <summary>
/// Turns database names into OData identifiers: valid (CSDL SimpleIdentifier, at most 128 characters),
/// unique and stable — the same schema always yields the same names, because every choice depends
/// only on the names themselves, sorted ordinally.
/// </summary>
internal static class Naming
{
    private const int MaxLength = 128;

    public static bool IsValidIdentifier(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !IsStart(name[0]))
        {
            return false;
        }

        for (var i = 1; i < name.Length; i++)
        {
            if (!IsPart(name[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Replaces every character an identifier cannot hold with <c>_</c>.</summary>
    public static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length + 1);
        foreach (var c in name)
        {
            builder.Append(IsPart(c) ? c : '_');
        }

        if (builder.Length == 0 || !IsStart(builder[0]))
        {
            builder.Insert(0, '_');
        }

        if (builder.Length > MaxLength)
        {
            builder.Length = MaxLength;
        }

        return builder.ToString();
    }

    /// <summary>
    /// Makes <paramref name="candidate"/> unique against <paramref name="taken"/> (case-insensitively, so that
    /// clients that fold case — Salesforce does — never see two names collide) by appending <c>_2</c>, <c>_3</c>, ….
    /// </summary>
    public static string MakeUnique(string candidate, ISet<string> taken)
    {
        var name = candidate;
        for (var n = 2; taken.Contains(name); n++)
        {
            var suffix = "_" + n.ToString(CultureInfo.InvariantCulture);
            name = (candidate.Length + suffix.Length > MaxLength ? candidate[..(MaxLength - suffix.Length)] : candidate) + suffix;
        }

        taken.Add(name);
        return name;
    }

    private static bool IsStart(char c) => c == '_' || char.IsLetter(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.LetterNumber;

    private static bool IsPart(char c)
    {
        if (IsStart(c))
        {
            return true;
        }

        return CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.DecimalDigitNumber
            or UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark
            or UnicodeCategory.ConnectorPunctuation
            or UnicodeCategory.Format;
    }
}
