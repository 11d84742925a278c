using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Diagnostics;

/// <summary>
/// The server's own instruments (meter <c>OData.Virtualization</c>), named as Prometheus shows them after the
/// OpenTelemetry exporter's translation (<c>odata.requests</c> → <c>odata_requests_total</c>, a histogram in seconds →
/// <c>…_seconds_bucket</c>). Labels stay low-cardinality: entity sets are bounded by the published model, never a raw
/// URL segment; principals are in the request log, not in labels.
/// </summary>
/// <remarks>
/// Recording allocates nothing: tags go in a <see cref="TagList"/> (on the stack), status codes and outcomes are
/// boxed once, and entity-set names are the model's own strings.
/// </remarks>
internal sealed class ServerMetrics
{
    public const string MeterName = "OData.Virtualization";

    /// <summary>Seconds; from a cached page (well under a millisecond) to a slow source.</summary>
    private static readonly double[] s_durationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private static readonly object[] s_statusCodes = Enumerable.Range(0, 600).Select(code => (object)code).ToArray();

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _sqlDuration;
    private readonly Counter<long> _rows;
    private readonly Counter<long> _cacheRequests;
    private readonly Counter<long> _statements;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _schemaRefreshes;
    private readonly Counter<long> _passwordChecks;
    private readonly UpDownCounter<long> _passwordChecksActive;

    /// <remarks>
    /// The sources are looked up when the gauges are read, not injected: the model host (which reports
    /// <see cref="SchemaRefreshed"/>) can then depend on these metrics without a cycle.
    /// </remarks>
    public ServerMetrics(IMeterFactory meters, IServiceProvider services)
    {
        var meter = meters.Create(MeterName, typeof(ServerMetrics).Assembly.GetName().Version?.ToString(3));
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets };
        _requests = meter.CreateCounter<long>("odata.requests", "{request}", "Requests answered under the OData service roots, by entity set, status code and client profile.");
        _requestDuration = meter.CreateHistogram("odata.request.duration", "s", "Time to answer a request (until the response is handed to the server), by entity set and profile.", advice: advice);
        _sqlDuration = meter.CreateHistogram("odata.sql.duration", "s", "Time in the source for a request that ran SQL (the Server-Timing 'sql' value), by entity set.", advice: advice);
        _rows = meter.CreateCounter<long>("odata.rows", "{row}", "Rows returned to clients (from the source or the cache), by entity set.");
        _cacheRequests = meter.CreateCounter<long>("odata.cache.requests", "{request}", "How the response cache answered requests (hit, miss, joined, stale, bypass), by entity set.");
        _statements = meter.CreateCounter<long>("odata.source.statements", "{statement}", "SQL statements sent to a source.");
        _rateLimited = meter.CreateCounter<long>("odata.rate_limit.rejections", "{request}", "Requests refused because the principal was over a limit (429: requests_per_minute, concurrent_requests), its address or user name had too many failed sign-ins (429: failed_sign_ins), or too many password checks were waiting (503: password_checks).");
        _schemaRefreshes = meter.CreateCounter<long>("odata.schema.refreshes", "{refresh}", "Schema refreshes, by outcome.");
        _passwordChecks = meter.CreateCounter<long>("odata.sign_in.password_checks", "{check}", "HTTP Basic passwords checked against their PBKDF2 hash (unknown users against a stand-in), by outcome (right, wrong); remembered sign-ins are not counted.");
        _passwordChecksActive = meter.CreateUpDownCounter<long>("odata.sign_in.password_checks.active", "{check}", "Password checks running now (at most OData:Security:SignInLimits:ConcurrentPasswordChecks).");

