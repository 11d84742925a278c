namespace OData.Virtualization.Http;

/// <summary>One file of the explorer page.</summary>
internal sealed record ExplorerAsset(string Name, string ContentType, byte[] Content, string ETag);
