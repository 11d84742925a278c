using System.Globalization;
using System.Text;
using OData.Virtualization.Model;
using OData.Virtualization.Query;

namespace OData.Virtualization.Serialization;

/// <summary>Builds <c>@odata.context</c> values and entity ids.</summary>
internal static class ContextUrl
{
    /// <summary>
    /// <c>$metadata#Set</c>, <c>$metadata#Set(A,B)</c> after <c>$select</c>; expanded navigation properties
    /// appear only when they carry a nested <c>$select</c>, as OData 4.0 writes it (Power Query, a 4.0 client,
    /// rejects the 4.01 form <c>Set(A,Nav())</c>).
    /// </summary>
    public static string ForCollection(string serviceRoot, EntityQuery query)
        => serviceRoot + "$metadata#" + query.Set.Name + SelectList(query);

    public static string ForEntity(string serviceRoot, EntityQuery query)
        => serviceRoot + "$metadata#" + query.Set.Name + SelectList(query) + "/$entity";

    public static string ForProperty(string serviceRoot, PublishedSet set, IReadOnlyList<(PublishedColumn Column, object Value)> key, PublishedColumn column)
        => serviceRoot + "$metadata#" + set.Name + KeyPredicate(key) + "/" + column.PropertyName;

    private static string SelectList(EntityQuery query)
    {
        var items = new List<string>();
        if (query.IsProjected)
        {
            items.AddRange(query.Selected.Select(c => c.PropertyName));
        }

        foreach (var expand in query.Expands)
        {
            var nested = SelectList(expand.Query);
            if (nested.Length > 0)
            {
                items.Add(expand.Navigation.Name + nested);
            }
        }

        return items.Count == 0 ? string.Empty : "(" + string.Join(",", items) + ")";
    }

    /// <summary>The key predicate as a person reads it (not percent-encoded), for messages.</summary>
    public static string KeyText(IReadOnlyList<(PublishedColumn Column, object Value)> key)
        => "(" + (key.Count == 1 ? Literal(key[0].Value) : string.Join(",", key.Select(k => k.Column.PropertyName + "=" + Literal(k.Value)))) + ")";

    /// <summary><c>(1)</c>, <c>('O''Brien')</c>, <c>(order_id=1,line_no=2)</c>, percent-encoded for a URL.</summary>
    public static string KeyPredicate(IReadOnlyList<(PublishedColumn Column, object Value)> key)
    {
        if (key.Count == 1)
        {
            return "(" + Uri.EscapeDataString(Literal(key[0].Value)) + ")";
        }

        var builder = new StringBuilder("(");
        for (var i = 0; i < key.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append(key[i].Column.PropertyName).Append('=').Append(Uri.EscapeDataString(Literal(key[i].Value)));
        }

        return builder.Append(')').ToString();
    }

    private static string Literal(object value) => value switch
    {
        string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
        bool b => b ? "true" : "false",
        Guid g => g.ToString("D"),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
        TimeSpan span => "duration'" + System.Xml.XmlConvert.ToString(span) + "'",
        byte[] bytes => "binary'" + System.Buffers.Text.Base64Url.EncodeToString(bytes) + "'",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
