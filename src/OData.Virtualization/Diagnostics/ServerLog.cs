using Microsoft.Extensions.Logging;

namespace OData.Virtualization.Diagnostics;

/// <summary>The server's log messages, in one place, with stable event ids.</summary>
internal static partial class ServerLog
{
    /// <summary>What was published (Information on a configured server; Debug on the demo, whose start says one thing).</summary>
    [LoggerMessage(EventId = 1000, Message = "{Line}")]
    public static partial void StartupReport(ILogger logger, LogLevel level, string line);

    /// <summary>What was left out and how to publish it (Warning on a configured server; Debug on the demo).</summary>
    [LoggerMessage(EventId = 1001, Message = "{Line}")]
    public static partial void StartupSkipped(ILogger logger, LogLevel level, string line);

    [LoggerMessage(1002, LogLevel.Error, "Source '{Source}' could not be discovered and is not published: {Reason}")]
    public static partial void DiscoveryFailed(ILogger logger, string source, string reason);

    /// <summary>
    /// The demo's whole start-up message, the one block before the banner: what is served, that it is open because it is
    /// a demo (or that it needs credentials), and how to serve a real source. The details are at Debug.
    /// </summary>
    [LoggerMessage(1003, LogLevel.Information, "No source is configured, so this is the demo: {SetCount} entity sets from two SQLite sample databases, an ERP and a core bank (built from seed-data/ in {Directory}).\n"
        + "{Access}\n"
        + "To serve your own database, configure a source, for example: OData__Sources__erp__Provider=PostgreSQL OData__Sources__erp__ConnectionString='Host=…;Database=…;Username=…' (README, \"Configuration\").\n"
        + "What was published, in detail: Logging__LogLevel__OData.Virtualization=Debug.")]
    public static partial void ServingDemo(ILogger logger, int setCount, string directory, string access);

    [LoggerMessage(1004, LogLevel.Debug, "Built the embedded demo database {Path} from {Script} in {Milliseconds} ms.")]
    public static partial void DemoBuilt(ILogger logger, string path, string script, long milliseconds);

    [LoggerMessage(EventId = 1005, Message = "Published {SetCount} entity sets from {SourceCount} sources.")]
    public static partial void ModelPublished(ILogger logger, LogLevel level, int setCount, int sourceCount);

    /// <summary>Warning on a configured server; Debug on the demo (one instance, links that need not outlive it).</summary>
    [LoggerMessage(EventId = 1006, Message = "OData:Paging:SkipTokenKey is not set: next links are signed with a random key, so they do not survive a restart and only this instance can continue them. Set the same secret key on every instance.")]
    public static partial void RandomSkipTokenKey(ILogger logger, LogLevel level);

    [LoggerMessage(EventId = 1020, Message = "Metrics are not collected: {Path} would be served to no one. To collect and serve them, set OData:Telemetry:ManagementPort (a port kept off the public network) or OData:Telemetry:Metrics:ScrapeTokenHash (a token for Prometheus).")]
    public static partial void MetricsNotServed(ILogger logger, LogLevel level, string path);

    [LoggerMessage(3000, LogLevel.Warning, "The source could not answer ({Reason}); served the cached entry {Key} stale.")]
    public static partial void ServedStale(ILogger logger, string key, string reason);

    [LoggerMessage(3001, LogLevel.Warning, "The cache could not be used: {Reason}. Answering from the source.")]
    public static partial void CacheUnavailable(ILogger logger, string reason);

    [LoggerMessage(3010, LogLevel.Warning, "The shared cache (Redis) cannot be reached: answering from the memory level and the sources, asking Redis again every {Seconds} s. Readiness says Degraded and odata.cache.distributed.available is 0 until it answers.")]
    public static partial void SharedCacheDown(ILogger logger, long seconds);

    [LoggerMessage(3011, LogLevel.Information, "The shared cache (Redis) answers again.")]
    public static partial void SharedCacheBack(ILogger logger);

    [LoggerMessage(4000, LogLevel.Warning, "The row filter of a policy for '{EntitySet}' cannot be parsed for this caller ('{Filter}'): the set is not visible to it. Check the filter and the claims it uses.")]
    public static partial void InvalidRowFilter(ILogger logger, string entitySet, string filter);

