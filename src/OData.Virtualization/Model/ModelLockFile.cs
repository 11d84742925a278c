namespace OData.Virtualization.Model;

/// <summary>
/// The model lock file (<c>OData:ModelLock:Path</c>): a <see cref="ModelDescription"/> that the published model is held
/// to. Read on every refresh (another instance, or a deployment, may have rewritten it); written only at the first
/// start and by an administrator's accept.
/// </summary>
internal static class ModelLockFile
{
    /// <summary>The pinned description, or null when the file does not exist; a <see cref="FormatException"/> when it is not a lock.</summary>
    public static ModelDescription? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        return ModelDescription.FromJson(File.ReadAllText(path));
    }

    /// <summary>Writes the file whole or not at all (a temporary file renamed over it), so that a reader never sees half of it.</summary>
    public static void Write(string path, ModelDescription description)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // Unique per write: two containers on one volume are both process 1.
        var temporary = full + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(temporary, description.ToJson());
        File.Move(temporary, full, overwrite: true);
    }

    /// <summary>
    /// <paramref name="model"/> restricted to the entity sets and properties of the lock: what the source added since is
    /// left out until it is accepted. (What the source no longer has cannot be served; whether the result is the lock
    /// exactly is for the caller to check.)
    /// </summary>
    public static PublishedModel Pin(PublishedModel model, ModelDescription locked)
        => ModelProjection.Project(model, set =>
        {
            if (!locked.Sets.TryGetValue(set.Name, out var pinned))
            {
                return null;
            }

            var properties = pinned.Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var hidden = set.Columns.Select(c => c.PropertyName).Where(p => !properties.Contains(p)).ToHashSet(StringComparer.Ordinal);
            return new SetView(null, hidden, new Dictionary<string, int>());
        });
}
