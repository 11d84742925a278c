namespace OData.Virtualization.Configuration;

/// <summary>
/// Change tracking (<c>OData:ChangeTracking</c>): delta links for the listed entity sets, fed by PostgreSQL logical
/// decoding (<c>pgoutput</c>) with no trigger on the tables. Off by default: with no <see cref="Sets"/> the server opens
/// no replication connection, needs no replication rights and ignores <c>Prefer: odata.track-changes</c>.
/// </summary>
public sealed class ChangeTrackingOptions
{
    /// <summary>
    /// The entity sets whose changes are tracked, by their published name (as in the service document). All must be
    /// tables of one PostgreSQL source. Default: none.
    /// </summary>
    public List<string> Sets { get; init; } = [];

    /// <summary>
    /// How long captured changes are kept, and so how old a delta link may be; an older link is a 410 Gone that tells
    /// the client to read the set again. Default: 7 days.
    /// </summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The PostgreSQL database that keeps the captured changes (every instance reads it; one writes). The role needs
    /// CREATE on the database for the first start (the schema and its tables are created if missing), then INSERT,
    /// DELETE and SELECT on them. Required when <see cref="Sets"/> lists any set.
    /// </summary>
    public string? StoreConnectionString { get; init; }

    /// <summary>The schema of the change store's tables. Default: <c>odv_changes</c>.</summary>
    public string StoreSchema { get; init; } = "odv_changes";

    /// <summary>
    /// A connection string to the tracked source for the replication connection, for a role with the REPLICATION
    /// attribute (the source's own read-only role usually has none). Default: the source's connection string.
    /// </summary>
    public string? ReplicationConnectionString { get; init; }

    /// <summary>The logical replication slot of this deployment (one for all instances). Default: <c>odv_changes</c>.</summary>
    public string SlotName { get; init; } = "odv_changes";

    /// <summary>
    /// The publication over the tracked tables, created by the operator (docs/operations.md); the server creates it
    /// only when it is missing and its role may. Default: <c>odv_changes</c>.
    /// </summary>
    public string PublicationName { get; init; } = "odv_changes";

    /// <summary>
    /// The server warns (log and readiness message) when its slot holds back more WAL than this many bytes: an
    /// abandoned slot fills the source's disk. Default: 1 GiB.
    /// </summary>
    public long SlotLagWarningBytes { get; init; } = 1L << 30;

    /// <summary>Seconds between checks of the slot's lag, and between retries after the replication connection fails. Default: 10.</summary>
    public int CheckIntervalSeconds { get; init; } = 10;

    /// <summary>Whether any set is tracked.</summary>
    public bool Enabled => Sets.Count > 0;
}