    /// <summary>Warning on a configured server; Debug on the demo, whose one block says it in its own words.</summary>
    [LoggerMessage(EventId = 4001, Message = "Anonymous access is on (OData:Security:AllowAnonymous): anyone who can reach this server can read what it publishes.")]
    public static partial void AnonymousAccess(ILogger logger, LogLevel level);

    [LoggerMessage(4003, LogLevel.Warning, "{Problem}")]
    public static partial void UnusableCredential(ILogger logger, string problem);

    [LoggerMessage(4002, LogLevel.Information, "Authentication failed for a request from {RemoteAddress}: {Reason}")]
    public static partial void AuthenticationFailed(ILogger logger, string? remoteAddress, string reason);

    [LoggerMessage(4005, LogLevel.Debug, "Authentication failure of request {RequestId}, as the validator put it: {Detail}")]
    public static partial void AuthenticationFailureDetail(ILogger logger, string requestId, string detail);

    [LoggerMessage(4004, LogLevel.Warning, "Sign-ins from {Who} are refused until its window ends: {Limit} failed in {WindowSeconds} s (OData:Security:SignInLimits).")]
    public static partial void SignInsRefused(ILogger logger, string who, int limit, int windowSeconds);

    [LoggerMessage(2000, LogLevel.Debug, "SQL on {Source} ({ParameterCount} parameters): {Sql}")]
    public static partial void ExecutingSql(ILogger logger, string source, string sql, int parameterCount);

    [LoggerMessage(2001, LogLevel.Warning, "Source '{Source}' is unavailable: {Reason}")]
    public static partial void SourceUnavailable(ILogger logger, string source, string reason);

    [LoggerMessage(2002, LogLevel.Error, "Request {RequestId} failed unexpectedly.")]
    public static partial void UnexpectedError(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(2003, LogLevel.Error, "Request {RequestId} failed after the response started; the connection was aborted.")]
    public static partial void FailedMidStream(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(2005, LogLevel.Warning, "Request {RequestId}: the response was cut: its client had not read it all {Seconds} s after its first row, the most a statement may hold one of source '{Source}''s slots (its CommandTimeoutSeconds). Server paging (OData:Paging:MaxPageSize) keeps each read short.")]
    public static partial void SlowReaderCut(ILogger logger, string requestId, string source, int seconds);

    [LoggerMessage(2004, LogLevel.Information, "Request {RequestId}: the source rejected the query: {Reason}")]
    public static partial void SourceRejectedQuery(ILogger logger, string requestId, string reason);

    /// <summary>The one line per request (category <c>OData.Virtualization.Requests</c>); no URL: a query's values can be personal data.</summary>
    [LoggerMessage(2010, LogLevel.Information, "{Method} {EntitySet} ({Profile}) {StatusCode} in {DurationMs} ms; cache {CacheOutcome}; rows {Rows}; principal {Principal}; request {RequestId}; trace {TraceId}")]
    public static partial void RequestCompleted(ILogger logger, string method, string entitySet, string profile, int statusCode, double durationMs, string cacheOutcome, long rows, string principal, string requestId, string? traceId);

    /// <summary>
    /// The same line for a request that read no rows (the service document, <c>$metadata</c>, an error): no <c>rows</c>
    /// field, rather than an empty one, and no <c>Rows</c> property. The same event id: one id finds every request's line.
    /// </summary>
    [LoggerMessage(2010, LogLevel.Information, "{Method} {EntitySet} ({Profile}) {StatusCode} in {DurationMs} ms; cache {CacheOutcome}; principal {Principal}; request {RequestId}; trace {TraceId}")]
    public static partial void RequestCompletedWithoutRows(ILogger logger, string method, string entitySet, string profile, int statusCode, double durationMs, string cacheOutcome, string principal, string requestId, string? traceId);

    /// <summary>A <c>$batch</c>'s own line, beside its parts' lines (their request ids are this one's with <c>:n</c>).</summary>
    [LoggerMessage(2011, LogLevel.Information, "POST $batch ({Profile}) {StatusCode} in {DurationMs} ms; {Answered} of {Parts} parts answered, {Failed} failed; request {RequestId}; trace {TraceId}")]
    public static partial void BatchCompleted(ILogger logger, string profile, int statusCode, double durationMs, int answered, int parts, int failed, string requestId, string? traceId);
}
