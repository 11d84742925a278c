using OData.Virtualization.Configuration;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Publishing;

/// <summary>
/// Checks each source's own settings when a model is built (at start-up and on every refresh), so that one failed start
/// reports them together with what discovery finds in the other sources.
/// </summary>
internal static class SourceOptionsValidator
{
    /// <summary>The problems of each source's own settings (name, provider, connection string, timeouts, patterns).</summary>
    public static List<(string Source, string Error)> ValidateSources(VirtualizationOptions options)
    {
        var errors = new List<(string Source, string Error)>();
        foreach (var (sourceName, source) in options.Sources)
        {
            var path = $"OData:Sources:{sourceName}";
            if (!Naming.IsValidIdentifier(sourceName))
            {
                errors.Add((sourceName, $"{path}: the source name '{sourceName}' must be letters, digits and underscores, starting with a letter."));
            }

            var provider = DataSource.TryParseProvider(source.Provider);
            if (provider is null)
            {
                errors.Add((sourceName, $"{path}:Provider is '{source.Provider}'. Set it to 'PostgreSQL', 'Sqlite' or 'MySql' (alias 'MariaDB')."));
            }

            if (string.IsNullOrWhiteSpace(source.ConnectionString))
            {
                errors.Add((sourceName, $"{path}:ConnectionString is missing. Set it (for example in the environment variable OData__Sources__{sourceName}__ConnectionString)."));
            }
            else if (provider is not null && ConnectionStringError(provider.Value, source.ConnectionString) is { } error)
            {
                errors.Add((sourceName, $"{path}:ConnectionString is not valid for {source.Provider}: {error}"));
            }

            foreach (var pattern in source.Publish)
            {
                if (string.IsNullOrWhiteSpace(pattern.TrimStart('!')))
                {
                    errors.Add((sourceName, $"{path}:Publish has an empty pattern. Use 'schema.table' patterns with * and ?, and '!' to exclude, for example 'sales.*' or '!*.audit_*'."));
                }
            }

            if (source.CommandTimeoutSeconds is < 1 or > 3600)
            {
                errors.Add((sourceName, $"{path}:CommandTimeoutSeconds is {source.CommandTimeoutSeconds}. Use 1 to 3600 seconds."));
            }

            if (source.ConnectTimeoutSeconds is < 1 or > 120)
            {
                errors.Add((sourceName, $"{path}:ConnectTimeoutSeconds is {source.ConnectTimeoutSeconds}. Use 1 to 120 seconds."));
            }

            if (source.MaxConcurrentQueriesPerPrincipal is < 1)
            {
                errors.Add((sourceName, $"{path}:MaxConcurrentQueriesPerPrincipal is {source.MaxConcurrentQueriesPerPrincipal}. Use at least 1 (at most MaxConcurrentQueries, {source.MaxConcurrentQueries}, which lets one principal take every slot), or leave it unset for half of MaxConcurrentQueries."));
            }

            if (source.MaxConcurrentQueriesPerSet is < 1)
            {
                errors.Add((sourceName, $"{path}:MaxConcurrentQueriesPerSet is {source.MaxConcurrentQueriesPerSet}. Use at least 1 (below MaxConcurrentQueriesPerPrincipal, so that one stuck table leaves a principal room on the others), or leave it unset for three quarters of the principal's share."));
            }

            foreach (var (objectName, set) in source.EntitySets)
            {
                if (set.Name is { } setName && !Naming.IsValidIdentifier(setName))
                {
                    errors.Add((sourceName, $"{path}:EntitySets:{objectName}:Name '{setName}' is not a valid OData identifier: use letters, digits and underscores, starting with a letter or underscore."));
                }
            }
        }

        return errors;
    }

    private static string? ConnectionStringError(SourceProvider provider, string connectionString)
    {
        try
        {
            _ = provider switch
            {
                SourceProvider.PostgreSql => new Npgsql.NpgsqlConnectionStringBuilder(connectionString).ConnectionString,
                SourceProvider.MySql => new MySqlConnector.MySqlConnectionStringBuilder(connectionString).ConnectionString,
                _ => new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).ConnectionString,
            };
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            return ex.Message;
        }
    }
}
