using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.OData;
using Microsoft.OData.UriParser;
using OData.Virtualization.Caching;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Errors;
using OData.Virtualization.Execution;
using OData.Virtualization.Model;
using OData.Virtualization.Paging;
using OData.Virtualization.Profiles;
using OData.Virtualization.Query;
using OData.Virtualization.Security;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>
/// Serves everything under the OData route: service document, <c>$metadata</c>, entity sets, entities by
/// key, properties, raw values and counts. One handler for every entity set: nothing is generated per table.
/// </summary>
internal sealed partial class ODataEndpoint(
    QueryExecutor executor,
    CollectionResponder collections,
    Gatekeeper gatekeeper,
    RequestLimiter limiter,
    RepresentationSender sender,
    PreparedRequests prepared,
    IOptionsMonitor<VirtualizationOptions> options,
    TimeProvider time,
    RequestTelemetry telemetry,
    ILogger<ODataEndpoint> logger)
{
    public const string RoutePrefix = "odata";

    /// <summary>The Salesforce root as mapped at start-up (a reloaded prefix would not move the route; read once).</summary>
    private readonly string _salesforcePrefix = options.CurrentValue.Salesforce.RoutePrefix.Trim('/');

    internal static readonly JsonWriterOptions JsonOptions = StreamingJsonWriter.Options;

    /// <summary>Set once the first bytes of a body are written (maybe not yet flushed): errors can then only abort.</summary>
    private static readonly object BodyStartedKey = new();

    private static readonly string[] s_supportedOptions = ["$filter", "$select", "$expand", "$orderby", "$top", "$skip", "$count", "$search", "$format", "$skiptoken"];
    private static readonly string[] s_unsupportedOptions = ["$apply", "$compute", "$deltatoken", "$levels", "$index", "$schemaversion", "$id"];

    /// <summary>Serves the service root <c>/odata/</c>: the published model as it is.</summary>
    public Task HandleAsync(HttpContext context) => HandleAsync(context, salesforce: false);

    /// <summary>Serves the Salesforce Connect profile's service root (<c>/salesforce/</c> by default).</summary>
    public Task HandleSalesforceAsync(HttpContext context) => HandleAsync(context, salesforce: true);

    private async Task HandleAsync(HttpContext context, bool salesforce)
    {
        var response = context.Response;
        response.Headers["OData-Version"] = "4.0";
        var timings = RequestTimings.Start(context);

        // The request's time budget: when it runs out, the SQL is cancelled like when the client hangs up.
        var client = context.RequestAborted;
        var seconds = options.CurrentValue.Limits.RequestTimeoutSeconds;
        using var budget = seconds > 0 ? CancellationTokenSource.CreateLinkedTokenSource(client) : null;
        if (budget is not null)
        {
            budget.CancelAfter(TimeSpan.FromSeconds(seconds));
            context.RequestAborted = budget.Token;
        }

        try
        {
            await HandleCoreAsync(context, timings, salesforce);
        }
        catch (OperationCanceledException) when (budget?.IsCancellationRequested == true && !client.IsCancellationRequested && !response.HasStarted && !context.Items.ContainsKey(BodyStartedKey))
        {
            context.RequestAborted = client;
            await ODataErrorWriter.WriteAsync(context, new ODataProblem(504, "RequestTimeout", $"The request took longer than {seconds} seconds and was cancelled, its SQL too. Narrow the query and try again."));
        }
        catch (Exception ex) when (!response.HasStarted && !context.Items.ContainsKey(BodyStartedKey))
        {
            var problem = ErrorMapping.ToProblem(ex, context, logger);
            if (problem is null)
            {
                return; // the client went away
            }

            await ODataErrorWriter.WriteAsync(context, problem);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Headers and part of the body are gone: the only honest signal left is a broken response.
            ServerLog.FailedMidStream(logger, ex, context.TraceIdentifier);
            context.Abort();
        }
        catch (OperationCanceledException)
        {
            context.Abort();
        }
        finally
        {
            telemetry.Complete(context, timings, salesforce, clientGone: client.IsCancellationRequested);
        }
    }

    private async Task HandleCoreAsync(HttpContext context, RequestTimings timings, bool salesforce)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            throw new ODataProblem(405, "MethodNotAllowed", $"This service is read-only: {request.Method} is not allowed. Use GET.");
        }

        var limits = options.CurrentValue.Limits;
        // The target exactly as the client sent it: percent-encoding intact, so that a key such as 'a%2Fb'
        // reaches the URI parser as one segment.
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var target = string.IsNullOrEmpty(rawTarget) || rawTarget[0] != '/'
            ? request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent()
            : rawTarget;
        if (target.Length > limits.MaxUrlLength)
        {
            throw new ODataProblem(414, "UriTooLong", $"The request URL has {target.Length} characters; the most this service accepts is {limits.MaxUrlLength}. Shorten the query, for example with 'in' instead of many 'or' terms.");
        }

        var scope = await gatekeeper.AdmitAsync(context);
        var routePrefix = RoutePrefix;
        if (salesforce)
        {
            // The same caller, rules and limits, seen through the Salesforce profile of its model.
            var profile = SalesforceProfile.For(scope.Model);
            var maxPageSize = options.CurrentValue.Salesforce.MaxPageSize;
            scope = new AccessScope(scope.Id + "/salesforce", scope.Principal, profile.Model, profile.Metadata, scope.Limits)
            {
                MaxPageSize = scope.Limits.MaxPageSize is { } own && own > 0 && own < maxPageSize ? own : maxPageSize,
            };
            routePrefix = _salesforcePrefix;
        }

        context.Items[typeof(AccessScope)] = scope;
        using var lease = await limiter.AcquireAsync(context, scope);

        var model = scope.Model;
        var serviceRoot = $"{request.Scheme}://{request.Host}{request.PathBase}/{routePrefix}/";
        var relative = RelativeTarget(target, request.PathBase.Value, routePrefix);

        // A repeated request whose answer is in the cache skips parsing, planning and SQL compilation. Plans and
        // remembered cache keys are shared by callers with the same rules, model and limits (MemoId), and forgotten
        // when the options change (the generation moves; a request planned under the old options stores under it).
        var memoScope = scope.MemoScope(prepared.Generation);
        var requestKey = PreparedRequests.RequestKey(memoScope, serviceRoot, relative, request.Headers.Accept.ToString(), request.Headers["Prefer"].ToString());
        if (await sender.TryServeRepeatAsync(context, timings, requestKey, relative))
        {
            return;
        }

        // A request planned before (its answer not cached, or caching off) skips the parser and the planner.
        var memoKey = PreparedRequests.Remembers(relative) ? requestKey : null;
        if (prepared.TryGet(memoKey, out var known))
        {
            await ServePreparedAsync(context, scope, known, serviceRoot, relative, timings);
            return;
        }

        // Only here: a repeated or planned request passed this check when it was first planned (the target is part
        // of both keys). Before the lookups, it parsed the query string into a collection on every cache hit (about
        // 5 % of a hit's allocations).
        CheckQueryOptionNames(request);

        if (relative.Length == 0 || relative[0] == '?')
        {
            var format = ResponseFormat.Negotiate(request.Query["$format"], request.Headers.Accept);
            await ServiceDocumentWriter.WriteAsync(context, model, serviceRoot, format);
            return;
        }

        if (relative.StartsWith("$metadata", StringComparison.Ordinal))
        {
            await MetadataWriter.WriteAsync(context, scope.Metadata, request.Query["$format"]);
            return;
        }

        if (relative.StartsWith("$batch", StringComparison.Ordinal))
        {
            throw ODataProblem.NotImplemented("$batch", "$batch");
        }

        var parser = new ODataUriParser(model.EdmModel, new Uri(serviceRoot), new Uri(serviceRoot + relative))
        {
            Resolver = new ODataUriResolver { EnableCaseInsensitive = true },
        };
        // The planner holds $expand to the caller's and the source's depth; the parser only stops the absurd.
        parser.Settings.MaximumExpansionDepth = 10;

        var path = ParsePath(parser, relative);
        var responseFormat = ResponseFormat.Negotiate(request.Query["$format"], request.Headers.Accept);
        await ServeAsync(context, scope, parser, path, serviceRoot, relative, responseFormat, limits, timings, memoKey);
    }

    private static void CheckQueryOptionNames(HttpRequest request)
    {
        foreach (var name in request.Query.Keys)
        {
            if (!name.StartsWith('$'))
            {
                continue; // custom query options are allowed and ignored
            }

            if (s_unsupportedOptions.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw ODataProblem.NotImplemented($"The query option '{name}'", name);
            }

            if (!s_supportedOptions.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw ODataProblem.BadRequest($"'{name}' is not an OData system query option. Supported: {string.Join(", ", s_supportedOptions)}.", name);
            }

            if (request.Query[name].Count > 1)
            {
                throw ODataProblem.BadRequest($"The query option '{name}' appears more than once.", name);
            }
        }
    }

    private static string RelativeTarget(string rawTarget, string? pathBase, string routePrefix)
    {
        var target = rawTarget;
        if (!string.IsNullOrEmpty(pathBase) && target.StartsWith(pathBase, StringComparison.OrdinalIgnoreCase))
        {
            target = target[pathBase.Length..];
        }

        var prefix = "/" + routePrefix;
        if (target.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            target = target[prefix.Length..];
        }

        return target.StartsWith('/') ? target[1..] : target;
    }

    private static ODataPath ParsePath(ODataUriParser parser, string relative)
    {
        try
        {
            return parser.ParsePath();
        }
        catch (ODataUnrecognizedPathException ex)
        {
            // An unknown first segment is a mistyped entity set: name the closest one. (Later segments are
            // properties, for which the entity-set wording would mislead.)
            var first = Uri.UnescapeDataString(relative.Split('/', '(', '?')[0]);
            var message = first.Length > 0 && ex.Message.Contains($"'{first}'", StringComparison.Ordinal)
                ? ErrorMapping.WithSuggestion(ex.Message, parser.Model)
                : ex.Message;
            throw ODataProblem.NotFound(message);
        }
    }

    private async Task ServeAsync(HttpContext context, AccessScope scope, ODataUriParser parser, ODataPath path, string serviceRoot, string relative, ResponseFormat format, LimitOptions limits, RequestTimings timings, string? memoKey)
    {
        var segments = path.ToList();
        if (segments.Count == 0 || segments[0] is not EntitySetSegment setSegment)
        {
            throw ODataProblem.NotImplemented($"The path '{path}'");
        }

        var model = scope.Model;
        var set = model.GetSet(setSegment.EntitySet);
        timings.EntitySet = set.Name;
        PreparedRequest? planned = segments.Count switch
        {
            1 => Collection(Plan(scope, set, parser, null, limits, RawOption(context))),
            2 when segments[1] is CountSegment => new PreparedRequest(PreparedKind.Count, set, Plan(scope, set, parser, null, limits, RawOption(context)), null, format),
            2 when segments[1] is KeySegment keySegment => new PreparedRequest(PreparedKind.Entity, set, Plan(scope, set, parser, keySegment, limits, RawOption(context)), null, format),
            _ => null,
        };
        if (planned is not null)
        {
            prepared.Remember(memoKey, planned);
            await ServePreparedAsync(context, scope, planned, serviceRoot, relative, timings);
            return;
        }

        PreparedRequest Collection(EntityQuery query)
            => new(PreparedKind.Collection, set, query, collections.Pages.Plan(context.Request, query, relative, scope.Id, scope.MaxPageSize), format);

        var now = time.GetUtcNow();
        var ttl = CacheTtl(set);
        switch (segments.Count)
        {
            case 3 or 4 when segments[1] is KeySegment keySegment && segments[2] is PropertySegment property:
            {
                var rawValue = segments.Count == 4 && segments[3] is ValueSegment;
                if (segments.Count == 4 && !rawValue)
                {
                    throw ODataProblem.NotImplemented($"The path '{path}'");
                }

                var keyQuery = Plan(scope, set, parser, keySegment, limits, RawOption(context));
                var column = set.GetColumn(property.Property);
                var query = new EntityQuery { Set = set, Selected = [column], Key = keyQuery.Key };
                if (rawValue && column.Type.IsCollection)
                {
                    throw ODataProblem.BadRequest($"'{column.PropertyName}' is a collection: it has no raw $value. Request it without /$value.");
                }

                timings.Parse = timings.Elapsed;
                CacheKey key() => Key(scope, rawValue ? "value" : "property", set, serviceRoot, format).Add("sql", SqlCompiler.Select(query, now));
                await sender.SendAsync(context, timings, key, ttl, async (pipe, t, ct) =>
                {
                    var value = (await ReadSingleAsync(query, now, t, ct)).Values[0];
                    return await RenderPropertyAsync(pipe, set, keyQuery, column, value, rawValue, serviceRoot, format, ct);
                });
                return;
            }

            default:
                throw ODataProblem.NotImplemented($"The path '{string.Join("/", segments.Select(s => s.Identifier))}' (navigation paths and nested segments)");
        }
    }

    /// <summary>Serves a planned collection, entity or count request (planned now, or remembered).</summary>
    private async Task ServePreparedAsync(HttpContext context, AccessScope scope, PreparedRequest planned, string serviceRoot, string relative, RequestTimings timings)
    {
        var (set, query, format) = (planned.Set, planned.Query, planned.Format);
        timings.EntitySet = set.Name;
        var now = time.GetUtcNow();
        var ttl = CacheTtl(set);
        switch (planned.Kind)
        {
            case PreparedKind.Collection:
                await ServeCollectionAsync(context, scope, planned.Page!, serviceRoot, relative, format, now, ttl, timings);
                return;
            case PreparedKind.Count:
            {
                var count = SqlCompiler.Count(query, now);
                timings.Parse = timings.Elapsed;
                CacheKey key() => Key(scope, "count", set, serviceRoot, null).Add("sql", count);
                await sender.SendAsync(context, timings, key, ttl, async (pipe, t, ct) =>
                {
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    var total = await executor.CountAsync(set.Source, count, ct);
                    t.Sql = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    pipe.Write(Encoding.UTF8.GetBytes(total.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    return new RenderResult(StatusCodes.Status200OK, "text/plain;charset=utf-8");
                });
                return;
            }

            case PreparedKind.Entity:
            {
                timings.Parse = timings.Elapsed;
                CacheKey key() => ExpandShape(Key(scope, "entity", set, serviceRoot, format).Add("sql", SqlCompiler.Select(query, now)), query, now);
                await sender.SendAsync(context, timings, key, ttl, async (pipe, t, ct) =>
                {
                    var row = await ReadSingleAsync(query, now, t, ct);
                    t.Rows = 1;
                    await using var stream = new StreamingJsonWriter(pipe);
                    var contextUrl = format.Metadata == MetadataLevel.None ? null : ContextUrl.ForEntity(serviceRoot, query);
                    new EntityWriter(serviceRoot, format).WriteBuffered(stream.Json, row, query, contextUrl);
                    await stream.FlushAsync(ct);
                    return new RenderResult(StatusCodes.Status200OK, format.ContentType);
                });
                return;
            }
        }
    }

    private async Task ServeCollectionAsync(HttpContext context, AccessScope scope, PagePlan plan, string serviceRoot, string relative, ResponseFormat format, DateTimeOffset now, TimeSpan ttl, RequestTimings timings)
    {
        var query = plan.Query;
        var request = new CollectionResponder.Request(plan, serviceRoot, relative, format, now);
        var response = context.Response;
        timings.Parse = timings.Elapsed;
        if (plan.PageSize is not null && ttl > TimeSpan.Zero)
        {
            // A bounded page with caching on: rendered once into memory, then kept and served with an ETag.
            // Compiled once: for the cache key, and (on a miss) for the source.
            var page = SqlCompiler.Page(plan.Query, now);
            var count = plan.Query.Count ? SqlCompiler.Count(plan.Query, now) : null;
            request = request with { Compiled = (page, count) };
            var key = Key(scope, "page", query.Set, serviceRoot, format)
                .Add("page", page.Statement)
                .Add("count", count)
                .Add("position", plan.Fingerprint + "/" + plan.Returned.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + plan.PageSize.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            key = ExpandShape(key, plan.Query, now);
            await sender.SendAsync(context, timings, () => key, ttl, async (pipe, t, ct) =>
            {
                await using var stream = new StreamingJsonWriter(pipe);
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                t.Rows = await collections.RenderAsync(request, stream, () =>
                {
                    t.Sql = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    return Task.CompletedTask;
                }, ct);
                var headers = plan.PreferenceApplied is { } applied
                    ? new Dictionary<string, string> { ["Preference-Applied"] = "odata.maxpagesize=" + applied.ToString(System.Globalization.CultureInfo.InvariantCulture) }
                    : null;
                return new RenderResult(StatusCodes.Status200OK, format.ContentType, headers);
            }, evictFirst: plan.Returned > 0); // a continuation page (from a $skiptoken): requested once per walk
            return;
        }

        // Caching is off for this set, or server paging is off: stream straight from the reader to the client.
        response.Headers["X-Cache"] = "BYPASS";
        sender.CountBypass();
        timings.Outcome = CacheOutcome.Bypass;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            CollectionResponder.WriteHeaders(response, plan, format);
            return;
        }

        await using var streaming = new StreamingJsonWriter(response.BodyWriter);
        using var serialize = ServerTracing.StartSerialize();
        timings.Rows = await collections.RenderAsync(request, streaming, beforeFirstByte: () =>
        {
            // The statement ran: from here on a failure can only abort the response.
            timings.Sql = timings.Elapsed - (timings.Parse ?? 0);
            CollectionResponder.WriteHeaders(response, plan, format);
            context.Items[BodyStartedKey] = true;
            return Task.CompletedTask;
        }, context.RequestAborted);
    }

    private static async Task<RenderResult> RenderPropertyAsync(System.IO.Pipelines.PipeWriter pipe, PublishedSet set, EntityQuery keyQuery, PublishedColumn column, object? value, bool rawValue, string serviceRoot, ResponseFormat format, CancellationToken ct)
    {
        if (value is null && !column.Type.IsCollection)
        {
            return new RenderResult(StatusCodes.Status204NoContent, "text/plain");
        }

        if (rawValue)
        {
            if (value is byte[] bytes)
            {
                pipe.Write(bytes);
                return new RenderResult(StatusCodes.Status200OK, "application/octet-stream");
            }

            // Not null here: only a collection gets this far with null, and a collection has no raw $value (a 400 above).
            pipe.Write(Encoding.UTF8.GetBytes(ValueWriter.FormatRaw(value!, column.Type)));
            return new RenderResult(StatusCodes.Status200OK, "text/plain;charset=utf-8");
        }

        await using var stream = new StreamingJsonWriter(pipe);
        var writer = stream.Json;
        writer.WriteStartObject();
        if (format.Metadata != MetadataLevel.None)
        {
            writer.WriteString("@odata.context", ContextUrl.ForProperty(serviceRoot, set, keyQuery.Key!, column));
        }

        writer.WritePropertyName("value");
        ValueWriter.WriteBoxed(writer, value, column.Type, format.Ieee754Compatible);
        writer.WriteEndObject();
        await stream.FlushAsync(ct);
        return new RenderResult(StatusCodes.Status200OK, format.ContentType);
    }

    private async Task<BufferedRow> ReadSingleAsync(EntityQuery query, DateTimeOffset now, RequestTimings timings, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var statement = SqlCompiler.Select(query, now);
        BufferedRow row;
        await using (var open = await executor.OpenAsync(query.Set.Source, null, statement, ct))
        {
            if (!await open.Reader.ReadAsync(ct))
            {
                throw ODataProblem.NotFound($"No entity in '{query.Set.Name}' has the key {ContextUrl.KeyText(query.Key!)}.");
            }

            var columns = query.ReadColumns;
            var values = new object?[columns.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = ValueWriter.ReadBoxed(open.Reader, i, columns[i].Type);
            }

            row = new BufferedRow(values);
        }

        if (query.Expands.Count > 0)
        {
            await using var connection = await query.Set.Source.OpenConnectionAsync(ct);
            await executor.LoadExpandsAsync(connection, query, [row], now, ct);
        }

        timings.Sql = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return row;
    }

    /// <summary>The cache's view of a request: its kind, the service root (links contain it), the format, the caller's scope.</summary>
    /// <summary>
    /// The entity set is part of every key: two sources can hold tables of the same name and shape (two SQLite
    /// demo databases both have "customers"), and the same SQL text would otherwise share one entry. So is the set's
    /// shape (its published columns and types): after a schema refresh that retypes a column the SQL text can stay the
    /// same, and an entry rendered for the old type must not answer (on this instance or another sharing Redis).
    /// </summary>
    private static CacheKey Key(AccessScope scope, string kind, PublishedSet set, string serviceRoot, ResponseFormat? format)
        => new CacheKey(scope.Id).Add("kind", kind).Add("set", set.Name).Add("shape", SetShape.Of(set)).Add("root", serviceRoot).Add("format", format?.ContentType);

    /// <summary>A system query option's text as sent (decoded), for error targets and the $search fallback.</summary>
    private static Func<string, string?> RawOption(HttpContext context)
        => name => context.Request.Query.TryGetValue(name, out var value) && value.Count > 0 ? value[0] : null;

    /// <summary>
    /// The limits for one request: the principal's (from its policies) where set, else the global ones; then the
    /// source's caps on top (the smaller wins).
    /// </summary>
    internal static LimitOptions Effective(LimitOptions global, SourceOptions source, PrincipalLimitOptions principal)
    {
        static long Cap(long value, long? cap) => cap is { } c && c > 0 && (value <= 0 || c < value) ? c : value;
        static int CapInt(int value, int? cap) => (int)Cap(value, cap);
        return new LimitOptions
        {
            MaxUrlLength = global.MaxUrlLength,
            MaxTop = Cap(principal.MaxTop ?? global.MaxTop, source.MaxTop),
            MaxExpandDepth = CapInt(principal.MaxExpandDepth ?? global.MaxExpandDepth, source.MaxExpandDepth),
            MaxExpandedRows = global.MaxExpandedRows,
            MaxFilterNodes = CapInt(principal.MaxFilterNodes ?? global.MaxFilterNodes, source.MaxFilterNodes),
            MaxInListLength = CapInt(principal.MaxInListLength ?? global.MaxInListLength, source.MaxInListLength),
            RequestsPerMinute = global.RequestsPerMinute,
            ConcurrentRequests = global.ConcurrentRequests,
            RequestTimeoutSeconds = global.RequestTimeoutSeconds,
        };
    }

    /// <summary>Plans a query, holding it to the caller's limits.</summary>
    private static EntityQuery Plan(AccessScope scope, PublishedSet set, ODataUriParser parser, KeySegment? key, LimitOptions limits, Func<string, string?>? rawOption)
    {
        limits = Effective(limits, set.Source.Options, scope.Limits);
        var query = QueryPlanner.Plan(scope.Model, set, parser, key, limits, rawOption);
        var maxTop = limits.MaxTop;
        if (maxTop > 0 && query.Top > maxTop)
        {
            throw ODataProblem.BadRequest($"$top={query.Top} is more than this service allows you ({maxTop}). Page with $skip or follow @odata.nextLink.", "$top", "LimitExceeded");
        }

        return query;
    }

    /// <summary>Adds the expanded levels' statements (with no parents) to a key: they carry the nested options.</summary>
    private static CacheKey ExpandShape(CacheKey key, EntityQuery query, DateTimeOffset now)
    {
        foreach (var expand in query.Expands)
        {
            key.Add("expand:" + expand.Navigation.Name, SqlCompiler.Expand(expand, [], now));
            ExpandShape(key, expand.Query, now);
        }

        return key;
    }

    private TimeSpan CacheTtl(PublishedSet set)
    {
        var seconds = set.Settings?.CacheTtlSeconds ?? set.Source.Options.CacheTtlSeconds ?? options.CurrentValue.Cache.DefaultTtlSeconds;
        return TimeSpan.FromSeconds(Math.Max(0, seconds));
    }
}
