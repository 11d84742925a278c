namespace OData.Virtualization.IntegrationTests.Diagnostics;

/// <summary>
/// Tests that count exact metrics run alone, after the parallel collections: OpenTelemetry's meter provider listens
/// to every meter of the names it is given in the whole process (it does not tell one host's
/// <c>IMeterFactory</c> from another's), so another test's server answering requests at the same time would be
/// counted by this test's server too. (In production one process is one server.)
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeteredCollection
{
    public const string Name = "Metrics, alone";
}
