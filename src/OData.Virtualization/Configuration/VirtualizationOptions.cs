
namespace OData.Virtualization.Configuration;

/// <summary>
/// The root of the server's configuration, bound from the <c>OData</c> section
/// (appsettings.json, environment variables such as <c>OData__Sources__erp__ConnectionString</c>,
/// or a file given with <c>--config</c>).
/// </summary>
public sealed class VirtualizationOptions
{
    /// <summary>The configuration section this binds from.</summary>
    public const string SectionName = "OData";

    /// <summary>The configured databases, by source name. The name appears in logs and in the start-up report.</summary>
    public Dictionary<string, SourceOptions> Sources { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// When no source is configured, serve the embedded SQLite demo databases built from <c>seed-data/</c>.
    /// Default: true.
    /// </summary>
    public bool UseDemoWhenUnconfigured { get; init; } = true;

    /// <summary>Folder for the embedded demo databases. Default: <c>data</c> under the content root.</summary>
    public string? DemoDataDirectory { get; init; }

    /// <summary>Limits on what one request may cost.</summary>
    public LimitOptions Limits { get; init; } = new();

    /// <summary>Server-driven paging.</summary>
    public PagingOptions Paging { get; init; } = new();

    /// <summary>The short-TTL response cache.</summary>
    public CacheOptions Cache { get; init; } = new();

    /// <summary>Authentication and policies.</summary>
    public SecurityOptions Security { get; init; } = new();

    /// <summary>HTTPS, proxies and browsers.</summary>
    public TransportOptions Transport { get; init; } = new();

    /// <summary>The Salesforce Connect profile: a second service root with a model Salesforce syncs cleanly.</summary>
    public SalesforceOptions Salesforce { get; init; } = new();

    /// <summary>Schema refresh without a restart: schedule, PostgreSQL NOTIFY, debounce.</summary>
    public RefreshOptions Refresh { get; init; } = new();

    /// <summary>Pinning the published model (a lock file) so that changes wait for an administrator's accept.</summary>
    public ModelLockOptions ModelLock { get; init; } = new();

    /// <summary>Graceful shutdown: readiness delay and drain time.</summary>
    public ShutdownOptions Shutdown { get; init; } = new();

    /// <summary>Who may use the administration endpoints.</summary>
    public AdminOptions Admin { get; init; } = new();

    /// <summary>Output adjusted for clients that cannot read the standard form (binary values).</summary>
    public CompatibilityOptions Compatibility { get; init; } = new();

    /// <summary>Delta links from PostgreSQL logical decoding; off unless sets are listed.</summary>
    public ChangeTrackingOptions ChangeTracking { get; init; } = new();
}

/// <summary>
/// The Salesforce Connect profile: the same sets under a second service root, with names inside Salesforce's rules
/// (letters, digits and single underscores, starting with a letter, at most 40 characters), only the types Salesforce
/// syncs, no navigation properties (Salesforce does not <c>$expand</c>), and pages of at most 2,000 rows.
/// </summary>
public sealed class SalesforceOptions
{
    /// <summary>
    /// The profile's path: its service root is <c>https://host/{RoutePrefix}/</c>, the URL to give Salesforce's
    /// External Data Source. Empty turns the profile off. Default: <c>salesforce</c>.
    /// </summary>
    public string RoutePrefix { get; init; } = "salesforce";

    /// <summary>The largest page served to Salesforce (it rejects pages over 2,000 rows). Default: 2,000.</summary>
    public int MaxPageSize { get; init; } = 2_000;
}

/// <summary>How the server sits on the network.</summary>
public sealed class TransportOptions
{
    /// <summary>
    /// Trust <c>X-Forwarded-For</c>/<c>-Proto</c>/<c>-Host</c> from these proxy addresses (behind a load balancer or
    /// ingress that terminates TLS), so links and HSTS use the client's scheme and host. Default: none.
    /// </summary>
    public List<string> KnownProxies { get; init; } = [];

    /// <summary>
    /// Trust those headers from any address in these networks (CIDR, for example <c>10.244.0.0/16</c>): in Kubernetes the
    /// ingress controller's pods change address, their network does not. Default: none.
    /// </summary>
    public List<string> KnownNetworks { get; init; } = [];