        // Series that exist from the start: a burst of rejections between two scrapes still shows as an increase.
        RateLimited("requests_per_minute", 0);
        RateLimited("concurrent_requests", 0);
        RateLimited("failed_sign_ins", 0);
        RateLimited("password_checks", 0);
        meter.CreateObservableUpDownCounter("odata.source.statements.active", () => Slots(services, inUse: true), "{statement}", "Statements running on a source now (each holds one pooled connection).");
        meter.CreateObservableUpDownCounter("odata.source.statements.limit", () => Slots(services, inUse: false), "{statement}", "The most statements a source runs at once (OData:Sources:<name>:MaxConcurrentQueries).");
        meter.CreateObservableGauge("odata.source.circuit.open", () => Circuits(services), "{circuit}", "1 while a source's circuit breaker is open (its requests fail fast while it is probed every quarter of a second), else 0.");
        meter.CreateObservableGauge("odata.cache.distributed.available", () => DistributedCacheAvailable(services), unit: null, "1 while the response cache's distributed level (Redis) answers, 0 while it cannot be reached (misses are then answered from the memory level and the sources); absent without Redis.");
    }

    /// <summary>One answered request: its count, duration, SQL time, rows and cache outcome.</summary>
    public void RequestCompleted(string entitySet, int statusCode, string profile, double milliseconds, double? sqlMilliseconds, long? rows, CacheOutcome? outcome)
    {
        // The request counter last: a scrape that sees the request sees the rest of it too.
        if (sqlMilliseconds is { } sql)
        {
            _sqlDuration.Record(sql / 1000, new KeyValuePair<string, object?>("entity_set", entitySet));
        }

        if (rows is > 0)
        {
            _rows.Add(rows.Value, new KeyValuePair<string, object?>("entity_set", entitySet));
        }

        if (outcome is { } answered)
        {
            _cacheRequests.Add(1, new KeyValuePair<string, object?>("entity_set", entitySet), new KeyValuePair<string, object?>("outcome", CacheOutcomes.Label(answered)));
        }

        _requestDuration.Record(milliseconds / 1000, new TagList { { "entity_set", entitySet }, { "profile", profile } });
        var status = (uint)statusCode < (uint)s_statusCodes.Length ? s_statusCodes[statusCode] : statusCode;
        _requests.Add(1, new TagList { { "entity_set", entitySet }, { "status_code", status }, { "profile", profile } });
    }

    /// <summary>A statement sent to <paramref name="source"/>.</summary>
    public void StatementSent(string source) => _statements.Add(1, new KeyValuePair<string, object?>("source", source));

    /// <summary>
    /// A request refused; <paramref name="limit"/> is <c>requests_per_minute</c>, <c>concurrent_requests</c>,
    /// <c>failed_sign_ins</c> or <c>password_checks</c>.
    /// </summary>
    public void RateLimited(string limit) => RateLimited(limit, 1);

    /// <summary>A password check (PBKDF2) starts: counted in <c>odata.sign_in.password_checks.active</c> until <see cref="PasswordCheckEnded"/>.</summary>
    public void PasswordCheckStarted() => _passwordChecksActive.Add(1);

    public void PasswordCheckEnded() => _passwordChecksActive.Add(-1);

    /// <summary>A password check finished: the password was right or wrong.</summary>
    public void PasswordChecked(bool right) => _passwordChecks.Add(1, new KeyValuePair<string, object?>("outcome", right ? "right" : "wrong"));

    /// <summary>
    /// A schema refresh finished. <paramref name="outcome"/> is a short fixed word, for example <c>applied</c>
    /// (the model changed), <c>unchanged</c>, <c>held</c> (a breaking change held back by the model lock) or
    /// <c>failed</c>; never free text.
    /// </summary>
    public void SchemaRefreshed(string outcome) => _schemaRefreshes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    private void RateLimited(string limit, long count) => _rateLimited.Add(count, new KeyValuePair<string, object?>("limit", limit));

    private static IEnumerable<Measurement<int>> Circuits(IServiceProvider services)
    {
        foreach (var source in services.GetRequiredService<IPublishedSources>().Sources)
        {
            yield return new Measurement<int>(source.Breaker.IsOpen ? 1 : 0, new KeyValuePair<string, object?>("source", source.Name));
        }
    }

    private static IEnumerable<Measurement<int>> DistributedCacheAvailable(IServiceProvider services)
    {
        if (services.GetService<IDistributedCacheStatus>()?.IsAvailable is { } available)
        {
            yield return new Measurement<int>(available ? 1 : 0);
        }
    }

    private static IEnumerable<Measurement<int>> Slots(IServiceProvider services, bool inUse)
    {
        foreach (var source in services.GetRequiredService<IPublishedSources>().Sources)
        {
            var limit = Math.Max(1, source.Options.MaxConcurrentQueries);
            var value = inUse ? limit - source.Slots.CurrentCount : limit;
            yield return new Measurement<int>(value, new KeyValuePair<string, object?>("source", source.Name));
        }
    }
}
