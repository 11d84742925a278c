namespace OData.Virtualization.Sources;

/// <summary>The sources of the model served now (also those that could not be discovered): what gauges and health report on.</summary>
internal interface IPublishedSources
{
    IReadOnlyList<DataSource> Sources { get; }
}
