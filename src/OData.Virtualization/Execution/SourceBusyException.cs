namespace OData.Virtualization.Execution;

/// <summary>
/// Every statement slot of a source stayed taken for the whole connect timeout, or (<see cref="Share"/> set) the
/// caller's own statements held its whole share of them, or (<see cref="Set"/> set) the entity set's statements held the
/// set's whole share.
/// </summary>
internal sealed class SourceBusyException(string sourceName, int? share = null, string? set = null)
    : Exception(share is { } held
        ? $"The caller is already running {held} statements on the data source '{sourceName}', its share of them."
        : set is not null
            ? $"The entity set '{set}' of the data source '{sourceName}' is running as many statements as one set may."
            : $"The data source '{sourceName}' is answering as many statements as it is allowed to.")
{
    public string SourceName { get; } = sourceName;

    /// <summary>The principal's share of the source's slots, when that is what was used up; null otherwise.</summary>
    public int? Share { get; } = share;

    /// <summary>The entity set whose share of the source's slots was used up; null otherwise.</summary>
    public string? Set { get; } = set;
}