    /// <summary>
    /// The absolute URL clients reach this server at, with any path a proxy adds (for example
    /// <c>https://odata.example.com</c> or <c>https://gateway.example.com/erp</c>). Set, every link the server writes
    /// (service roots, context URLs, next links) starts with it, whatever the request's <c>Host</c> or
    /// <c>X-Forwarded-Host</c> says: a client following a link never sends its credentials to a host a request named.
    /// Unset: links use the request's scheme and host (limit the hosts with <c>AllowedHosts</c>). Default: unset.
    /// </summary>
    public string? PublicBaseUrl { get; init; }

    /// <summary>Browser origins allowed to call the API from script (CORS), for example <c>https://app.example.com</c>. Default: none.</summary>
    public List<string> CorsOrigins { get; init; } = [];

    /// <summary>Send <c>Strict-Transport-Security</c> on HTTPS responses. Default: true.</summary>
    public bool Hsts { get; init; } = true;
}

/// <summary>
/// The response cache: identical requests within a short time are answered from memory (or a shared Redis)
/// instead of the source.
/// </summary>
public sealed class CacheOptions
{
    /// <summary>Seconds a response stays fresh, unless a source or entity set says otherwise. 0 turns caching off. Default: 10.</summary>
    public int DefaultTtlSeconds { get; init; } = 10;

    /// <summary>
    /// Seconds past its TTL that a response may still be served when the source fails or times out (marked
    /// <c>X-Cache: STALE</c>). Beyond it, a 503. 0 turns this fail-safe off. Default: 300.
    /// </summary>
    public int MaxStalenessSeconds { get; init; } = 300;

    /// <summary>
    /// Milliseconds a request waits for the refresh of an expired entry before it is answered from that entry (marked
    /// <c>X-Cache: STALE</c>, within <see cref="MaxStalenessSeconds"/>) while the refresh goes on for the cache: a locked
    /// table or a busy source does not hold its clients for the whole statement timeout. 0 waits for the refresh.
    /// Default: 1,000.
    /// </summary>
    public int StaleAnswerAfterMilliseconds { get; init; } = 1_000;

    /// <summary>Memory the cache may use, in megabytes; the least recently used entries are evicted beyond it. Default: 256.</summary>
    public int SizeLimitMegabytes { get; init; } = 256;

    /// <summary>Responses larger than this many kilobytes are served but not cached. Default: 4,096.</summary>
    public int MaxEntryKilobytes { get; init; } = 4_096;

    /// <summary>
    /// A StackExchange.Redis configuration string (for example <c>redis:6379,password=…,ssl=true</c>) for a second,
    /// shared cache level and a backplane between instances. Unset: memory only.
    /// </summary>
    public string? Redis { get; init; }

    /// <summary>
    /// Keys that encrypt and authenticate entries in Redis (AES-256-GCM), as <c>id:base64-of-32-bytes</c>; the first
    /// seals new entries, all of them open old ones (rotate by putting a new key first). Required with Redis.
    /// </summary>
    public List<string> EncryptionKeys { get; init; } = [];
}

/// <summary>Server-driven paging: pages continue by key through a signed <c>@odata.nextLink</c>.</summary>
public sealed class PagingOptions
{
    /// <summary>Rows per page when the client does not ask (<c>Prefer: odata.maxpagesize</c>). Default: 1,000.</summary>
    public int DefaultPageSize { get; init; } = 1_000;

    /// <summary>
    /// The most rows per page, whatever the client prefers. Default: 2,000 (Salesforce Connect's limit).
    /// 0 turns server paging off: a response then streams every matching row (and is never cached).
    /// </summary>
    public int MaxPageSize { get; init; } = 2_000;

    /// <summary>
    /// The key that signs <c>$skiptoken</c>s (any string of at least 32 characters; keep it secret, and the same
    /// on every instance so that any instance continues any link). Unset: a random key per process, and links do
    /// not survive a restart.
    /// </summary>
    public string? SkipTokenKey { get; init; }
}

/// <summary>One configured database.</summary>
public sealed class SourceOptions
{
    /// <summary><c>PostgreSQL</c>, <c>Sqlite</c> or <c>MySql</c> (alias <c>MariaDB</c>).</summary>
    public string? Provider { get; init; }

    /// <summary>The ADO.NET connection string. Keep secrets in environment variables or a secret store.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>
    /// The connection string writes use, for a role with write grants (the reading role keeps SELECT only). Default:
    /// <see cref="ConnectionString"/>. Only used when a set of this source accepts writes; reads never use it.
    /// </summary>
    public string? WriteConnectionString { get; init; }

