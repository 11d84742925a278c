using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace OData.Virtualization.Diagnostics;

/// <summary>
/// The audit trail of writes: one log line per write (category <c>OData.Virtualization.Writes</c>, event 7000) with the
/// principal, entity set, key, operation, status, outcome and the request and trace ids — never the values written —
/// and the counter <c>odata.writes</c> by entity set, operation and outcome.
/// </summary>
internal sealed partial class WriteAudit
{
    private readonly ILogger _logger;
    private readonly Counter<long> _writes;

    public WriteAudit(IMeterFactory meters, ILoggerFactory loggers)
    {
        _logger = loggers.CreateLogger("OData.Virtualization.Writes");
        var meter = meters.Create(ServerMetrics.MeterName, typeof(WriteAudit).Assembly.GetName().Version?.ToString(3));
        _writes = meter.CreateCounter<long>("odata.writes", "{write}", "Writes (POST, PATCH, PUT, DELETE of an entity) by entity set, operation and outcome: written, replayed (an Idempotency-Key's first answer given again), refused (4xx: nothing written), failed (5xx) or rolled_back (a $batch change set's write undone because another write of it failed).");
    }

    /// <summary>
    /// Records one write's outcome; <paramref name="key"/> is the key predicate (empty for a POST that failed before the
    /// insert); <paramref name="rolledBack"/>: a write of a <c>$batch</c> change set that another write of it undid.
    /// </summary>
    public void Written(string principal, string entitySet, string key, string operation, int status, bool replayed, string requestId, string? traceId, bool rolledBack = false)
    {
        var outcome = rolledBack ? "rolled_back" : replayed ? "replayed" : status < 400 ? "written" : status < 500 ? "refused" : "failed";
        _writes.Add(1, new("entity_set", entitySet), new("operation", operation), new("outcome", outcome));
        Log(_logger, operation, entitySet, key, principal, status, outcome, requestId, traceId);
    }

    [LoggerMessage(7000, LogLevel.Information, "Write: {Operation} {EntitySet}{Key} by {Principal}: {Status} {Outcome} (request {RequestId}, trace {TraceId})")]
    private static partial void Log(ILogger logger, string operation, string entitySet, string key, string principal, int status, string outcome, string requestId, string? traceId);
}
