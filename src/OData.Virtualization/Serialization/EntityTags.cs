using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;
using OData.Virtualization.Model;

namespace OData.Virtualization.Serialization;

/// <summary>
/// The entity tag of a row of a writable set: a hash of every value the caller reads of it (all its visible columns, in
/// the set's order), the same on PostgreSQL and SQLite and across instances. A change to any of those values changes
/// it; a change only to a column the caller cannot see does not, and such a column is one the caller cannot write.
/// </summary>
internal static class EntityTags
{
    /// <summary>The tag of <paramref name="values"/> read as <paramref name="columns"/> (the set's visible columns, in order).</summary>
    public static string Of(IReadOnlyList<object?> values, IReadOnlyList<PublishedColumn> columns)
    {
        var text = new StringBuilder();
        for (var i = 0; i < columns.Count; i++)
        {
            text.Append(columns[i].ColumnName).Append('\u001f').Append(Canonical(values[i])).Append('\u001e');
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return "W/\"" + Base64Url.EncodeToString(hash.AsSpan(0, 16)) + "\"";
    }

    /// <summary>Whether an <c>If-Match</c> header names <paramref name="tag"/> (or is <c>*</c>: any existing entity).</summary>
    public static bool Matches(StringValues ifMatch, string tag)
    {
        foreach (var value in ifMatch)
        {
            foreach (var part in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                // If-Match compares strongly in HTTP, but our tags are weak by nature (values, not bytes): compare the opaque part.
                if (part == "*" || Opaque(part) == Opaque(tag))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string Opaque(string tag) => tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;

    private static string Canonical(object? value) => value switch
    {
        null => "\u0000",
        byte[] bytes => Convert.ToHexString(bytes),
        DateTimeOffset instant => instant.UtcTicks.ToString(CultureInfo.InvariantCulture),
        DateTime time => time.Ticks.ToString(CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IEnumerable items and not string => string.Join('\u001d', items.Cast<object?>().Select(Canonical)),
        _ => value.ToString() ?? string.Empty,
    };
}
