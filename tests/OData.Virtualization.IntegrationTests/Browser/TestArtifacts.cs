namespace OData.Virtualization.IntegrationTests.Browser;

/// <summary>Where browser tests leave what a person should look at: <c>TestResults/explorer/</c> at the repository root.</summary>
public static class TestArtifacts
{
    private const string SolutionFile = "OData.Virtualization.sln";

    /// <summary>
    /// The folder, created if needed. The root is found by walking up to the solution file from the test binaries,
    /// the working directory, or this source file (binaries may be built elsewhere with <c>--artifacts-path</c>); if
    /// none leads there, <c>TestResults/explorer/</c> under the working directory.
    /// </summary>
    public static string Directory(string sourceFile)
    {
        string[] starts = [AppContext.BaseDirectory, Environment.CurrentDirectory, Path.GetDirectoryName(sourceFile) ?? string.Empty];
        var root = starts.Where(s => s.Length > 0 && System.IO.Directory.Exists(s))
            .Select(FindRoot)
            .FirstOrDefault(r => r is not null) ?? Environment.CurrentDirectory;
        var path = Path.Combine(root, "TestResults", "explorer");
        System.IO.Directory.CreateDirectory(path);
        return path;
    }

    private static string? FindRoot(string start)
    {
        for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, SolutionFile)))
            {
                return folder.FullName;
            }
        }

        return null;
    }
}
