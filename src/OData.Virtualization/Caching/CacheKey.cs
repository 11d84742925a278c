using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OData.Virtualization.Query;

namespace OData.Virtualization.Caching;

/// <summary>
/// Builds cache keys from what determines a response, not from the URL's spelling: the compiled statements and
/// their parameter values (so option order, percent-encoding, whitespace and default values do not matter), the
/// response format, the service root (it appears in links), and the caller's security scope.
/// </summary>
internal sealed class CacheKey
{
    private readonly StringBuilder _text = new("v1");

    /// <summary>The caller's scope: every entry is private to the scope it was computed for.</summary>
    public CacheKey(string scope) => Add("scope", scope);

    public CacheKey Add(string name, string? value)
    {
        _text.Append('\u001e').Append(name).Append('\u001f').Append(value);
        return this;
    }

    public CacheKey Add(string name, SqlStatement? statement)
    {
        if (statement is null)
        {
            return Add(name, "-");
        }

        Add(name, statement.Text);
        foreach (var parameter in statement.Parameters)
        {
            _text.Append('\u001f').Append(Format(parameter.Value));
        }

        return this;
    }

    public string Build() => "r:" + Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(_text.ToString())));

    private static string Format(object? value) => value switch
    {
        null => "\u0000",
        string s => "s" + s,
        DateTime dt => "t" + dt.ToString("O", CultureInfo.InvariantCulture) + dt.Kind,
        DateTimeOffset dto => "o" + dto.ToString("O", CultureInfo.InvariantCulture),
        byte[] bytes => "x" + Convert.ToBase64String(bytes),
        Array array => "a[" + string.Join(",", array.Cast<object?>().Select(Format)) + "]",
        IFormattable f => value.GetType().Name[0] + f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.GetType().Name + value,
    };
}
