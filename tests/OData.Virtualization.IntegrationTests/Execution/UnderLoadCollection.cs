namespace OData.Virtualization.IntegrationTests.Execution;

/// <summary>
/// Tests that bound how long something takes under contention they create themselves (slots released within the
/// statement timeout, cancellation within a second, recovery within a second of the database's return, the chaos run)
/// run alone, after the parallel collections: on a shared 2-core machine the other collections' load would otherwise be
/// measured with theirs. Each bound is still several times what was measured (see each test).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class UnderLoadCollection
{
    public const string Name = "Under load, alone";
}
