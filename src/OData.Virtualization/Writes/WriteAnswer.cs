using System.Text;

namespace OData.Virtualization.Writes;

/// <summary>
/// The whole HTTP answer to a write — status, headers and body — made before the write's transaction commits, so that
/// an <c>Idempotency-Key</c> can keep it with the write and give it again, byte for byte, to a retry.
/// </summary>
internal sealed record WriteAnswer(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>Whether this is a stored answer given again to a retry (nothing was written this time).</summary>
    public bool Replayed { get; init; }

    /// <summary>The headers as one text (<c>name: value</c> lines): how they are kept beside the body.</summary>
    public string EncodeHeaders()
    {
        var text = new StringBuilder();
        foreach (var (name, value) in Headers)
        {
            text.Append(name).Append(": ").Append(value).Append('\n');
        }

        return text.ToString();
    }

    public static WriteAnswer Decode(int status, string headers, byte[] body)
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var line in headers.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0)
            {
                list.Add(new(line[..colon], line[(colon + 2)..]));
            }
        }

        return new WriteAnswer(status, list, body);
    }
}
