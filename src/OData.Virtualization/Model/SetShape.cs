using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace OData.Virtualization.Model;

/// <summary>
/// Short hashes of what an entity set's responses and positions depend on, the same on every instance with the same
/// model (they go into shared cache keys and signed next links).
/// </summary>
internal static class SetShape
{
    private static readonly ConditionalWeakTable<PublishedSet, string> s_shapes = [];

    /// <summary>
    /// The set's source object and every published column: name, column, type and facets, nullability, mask. Computed
    /// once per set instance (a model is immutable).
    /// </summary>
    public static string Of(PublishedSet set) => s_shapes.GetValue(set, Compute);

    /// <summary>
    /// What a keyset position means: the source object, and the column and comparison type of each key column and of each
    /// given order column. When a refresh changes any of them, a position taken before is meaningless (a retyped or
    /// re-keyed column orders differently), so a next link that carries one must be refused, never followed.
    /// </summary>
    public static string OfOrder(PublishedSet set, IEnumerable<(string Name, string Type)> orderColumns)
    {
        var text = new StringBuilder(set.Source.Name).Append(':').Append(set.Object.QualifiedName);
        foreach (var key in set.Key)
        {
            text.Append("|k:").Append(key.ColumnName).Append(':').Append(Comparison(key.Type));
        }

        foreach (var (name, type) in orderColumns)
        {
            text.Append("|o:").Append(name).Append(':').Append(type);
        }

        return Hash(text.ToString());
    }

    /// <summary>How values of a column type compare: what decides where a position lies.</summary>
    public static string Comparison(ColumnType type)
        => $"{type.Kind}{(type.IsCollection ? "[]" : string.Empty)}{(type.ReadAsText ? "/text" : string.Empty)}{(type.CompareAs is { } cast ? "/" + cast : string.Empty)}";

    private static string Compute(PublishedSet set)
    {
        var text = new StringBuilder(set.Source.Name).Append(':').Append(set.Object.QualifiedName);
        foreach (var column in set.Columns)
        {
            text.Append('|').Append(column.PropertyName).Append('=').Append(column.ColumnName).Append(':').Append(column.Type)
                .Append(':').Append(column.IsNullable).Append(':').Append(column.Mask);
        }

        text.Append("|key:").AppendJoin(',', set.Key.Select(k => k.PropertyName));
        return Hash(text.ToString());
    }

    private static string Hash(string text) => Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 9));
}
