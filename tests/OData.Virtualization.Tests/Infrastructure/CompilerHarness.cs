using Microsoft.OData.UriParser;
using OData.Virtualization.Configuration;
using OData.Virtualization.Model;
using OData.Virtualization.Query;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Tests.Infrastructure;

/// <summary>
/// Parses an OData URL against the shop model exactly as the endpoint does, plans it and compiles it,
/// without a database.
/// </summary>
internal sealed class CompilerHarness
{
    public static readonly DateTimeOffset Now = new(2025, 6, 30, 12, 34, 56, TimeSpan.Zero);

    private static readonly Uri s_serviceRoot = new("http://host/odata/");

    /// <summary>The limits the planner runs with by default: no cap on expanded rows, so statements show their plain shape.</summary>
    private static readonly LimitOptions s_limits = new() { MaxExpandedRows = 0 };

    private static readonly Lazy<CompilerHarness> s_postgres = new(() => new CompilerHarness(SourceProvider.PostgreSql));
    private static readonly Lazy<CompilerHarness> s_sqlite = new(() => new CompilerHarness(SourceProvider.Sqlite));

    private CompilerHarness(SourceProvider provider)
    {
        var source = TestSources.Create(provider);
        Model = new ModelBuilder().Build([(source, ShopSchema.For(provider))]);
    }

    public static CompilerHarness Postgres => s_postgres.Value;

    public static CompilerHarness Sqlite => s_sqlite.Value;

    public static CompilerHarness For(SourceProvider provider) => provider == SourceProvider.PostgreSql ? Postgres : Sqlite;

    public PublishedModel Model { get; }

    /// <summary>Plans <paramref name="relativeUrl"/> (for example <c>customers?$filter=…</c>) as the endpoint would.</summary>
    public EntityQuery Plan(string relativeUrl, LimitOptions? limits = null)
    {
        var parser = new ODataUriParser(Model.EdmModel, s_serviceRoot, new Uri(s_serviceRoot, relativeUrl))
        {
            Resolver = new ODataUriResolver { EnableCaseInsensitive = true },
        };
        var path = parser.ParsePath();
        var setSegment = (EntitySetSegment)path.FirstSegment;
        var set = Model.GetSet(setSegment.EntitySet);
        var key = path.OfType<KeySegment>().FirstOrDefault();
        return QueryPlanner.Plan(Model, set, parser, key, limits ?? s_limits);
    }

    /// <summary>Plans a <c>$apply</c> request (<c>sales_orders?$apply=…</c>) as the endpoint would.</summary>
    public ApplyQuery PlanApply(string relativeUrl)
    {
        var uri = new Uri(s_serviceRoot, relativeUrl);
        var parser = new ODataUriParser(Model.EdmModel, s_serviceRoot, uri) { Resolver = new ODataUriResolver { EnableCaseInsensitive = true } };
        var set = Model.GetSet(((EntitySetSegment)parser.ParsePath().FirstSegment).EntitySet);
        var options = uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => Uri.UnescapeDataString(pair[0]), pair => pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : string.Empty, StringComparer.Ordinal);
        return ApplyPlanner.Plan(Model, set, parser, s_limits, name => options.GetValueOrDefault(name));
    }

    public SqlStatement Select(string relativeUrl) => SqlCompiler.Select(Plan(relativeUrl), Now);

    public SqlStatement Count(string relativeUrl) => SqlCompiler.Count(Plan(relativeUrl), Now);

    /// <summary>The statement of the first expanded level of <paramref name="relativeUrl"/>, for the given parents' join values.</summary>
    public SqlStatement Expand(string relativeUrl, params object?[][] parentValues)
        => SqlCompiler.Expand(Plan(relativeUrl).Expands[0], parentValues, Now);
}
