namespace OData.Virtualization.Configuration;

/// <summary>
/// Schema refresh: the sources are discovered again and the new model is published without a restart — on a schedule,
/// on an administrator's request (<c>POST /admin/refresh</c>), on a PostgreSQL <c>NOTIFY</c>, and when the
/// configuration file changes. Requests in flight finish on the model they started with.
/// </summary>
public sealed class RefreshOptions
{
    /// <summary>
    /// Seconds between scheduled refreshes; 0 turns the schedule off. Default: 300. A refresh that finds nothing changed
    /// costs one catalog read per source and publishes nothing (caches and plans stay warm).
    /// </summary>
    public int IntervalSeconds { get; init; } = 300;

    /// <summary>
    /// Seconds between refreshes while a source cannot be reached (one that was down at start-up is published as soon
    /// as it answers). Default: 30.
    /// </summary>
    public int UnavailableRetrySeconds { get; init; } = 30;

    /// <summary>
    /// The PostgreSQL notification channel listened to on every PostgreSQL source (an event trigger runs
    /// <c>NOTIFY odata_schema_changed</c> after DDL; see docs/operations.md). Empty turns listening off.
    /// Default: <c>odata_schema_changed</c>.
    /// </summary>
    public string NotifyChannel { get; init; } = "odata_schema_changed";

    /// <summary>
    /// Milliseconds without a new notification (or configuration change) before the refresh runs, so that a migration's
    /// burst of DDL statements gives one refresh (never more than ten times this in all). Default: 1,000.
    /// </summary>
    public int DebounceMilliseconds { get; init; } = 1_000;
}

/// <summary>
/// The model lock: a JSON file that pins the published model (entity sets, keys, properties, types, navigation
/// properties). With it, a refresh that would change the published model is reported and held back until an
/// administrator accepts it (<c>POST /admin/model/accept</c>).
/// </summary>
public sealed class ModelLockOptions
{
    /// <summary>
    /// The lock file. When it does not exist, it is written from the model published at start-up. Unset: no lock, every
    /// refresh is published (breaking changes are logged as warnings). Default: unset.
    /// </summary>
    public string? Path { get; init; }
}

/// <summary>Stopping without dropping requests.</summary>
public sealed class ShutdownOptions
{
    /// <summary>
    /// Seconds that requests in flight may take to finish once the server stops accepting new ones (after
    /// <see cref="ReadinessDelaySeconds"/>); then the rest are aborted. Read at start-up. Default: 30.
    /// </summary>
    public int DrainSeconds { get; init; } = 30;

    /// <summary>
    /// Seconds between the stop signal and closing the listening port: <c>/health/ready</c> answers 503 at once and
    /// new requests are still served, so that a load balancer takes the instance out before it stops accepting.
    /// Read at start-up. Default: 0 (behind a Kubernetes Service, 5 to 10).
    /// </summary>
    public int ReadinessDelaySeconds { get; init; }
}

/// <summary>The administration endpoints under <c>/admin/</c> (refresh, model changes, accepting a locked model's changes).</summary>
public sealed class AdminOptions
{
    /// <summary>The default administrator role, used when <see cref="Roles"/> is empty.</summary>
    public const string DefaultRole = "odata-admin";

    /// <summary>
    /// Roles whose principals may use the administration endpoints (authenticated principals only; anonymous never).
    /// Default: <c>odata-admin</c>.
    /// </summary>
    public List<string> Roles { get; init; } = [];

    /// <summary>The roles in effect: <see cref="Roles"/>, or <see cref="DefaultRole"/> when none is configured.</summary>
    public IReadOnlyList<string> EffectiveRoles() => Roles.Count > 0 ? Roles : [DefaultRole];
}
