namespace OData.Virtualization.Execution;

/// <summary>
/// Every statement slot of a source stayed taken for the whole connect timeout, or (<see cref="Share"/> set) the
/// caller's own statements held its whole share of them.
/// </summary>
internal sealed class SourceBusyException(string sourceName, int? share = null)
    : Exception(share is { } held
        ? $"The caller is already running {held} statements on the data source '{sourceName}', its share of them."
        : $"The data source '{sourceName}' is answering as many statements as it is allowed to.")
{
    public string SourceName { get; } = sourceName;

    /// <summary>The principal's share of the source's slots, when that is what was used up; null when the source's slots were.</summary>
    public int? Share { get; } = share;
}
