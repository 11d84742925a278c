using System.Collections.Frozen;
using System.Security.Cryptography;

namespace OData.Virtualization.Http;

/// <summary>
/// The explorer page's files, shipped inside this assembly (the <c>Explorer</c> folder, as embedded resources):
/// read once, each with its content type and a strong ETag of its bytes.
/// </summary>
internal sealed class ExplorerAssets
{
    public const string IndexName = "index.html";

    private const string ResourcePrefix = "OData.Virtualization.Explorer.";

    private static readonly FrozenDictionary<string, string> s_contentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly FrozenDictionary<string, ExplorerAsset> _files;

    private ExplorerAssets(FrozenDictionary<string, ExplorerAsset> files) => _files = files;

    public ExplorerAsset Index => _files[IndexName];

    public static ExplorerAssets Load()
    {
        var assembly = typeof(ExplorerAssets).Assembly;
        var files = new Dictionary<string, ExplorerAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[ResourcePrefix.Length..];
            if (!s_contentTypes.TryGetValue(Path.GetExtension(name), out var contentType))
            {
                continue; // not a file type the page serves: never guess a content type
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var etag = "\"" + Convert.ToBase64String(SHA256.HashData(bytes), 0, 16).TrimEnd('=').Replace('+', '-').Replace('/', '_') + "\"";
            files[name] = new ExplorerAsset(name, contentType, bytes, etag);
        }

        if (!files.ContainsKey(IndexName))
        {
            throw new InvalidOperationException($"The explorer page is missing from the assembly: no embedded resource '{ResourcePrefix}{IndexName}'. Check the EmbeddedResource items of OData.Virtualization.csproj.");
        }

        return new ExplorerAssets(files.ToFrozenDictionary(StringComparer.Ordinal));
    }

    public ExplorerAsset? Find(string name) => _files.GetValueOrDefault(name);
}
