namespace OData.Virtualization.Execution;

/// <summary>Every statement slot of a source stayed taken for the whole connect timeout.</summary>
internal sealed class SourceBusyException(string sourceName)
    : Exception($"The data source '{sourceName}' is answering as many statements as it is allowed to.")
{
    public string SourceName { get; } = sourceName;
}
