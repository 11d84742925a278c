using System.Data.Common;
using OData.Virtualization.Configuration;

namespace OData.Virtualization.Sources;

/// <summary>A configured database: pooled, read-only connections, its schema, its statement slots and each principal's share of them (its SQL dialect is Query's <c>SqlDialects.For</c>).</summary>
internal abstract class DataSource : IAsyncDisposable
{
    protected DataSource(string name, SourceOptions options)
    {
        Name = name;
        Options = options;
        Resilience = SourceResilience.Create(name);
        Slots = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentQueries));
        Shares = new PrincipalShares(PrincipalShares.ShareOf(options));
    }

    /// <summary>Statements running on this source now, at most <see cref="SourceOptions.MaxConcurrentQueries"/>.</summary>
    public SemaphoreSlim Slots { get; }

    /// <summary>Of those, each principal's: at most <see cref="SourceOptions.MaxConcurrentQueriesPerPrincipal"/> at once.</summary>
    public PrincipalShares Shares { get; }

    /// <summary>Retries with backoff and jitter, and a circuit breaker, around reaching this source.</summary>
    public Polly.ResiliencePipeline Resilience { get; }

    public string Name { get; }

    public SourceOptions Options { get; }

    public abstract SourceProvider Provider { get; }

    /// <summary>Opens a pooled, read-only connection, or throws <see cref="SourceUnavailableException"/> within the connect timeout.</summary>
    public abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    public abstract Task<SourceSchema> DiscoverAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    public static DataSource Create(string name, SourceOptions options) => ParseProvider(options.Provider) switch
    {
        SourceProvider.PostgreSql => new PostgresDataSource(name, options),
        _ => new SqliteDataSource(name, options),
    };

    public static SourceProvider? TryParseProvider(string? provider) => provider?.Trim().ToUpperInvariant() switch
    {
        "POSTGRESQL" or "POSTGRES" or "NPGSQL" => SourceProvider.PostgreSql,
        "SQLITE" => SourceProvider.Sqlite,
        _ => null,
    };

    private static SourceProvider ParseProvider(string? provider)
        => TryParseProvider(provider) ?? throw new InvalidOperationException($"Unknown provider '{provider}'.");
}

/// <summary>A source could not be reached (connection refused, timed out, or authentication failed).</summary>
internal sealed class SourceUnavailableException(string sourceName, Exception inner)
    : Exception($"The data source '{sourceName}' cannot be reached.", inner)
{
    public string SourceName { get; } = sourceName;
}
