using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Hosting;

/// <summary>
/// Owns the configured sources and the published model: discovers every source at start-up, logs the
/// start-up report, and hands each request the current immutable snapshot.
/// </summary>
internal sealed class ModelHost(IOptions<VirtualizationOptions> options, DemoDatabase demo, ILogger<ModelHost> logger) : IAsyncDisposable
{
    private PublishedModel? _model;
    private MetadataWriter? _metadata;
    private List<DataSource> _sources = [];

    public PublishedModel Current => _model ?? throw new InvalidOperationException("The model has not been built yet.");

    public MetadataWriter CurrentMetadata => _metadata ?? throw new InvalidOperationException("The model has not been built yet.");

    public IReadOnlyList<DataSource> Sources => _sources;

    public IReadOnlyList<string> Report { get; private set; } = [];

    /// <summary>Serving the embedded demo (no source configured): anonymous access is allowed then.</summary>
    public bool IsDemo { get; private set; }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.Sources;
        IReadOnlyDictionary<string, SourceOptions> sources = configured;
        if (configured.Count == 0)
        {
            if (!options.Value.UseDemoWhenUnconfigured)
            {
                throw new ConfigurationException(["No source is configured. Add one under OData:Sources (see the README), or set OData:UseDemoWhenUnconfigured to true for the demo data."]);
            }

            sources = await demo.EnsureAsync(cancellationToken);
            IsDemo = true;
            ServerLog.ServingDemo(logger, demo.Directory);
        }

        // Problems in a source's own settings are collected, not thrown: the other sources are still discovered so
        // that their problems (a missing key column, an entry naming no table) are reported in the same start.
        var errors = new List<string>();
        var invalid = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (sourceName, error) in OptionsValidator.ValidateSources(options.Value))
        {
            errors.Add(error);
            invalid.Add(sourceName);
        }

        var discovered = new List<(DataSource, SourceSchema)>();
        foreach (var (name, sourceOptions) in sources.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (invalid.Contains(name))
            {
                continue;
            }

            var source = DataSource.Create(name, sourceOptions);
            _sources.Add(source);
            try
            {
                discovered.Add((source, await source.DiscoverAsync(cancellationToken)));
            }
            catch (SourceUnavailableException ex)
            {
                // One unreachable source must not keep the others from being served.
                ServerLog.DiscoveryFailed(logger, name, ex.InnerException?.Message ?? ex.Message);
            }
        }

        var builder = new ModelBuilder();
        var model = builder.Build(discovered);
        errors.AddRange(builder.Errors);
        errors.AddRange(Security.PolicyValidator.Validate(options.Value.Security, model));
        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }

        foreach (var line in builder.Report)
        {
            if (line.StartsWith("Published", StringComparison.Ordinal))
            {
                ServerLog.StartupReport(logger, line);
            }
            else
            {
                ServerLog.StartupSkipped(logger, line);
            }
        }

        if (options.Value.Salesforce.RoutePrefix.Trim('/') is { Length: > 0 } salesforce)
        {
            var profile = Profiles.SalesforceProfile.For(model);
            foreach (var line in profile.Report)
            {
                ServerLog.StartupSkipped(logger, line);
            }

            ServerLog.StartupReport(logger, $"Salesforce profile: {profile.Model.Sets.Count} entity sets at /{salesforce}/ (the URL for Salesforce Connect's External Data Source).");
        }

        _metadata = MetadataWriter.Render(model.EdmModel);
        _model = model;
        Report = builder.Report;
        ServerLog.ModelPublished(logger, model.Sets.Count, discovered.Count);
        if (Security.Gatekeeper.AllowsAnonymous(options.Value.Security, this))
        {
            ServerLog.AnonymousAccess(logger);
        }
    }

    /// <summary>Two queries worth trying on the published model, URL-encoded, printed at start-up.</summary>
    public IReadOnlyList<string> SampleQueries()
    {
        var sets = Current.Sets;
        if (sets.ContainsKey("erp_customers") && sets.ContainsKey("transactions"))
        {
            return
            [
                "erp_customers?$top=5&$count=true&$select=customer_id,name,city",
                "transactions?$filter=amount%20gt%201000&$orderby=booked_at%20desc&$top=3",
            ];
        }

        var first = sets.Values.OrderBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault();
        return first is null ? ["$metadata"] : [first.Name + "?$top=5&$count=true", first.Name + "/$count"];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources)
        {
            await source.DisposeAsync();
        }

        _sources = [];
    }
}

/// <summary>Configuration that cannot work; the server reports every problem at once and does not start.</summary>
public sealed class ConfigurationException(IReadOnlyList<string> errors)
    : Exception("The configuration has errors:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
