using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Model;
using OData.Virtualization.Profiles;
using OData.Virtualization.Serialization;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Publishing;

/// <summary>
/// Owns the configured sources and the published model: discovers every source at start-up, logs the start-up report,
/// and hands each request the current immutable <see cref="ModelSnapshot"/>. A refresh (ModelHost.Refresh.cs) builds
/// a new snapshot beside the served one and swaps it in with one reference assignment.
/// </summary>
internal sealed partial class ModelHost(
    IOptionsMonitor<VirtualizationOptions> options,
    DemoDatabase demo,
    IEnumerable<IModelCheck> checks,
    TimeProvider time,
    WriteNotices notices,
    ILogger<ModelHost> logger) : IPublishedSources, IAsyncDisposable
{
    /// <summary>One build, refresh or accept at a time; requests never wait on it.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Data sources by name and settings: a refresh reuses a source (its pool, its circuit breaker) while its settings stay the same.</summary>
    private readonly Dictionary<string, DataSource> _pool = new(StringComparer.Ordinal);

    /// <summary>Sources replaced or removed, disposed once requests that still hold them can no longer run.</summary>
    private readonly List<DataSource> _retired = [];

    /// <summary>The last schema each source reported (and for which connection string): served while it is unreachable.</summary>
    private readonly Dictionary<string, (string? ConnectionString, SourceSchema Schema)> _schemas = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Problems already logged (an unreachable source, a failed refresh): logged again only after they clear.</summary>
    private readonly HashSet<string> _problems = new(StringComparer.Ordinal);

    private ModelSnapshot? _snapshot;

    /// <summary>The snapshot requests are served from now.</summary>
    public ModelSnapshot Snapshot => Volatile.Read(ref _snapshot) ?? throw new InvalidOperationException("The model has not been built yet.");

    public PublishedModel Current => Snapshot.Model;

    /// <summary>Raised after every publication (the start-up model and each refresh that changed it), on the publishing thread.</summary>
    public event Action<ModelSnapshot>? Published;

    /// <summary>Every configured source of the current snapshot (also those that could not be discovered).</summary>
    public IReadOnlyList<DataSource> Sources => Volatile.Read(ref _snapshot)?.Sources ?? [];

    public IReadOnlyList<string> Report => Snapshot.Report;

    /// <summary>Serving the embedded demo (no source configured): anonymous access is allowed then.</summary>
    public bool IsDemo => Volatile.Read(ref _snapshot)?.IsDemo ?? false;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var settings = options.CurrentValue;
            var candidate = await BuildAsync(settings, startup: true, cancellationToken);
            if (candidate.Errors.Count > 0)
            {
                throw new ConfigurationException(candidate.Errors);
            }

            // The start-up report is for the operator of a configured server. The demo's start says one short thing
            // (Hosting's ModelInitializer): what it publishes and leaves out of its own sample data is detail, at Debug.
            var report = candidate.IsDemo ? LogLevel.Debug : LogLevel.Information;
            var skipped = candidate.IsDemo ? LogLevel.Debug : LogLevel.Warning;
            foreach (var line in candidate.Report)
            {
                if (line.StartsWith("Published", StringComparison.Ordinal))
                {
                    ServerLog.StartupReport(logger, report, line);
                }
                else
                {
                    ServerLog.StartupSkipped(logger, skipped, line);
                }
            }

            var model = candidate.Model;
            if (settings.Salesforce.RoutePrefix.Trim('/') is { Length: > 0 } salesforce)
            {
                var profile = SalesforceProfile.For(model);
                foreach (var line in profile.Report)
                {
                    ServerLog.StartupSkipped(logger, skipped, line);
                }

                ServerLog.StartupReport(logger, report, $"Salesforce profile: {profile.Model.Sets.Count} entity sets at /{salesforce}/ (the URL for Salesforce Connect's External Data Source).");
            }

            var next = Prepare(model, candidate);
            next = PinAtStartup(settings, candidate, next);
            Publish(next);
            ServerLog.ModelPublished(logger, report, next.Model.Sets.Count, candidate.DiscoveredCount);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Two queries worth trying on the published model, URL-encoded, printed at start-up. On the demo they are the README's
    /// first examples (a test holds the two together), chosen so that every column they select has a value in every row:
    /// a first query that shows <c>null</c> looks broken.
    /// </summary>
    public IReadOnlyList<string> SampleQueries()
    {
        var sets = Current.Sets;
        if (sets.ContainsKey("erp_customers") && sets.ContainsKey("transactions"))
        {
            return
            [
                "erp_customers?$top=5&$count=true&$select=customer_id,name,country,credit_limit",
                "transactions?$filter=amount%20gt%201000&$orderby=booked_at%20desc&$top=3&$select=transaction_id,booked_at,amount,currency,category",
            ];
        }

        var first = sets.Values.OrderBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault();
        return first is null ? ["$metadata"] : [first.Name + "?$top=5&$count=true", first.Name + "/$count"];
    }

    public async ValueTask DisposeAsync()
    {
        List<DataSource> sources;
        lock (_retired)
        {
            sources = [.. _pool.Values, .. _retired];
            _pool.Clear();
            _retired.Clear();
        }

        foreach (var source in sources)
        {
            await source.DisposeAsync();
        }
    }

    /// <summary>What one discovery of every source produced, before anything is published.</summary>
    private sealed record Candidate(
        PublishedModel Model,
        IReadOnlyList<string> Report,
        IReadOnlyList<string> Errors,
        IReadOnlyList<DataSource> Sources,
        IReadOnlySet<string> Unavailable,
        int DiscoveredCount,
        bool IsDemo);

    /// <summary>Discovers every configured source and builds a model (not published). Errors are collected, never thrown.</summary>
    private async Task<Candidate> BuildAsync(VirtualizationOptions settings, bool startup, CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, SourceOptions> sources = settings.Sources;
        var isDemo = false;
        var errors = new List<string>();
        if (sources.Count == 0)
        {
            if (!DemoDatabase.Serves(settings))
            {
                errors.Add("No source is configured. Add one under OData:Sources (see the README), or set OData:UseDemoWhenUnconfigured to true for the demo data.");
                return new Candidate(new ModelBuilder().Build([]), [], errors, [], new HashSet<string>(), 0, false);
            }

            sources = await demo.EnsureAsync(cancellationToken);
            isDemo = true;
        }

        // Problems in a source's own settings are collected, not thrown: the other sources are still discovered so
        // that their problems (a missing key column, an entry naming no table) are reported in the same start.
        var invalid = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (sourceName, error) in SourceOptionsValidator.ValidateSources(settings))
        {
            errors.Add(error);
            invalid.Add(sourceName);
        }

        var all = new List<DataSource>();
        var discovered = new List<(DataSource, SourceSchema)>();
        var unavailable = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var fresh = 0;
        foreach (var (name, sourceOptions) in sources.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (invalid.Contains(name))
            {
                continue;
            }

            var source = Acquire(name, sourceOptions);
            all.Add(source);
            try
            {
                var schema = await source.DiscoverAsync(cancellationToken);
                discovered.Add((source, schema));
                _schemas[name] = (sourceOptions.ConnectionString, schema);
                fresh++;
                _problems.Remove("unavailable:" + name);
            }
            catch (SourceUnavailableException ex)
            {
                // One unreachable source must not keep the others from being served; on a refresh it keeps the
                // schema it had (its sets stay published and answer 503 until it is back), so an outage is never
                // mistaken for a dropped table.
                var reason = ex.InnerException?.Message ?? ex.Message;
                if (!startup && _schemas.TryGetValue(name, out var last) && last.ConnectionString == sourceOptions.ConnectionString)
                {
                    discovered.Add((source, last.Schema));
                    if (_problems.Add("unavailable:" + name))
                    {
                        RefreshLog.KeptLastSchema(logger, name, reason);
                    }

                    continue;
                }

                unavailable.Add(name);
                if (startup)
                {
                    ServerLog.DiscoveryFailed(logger, name, reason);
                    _problems.Add("unavailable:" + name);
                }
                else if (_problems.Add("unavailable:" + name))
                {
                    RefreshLog.StillUnavailable(logger, name, reason, Math.Max(1, settings.Refresh.UnavailableRetrySeconds));
                }
            }
        }

        var builder = new ModelBuilder
        {
            TrackedSets = new HashSet<string>(settings.ChangeTracking.Sets, StringComparer.Ordinal),
            // Also when tracking is off: a store left in a source's database still holds old rows.
            ServerSchemas = new HashSet<string>([settings.ChangeTracking.StoreSchema], StringComparer.Ordinal),
        };
        var model = builder.Build(discovered);
        errors.AddRange(builder.Errors);
        foreach (var check in checks)
        {
            errors.AddRange(check.Check(settings, model));
        }

        return new Candidate(model, builder.Report, errors, all, unavailable, fresh, isDemo);
    }

    private DataSource Acquire(string name, SourceOptions sourceOptions)
    {
        var key = name + "\n" + JsonSerializer.Serialize(sourceOptions);
        lock (_retired)
        {
            if (!_pool.TryGetValue(key, out var source))
            {
                source = DataSource.Create(name, sourceOptions);
                source.Notices = notices;
                _pool[key] = source;
            }

            return source;
        }
    }

    /// <summary>A snapshot of <paramref name="model"/>, not yet published: its metadata, description and fingerprint.</summary>
    private ModelSnapshot Prepare(PublishedModel model, Candidate candidate)
    {
        var metadata = MetadataWriter.Render(model.EdmModel);
        return new ModelSnapshot
        {
            Model = model,
            Metadata = metadata,
            Description = ModelDescription.Of(model),
            Fingerprint = Fingerprint(model, metadata),
            Sources = candidate.Sources,
            Unavailable = candidate.Unavailable,
            Report = candidate.Report,
            IsDemo = candidate.IsDemo,
            Generation = 0,
            PublishedAt = default,
        };
    }

    /// <summary>
    /// Swaps <paramref name="next"/> in: one reference assignment, so a request sees the old snapshot or the new one,
    /// never a mix; requests in flight keep the one they read. Then forgets the plans made on older models.
    /// </summary>
    private ModelSnapshot Publish(ModelSnapshot next)
    {
        var published = next with { Generation = (Volatile.Read(ref _snapshot)?.Generation ?? 0) + 1, PublishedAt = time.GetUtcNow() };
        Volatile.Write(ref _snapshot, published);

        // Plans hold the old model's sets and columns (a plan that selects a dropped column would send bad SQL): the
        // request memo forgets them now. Keys made after this point carry the new model's stamp too, so a plan an old
        // request remembers after this is never found by a new one.
        Published?.Invoke(published);

        // Pooled sessions prepared statements for the old tables; a changed column type would fail them.
        if (published.Generation > 1)
        {
            foreach (var source in Sources)
            {
                source.ForgetSessions();
            }
        }

        return published;
    }

    /// <summary>
    /// A hash of what the model does: its CSDL, each set's source object and column mapping, the navigation joins, and
    /// the sources' and sets' settings (a reloaded TTL or page size must publish a new snapshot). Connection strings are
    /// hashed, never shown.
    /// </summary>
    private static string Fingerprint(PublishedModel model, MetadataWriter metadata)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(metadata.Xml);
        var text = new StringBuilder();
        foreach (var set in model.Sets.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            text.Append(set.Name).Append('|').Append(set.Source.Name).Append('|').Append(set.Object.QualifiedName).Append('|').Append(set.Object.IsView)
                .Append('|').Append(JsonSerializer.Serialize(set.Source.Options)).Append('|').Append(set.Settings is null ? string.Empty : JsonSerializer.Serialize(set.Settings)).Append('\n');
            foreach (var column in set.Columns)
            {
                text.Append(' ').Append(column.PropertyName).Append('=').Append(column.ColumnName).Append(':').Append(column.Type).Append(':').Append(column.IsNullable).Append('\n');
            }

            foreach (var navigation in set.Navigations)
            {
                text.Append(" >").Append(navigation.Name).Append('=').AppendJoin(',', navigation.Join.Select(j => j.Local.ColumnName + "/" + j.Remote.ColumnName)).Append('\n');
            }
        }

        hash.AppendData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}

/// <summary>Configuration that cannot work; the server reports every problem at once and does not start.</summary>
public sealed class ConfigurationException(IReadOnlyList<string> errors)
    : Exception("The configuration has errors:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