    /// <summary>
    /// The table in this source where each write's <c>Idempotency-Key</c> and answer are kept (written in the write's own
    /// transaction; never published). Created by the writing role on the first keyed write when missing. Default:
    /// <c>odv_writes.idempotency</c> on PostgreSQL, <c>odv_idempotency</c> on SQLite.
    /// </summary>
    public string? IdempotencyTable { get; init; }

    /// <summary>How long a write's <c>Idempotency-Key</c> is remembered: a retry within it gets the first answer. Default: 24.</summary>
    public int IdempotencyWindowHours { get; init; } = 24;

    /// <summary>
    /// Which objects to publish, as <c>schema.object</c> patterns with <c>*</c> and <c>?</c> wildcards;
    /// a pattern starting with <c>!</c> excludes. Later patterns win. Default: everything
    /// (<c>*.*</c>) except the system schemas.
    /// </summary>
    public List<string> Publish { get; init; } = [];

    /// <summary>Per-object settings, keyed by <c>schema.object</c> (or just <c>object</c> on SQLite).</summary>
    public Dictionary<string, EntitySetOptions> EntitySets { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Seconds a statement may run before the database cancels it. Default: 30.</summary>
    public int CommandTimeoutSeconds { get; init; } = 30;

    /// <summary>Seconds to wait for a connection before answering 503. Default: 5.</summary>
    public int ConnectTimeoutSeconds { get; init; } = 5;

    /// <summary>Rows per page for this source's entity sets. Default: OData:Paging:DefaultPageSize.</summary>
    public int? PageSize { get; init; }

    /// <summary>The most rows per page for this source's entity sets. Default: OData:Paging:MaxPageSize.</summary>
    public int? MaxPageSize { get; init; }

    /// <summary>Seconds this source's responses stay fresh in the cache. Default: OData:Cache:DefaultTtlSeconds.</summary>
    public int? CacheTtlSeconds { get; init; }

    /// <summary>
    /// Statements this server runs on the source at once, whoever asks: one busy client cannot take every
    /// connection. Others wait up to ConnectTimeoutSeconds, then get a 503. Default: 16.
    /// </summary>
    public int MaxConcurrentQueries { get; init; } = 16;

    /// <summary>
    /// Of those, the most one principal (a user, an API key, a token's name, or all anonymous callers together) holds
    /// at once: one client's heavy queries leave the others slots. Its further statements wait up to
    /// ConnectTimeoutSeconds for one of its own to finish, then get a 503. A value of MaxConcurrentQueries or more turns
    /// the share off. Default: half of MaxConcurrentQueries, at least 1 (8 of the default 16).
    /// </summary>
    public int? MaxConcurrentQueriesPerPrincipal { get; init; }

    /// <summary>
    /// The most statements one entity set of this source runs at once, across all principals: a table that is locked or
    /// slow holds at most this many slots while the source's other tables are served. Requests beyond it wait up to
    /// ConnectTimeoutSeconds for one of the set's own statements to finish, then get a 503 (or a stale cached answer).
    /// Default: three quarters of the principal's share, at least 1 (6 of the default 8); 0 is not allowed.
    /// </summary>
    public int? MaxConcurrentQueriesPerSet { get; init; }

    /// <summary>Caps for this source's sets, below the global limits (and the principal's): the largest <c>$top</c>.</summary>
    public long? MaxTop { get; init; }

    /// <summary>The deepest <c>$expand</c> from this source's sets.</summary>
    public int? MaxExpandDepth { get; init; }

    /// <summary>The most terms in a <c>$filter</c> on this source's sets (see <c>OData:Limits:MaxFilterNodes</c>).</summary>
    public int? MaxFilterNodes { get; init; }

    /// <summary>The most values in an <c>in</c> list on this source's sets.</summary>
    public int? MaxInListLength { get; init; }
}

/// <summary>Settings for one published table or view.</summary>
public sealed class EntitySetOptions
{
    /// <summary>The published entity set name. Default: derived from the object's name.</summary>
    public string? Name { get; init; }

    /// <summary>Key columns, for views and for tables without a primary key.</summary>
    public List<string> Key { get; init; } = [];

    /// <summary>Columns never published.</summary>
    public List<string> HiddenColumns { get; init; } = [];

