using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Primitives;

namespace OData.Virtualization.Hosting;

/// <summary>The <c>--config</c> file: JSON, reloaded when it changes, and never half-read.</summary>
public static class ReloadableConfigFile
{
    /// <summary>
    /// Adds <paramref name="path"/> as a JSON configuration file that reloads when it changes. While the file is being
    /// saved it can be missing or cut short: then the last version that parsed stays in effect (and standard error says
    /// so) instead of every setting in it disappearing at once — the standard provider would drop them all, users and
    /// policies included. Settings that fail validation are kept out one level up (<c>LastValidOptions</c>).
    /// </summary>
    public static IConfigurationBuilder AddReloadableJsonFile(this IConfigurationBuilder builder, string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        return builder.AddJsonFile(source =>
        {
            source.FileProvider = new LastGoodFileProvider(directory, message => Console.Error.WriteLine(message));
            source.Path = Path.GetFileName(full);
            source.Optional = false;
            source.ReloadOnChange = true;
        });
    }

    /// <summary>Serves the file's last content that was valid JSON when it is missing or not valid.</summary>
    internal sealed class LastGoodFileProvider(string directory, Action<string> report) : IFileProvider, IDisposable
    {
        private static readonly JsonDocumentOptions s_json = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

        private readonly PhysicalFileProvider _files = new(directory, ExclusionFilters.None);
        private readonly Dictionary<string, byte[]> _lastGood = new(StringComparer.Ordinal);

        public IFileInfo GetFileInfo(string subpath)
        {
            var file = _files.GetFileInfo(subpath);
            string problem;
            if (!file.Exists)
            {
                problem = "it does not exist";
            }
            else
            {
                try
                {
                    var bytes = File.ReadAllBytes(file.PhysicalPath!);
                    using (JsonDocument.Parse(bytes, s_json))
                    {
                    }

                    lock (_lastGood)
                    {
                        _lastGood[subpath] = bytes;
                    }

                    return new MemoryFileInfo(file.Name, bytes, file.LastModified);
                }
                catch (JsonException ex)
                {
                    problem = "it is not valid JSON (" + ex.Message + ")";
                }
                catch (IOException ex)
                {
                    problem = "it cannot be read (" + ex.Message + ")";
                }
            }

            lock (_lastGood)
            {
                if (!_lastGood.TryGetValue(subpath, out var good))
                {
                    return file; // the first load: let the standard error surface (the server does not start)
                }

                report($"The configuration file '{Path.Combine(directory, subpath)}' changed but {problem}: its last valid version stays in effect.");
                return new MemoryFileInfo(file.Name, good, DateTimeOffset.UtcNow);
            }
        }

        public IDirectoryContents GetDirectoryContents(string subpath) => _files.GetDirectoryContents(subpath);

        public IChangeToken Watch(string filter) => _files.Watch(filter);

        public void Dispose() => _files.Dispose();
    }

    /// <summary>File content held in memory (no physical path: the JSON provider then reads the stream).</summary>
    private sealed class MemoryFileInfo(string name, byte[] content, DateTimeOffset lastModified) : IFileInfo
    {
        public bool Exists => true;

        public long Length => content.Length;

        public string? PhysicalPath => null;

        public string Name => name;

        public DateTimeOffset LastModified => lastModified;

        public bool IsDirectory => false;

        public Stream CreateReadStream() => new MemoryStream(content, writable: false);
    }
}
