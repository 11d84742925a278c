namespace OData.Virtualization.Http;

/// <summary>One part's answer, as the batch response carries it.</summary>
internal sealed record BatchAnswer(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, ReadOnlyMemory<byte> Body)
{
    public bool Failed => Status >= 400;
}