    /// <summary>
    /// Store types to assume for columns, by column name (for example <c>{"line_count": "INTEGER"}</c>):
    /// for SQLite view columns that have no declared type.
    /// </summary>
    public Dictionary<string, string> ColumnTypes { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Rows per page for this entity set. Default: the source's, then OData:Paging:DefaultPageSize.</summary>
    public int? PageSize { get; init; }

    /// <summary>The most rows per page for this entity set. Default: the source's, then OData:Paging:MaxPageSize.</summary>
    public int? MaxPageSize { get; init; }

    /// <summary>Seconds this entity set's responses stay fresh in the cache (5 for balances, 300 for a catalogue). Default: the source's.</summary>
    public int? CacheTtlSeconds { get; init; }

    /// <summary>
    /// The writes this set accepts (none by default). A write also needs a policy that grants it to the caller
    /// (<see cref="EntitySetPolicyOptions.Writes"/>): the operator opens the set, the policy says who may use it.
    /// </summary>
    public EntitySetWriteOptions? Writes { get; init; }
}

/// <summary>What an operator allows to be written to one table (never a view or a set without a primary key).</summary>
public sealed class EntitySetWriteOptions
{
    /// <summary><c>POST</c> to the set creates a row.</summary>
    public bool Insert { get; init; }

    /// <summary><c>PATCH</c> and <c>PUT</c> of an entity change its row.</summary>
    public bool Update { get; init; }

    /// <summary><c>DELETE</c> of an entity deletes its row.</summary>
    public bool Delete { get; init; }

    /// <summary>Updates and deletes must carry <c>If-Match</c> (428 without it). Default: false.</summary>
    public bool RequireIfMatch { get; init; }
}

/// <summary>Limits on what one request may cost.</summary>
public sealed class LimitOptions
{
    /// <summary>The longest request URL (path and query) accepted. Default: 65,536 characters.</summary>
    public int MaxUrlLength { get; init; } = 65_536;

    /// <summary>The largest <c>$top</c> accepted (0: no limit; per principal in policies). Default: 0.</summary>
    public long MaxTop { get; init; }

    /// <summary>The deepest <c>$expand</c> accepted. Default: 3.</summary>
    public int MaxExpandDepth { get; init; } = 3;

    /// <summary>The most rows one expanded collection returns per parent (0: no cap). Default: 1,000.</summary>
    public int MaxExpandedRows { get; init; } = 1_000;

    /// <summary>
    /// The most terms a <c>$filter</c> may have: comparisons, <c>in</c> tests, function calls and arithmetic operations
    /// (<c>and</c>, <c>or</c>, <c>not</c> and parentheses do not count). The URI parser also refuses nesting beyond 800
    /// levels, which a single chain of <c>or</c> reaches at about 800 terms. Default: 500.
    /// </summary>
    public int MaxFilterNodes { get; init; } = 500;

    /// <summary>The most values in one <c>in</c> list. Default: 1,000.</summary>
    public int MaxInListLength { get; init; } = 1_000;

    /// <summary>
    /// The longest <c>$search</c> term, in characters (every term is a substring match over every text column, and its
    /// cost grows with its length). Default: 128.
    /// </summary>
    public int MaxSearchTermLength { get; init; } = 128;

    /// <summary>The most terms in one <c>$search</c>. Default: 16.</summary>
    public int MaxSearchTerms { get; init; } = 16;

    /// <summary>
    /// Requests per minute per principal (0: unlimited; per principal in policies). Default: 6,000 — a Salesforce
    /// named principal carries a whole organization's callouts, and a Power BI refresh walks thousands of pages.
    /// </summary>
    public int RequestsPerMinute { get; init; } = 6_000;

    /// <summary>Requests at once per principal, more wait in a queue of four times as many (0: unlimited). Default: 16.</summary>
    public int ConcurrentRequests { get; init; } = 16;

    /// <summary>Seconds a whole request may take before it is cancelled, SQL included (0: no limit). Default: 120.</summary>
    public int RequestTimeoutSeconds { get; init; } = 120;

    /// <summary>
    /// The most requests one <c>$batch</c> may carry (each is a request of its own to the rate and concurrency limits).
    /// More: 413. Default: 100.
    /// </summary>
    public int MaxBatchParts { get; init; } = 100;

    /// <summary>The largest <c>$batch</c> request body, in bytes. Larger: 413. Default: 1,048,576 (1 MiB).</summary>
    public int MaxBatchBytes { get; init; } = 1_048_576;
}
