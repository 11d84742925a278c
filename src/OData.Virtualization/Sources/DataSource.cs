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
        Breaker = new SourceBreaker(ProbeAsync, TimeSpan.FromSeconds(Math.Clamp(options.ConnectTimeoutSeconds, 1, 2)));
        Resilience = SourceResilience.Create(name, Breaker);
        Slots = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentQueries));
        Shares = new SlotShares(SlotShares.ShareOf(options));
        SetShares = new SlotShares(SlotShares.SetShareOf(options));
    }

    /// <summary>Statements running on this source now, at most <see cref="SourceOptions.MaxConcurrentQueries"/>.</summary>
    public SemaphoreSlim Slots { get; }

    /// <summary>Of those, each principal's: at most <see cref="SourceOptions.MaxConcurrentQueriesPerPrincipal"/> at once.</summary>
    public SlotShares Shares { get; }

    /// <summary>Of those, each entity set's: at most <see cref="SourceOptions.MaxConcurrentQueriesPerSet"/> at once.</summary>
    public SlotShares SetShares { get; }

    /// <summary>Retries with backoff and jitter, and a circuit breaker, around reaching this source.</summary>
    public Polly.ResiliencePipeline Resilience { get; }

    /// <summary>The circuit breaker's state, and the probe that closes it as soon as the source answers again.</summary>
    public SourceBreaker Breaker { get; }

    public string Name { get; }

    private long _writeGeneration;

    /// <summary>
    /// Moves on every write through this server to any of this source's tables: part of every cache key of a read of
    /// the source, so that a read after a write never answers from before it (a write may change what another set's
    /// filters, navigation paths and expansions read, so the whole source moves, not one set).
    /// </summary>
    public long WriteGeneration => Volatile.Read(ref _writeGeneration);

    /// <summary>Who else hears of this source's writes (the other instances); set by the server that made the source.</summary>
    public WriteNotices? Notices { get; set; }

    // The generation packs three counts into one long, changed together by compare-and-swap: how often the shared
    // counter was found reset (bits 48-63), the highest shared (Redis) number seen (bits 16-47), and this instance's
    // writes no shared number has confirmed yet (bits 0-15). Any change of any part changes every cache key.
    private const int SharedShift = 16;
    private const int ResetShift = 48;
    private const long PendingMask = 0xFFFF;
    private const long SharedMask = 0xFFFF_FFFFL;

    /// <summary>
    /// A write to this source was attempted (committed or not): cached reads of it are from before, here at once and on
    /// the other instances once <see cref="Notices"/> has told them (then the shared number replaces the pending count).
    /// </summary>
    public Task NoteWriteAsync()
    {
        Update(state => (state & PendingMask) == PendingMask ? state : state + 1);
        return Notices?.NotifyAsync(this) ?? Task.CompletedTask;
    }

    /// <summary>This instance's write got <paramref name="shared"/> from the shared counter: one pending write is confirmed.</summary>
    public void ConfirmWrite(long shared)
        => Update(state => Pack(Resets(state), Math.Max(Shared(state), shared), Math.Max((state & PendingMask) - 1, 0)));

    /// <summary>
    /// The shared counter said <paramref name="shared"/> (another instance's write, or the once-a-second read). A
    /// message may be older than one seen before (never a step back); the counter read lower than seen means it was
    /// reset (Redis restarted without its data): then the reset count moves, so no key of before comes back.
    /// </summary>
    public void ObserveWrite(long shared, bool counterRead = false)
        => Update(state => shared > Shared(state) ? Pack(Resets(state), shared, state & PendingMask)
            : counterRead && shared < Shared(state) ? Pack(Resets(state) + 1, shared, state & PendingMask)
            : state);

    private static long Shared(long state) => (state >> SharedShift) & SharedMask;

    private static long Resets(long state) => (long)((ulong)state >> ResetShift);

    private static long Pack(long resets, long shared, long pending)
        => (resets << ResetShift) | ((shared & SharedMask) << SharedShift) | (pending & PendingMask);

    private void Update(Func<long, long> change)
    {
        var current = Volatile.Read(ref _writeGeneration);
        while (true)
        {
            var next = change(current);
            var seen = Interlocked.CompareExchange(ref _writeGeneration, next, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    public SourceOptions Options { get; }

    /// <summary>
    /// The table that keeps this source's <c>Idempotency-Key</c> records (<see cref="SourceOptions.IdempotencyTable"/>,
    /// else <c>odv_writes.idempotency</c> on PostgreSQL and <c>odv_idempotency</c> elsewhere): the server's own, never published.
    /// </summary>
    public string IdempotencyTable => Options.IdempotencyTable is { Length: > 0 } name ? name
        : Provider == SourceProvider.PostgreSql ? "odv_writes.idempotency" : "odv_idempotency";

    /// <summary>Whether <paramref name="dbObject"/> is <see cref="IdempotencyTable"/> (as the server names and creates it).</summary>
    public bool IsServerTable(DbObject dbObject)
    {
        var (schema, name) = IdempotencyParts(Provider, IdempotencyTable);
        return Provider == SourceProvider.PostgreSql
            ? string.Equals(dbObject.Schema, schema, StringComparison.Ordinal) && string.Equals(dbObject.Name, name, StringComparison.Ordinal)
            : string.Equals(dbObject.Name, name, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// How <paramref name="table"/> is read: on PostgreSQL <c>schema.name</c> (a bare name is in <c>public</c>, whatever the
    /// writing role's search path); elsewhere the whole setting is one table name.
    /// </summary>
    public static (string? Schema, string Name) IdempotencyParts(SourceProvider provider, string table)
    {
        if (provider != SourceProvider.PostgreSql)
        {
            return (null, table);
        }

        var parts = table.Split('.', 2);
        return parts.Length == 2 ? (parts[0], parts[1]) : ("public", parts[0]);
    }

    public abstract SourceProvider Provider { get; }

    /// <summary>Opens a pooled, read-only connection, or throws <see cref="SourceUnavailableException"/> within the connect timeout.</summary>
    public abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    public abstract Task<SourceSchema> DiscoverAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Opens a connection that may write (<see cref="SourceOptions.WriteConnectionString"/>, else the reading one without
    /// its read-only session), only for a set an operator opened to writes; its pool exists from the first write on.
    /// Throws <see cref="SourceUnavailableException"/> within the connect timeout.
    /// </summary>
    public abstract ValueTask<DbConnection> OpenWriteConnectionAsync(CancellationToken cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Breaker.Dispose();
        await DisposeCoreAsync();
    }

    /// <summary>Closes the provider's pool.</summary>
    protected abstract ValueTask DisposeCoreAsync();

    /// <summary>A new model was published: sessions holding state planned for the old schema are closed (PostgreSQL).</summary>
    public virtual void ForgetSessions()
    {
    }

    /// <summary>
    /// A statement on <paramref name="connection"/> failed in the database (a client's mistake, mostly): before the
    /// connection goes back to the pool, undo what the failure may have left inconsistent in the provider's session.
    /// </summary>
    public virtual void AfterStatementFailed(DbConnection connection)
    {
    }

    /// <summary>Opens a connection outside the slots and runs <c>SELECT 1</c>: whether the source answers at all.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public static DataSource Create(string name, SourceOptions options) => ParseProvider(options.Provider) switch
    {
        SourceProvider.PostgreSql => new PostgresDataSource(name, options),
        SourceProvider.MySql => new MySqlDataSource(name, options),
        _ => new SqliteDataSource(name, options),
    };

    public static SourceProvider? TryParseProvider(string? provider) => provider?.Trim().ToUpperInvariant() switch
    {
        "POSTGRESQL" or "POSTGRES" or "NPGSQL" => SourceProvider.PostgreSql,
        "SQLITE" => SourceProvider.Sqlite,
        "MYSQL" or "MARIADB" => SourceProvider.MySql,
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
