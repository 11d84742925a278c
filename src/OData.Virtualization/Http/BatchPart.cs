namespace OData.Virtualization.Http;

/// <summary>
/// One request of a <c>$batch</c>, as read from its body: the request's id (JSON <c>id</c>, multipart
/// <c>Content-ID</c>), its method, its URL (resolved against the service root, not yet checked to be under it), its
/// headers, the ids it depends on (JSON <c>dependsOn</c>) and its change set (JSON <c>atomicityGroup</c>, multipart
/// change set), if any, and its body (empty when it has none).
/// </summary>
internal sealed record BatchPart(
    string? Id,
    string Method,
    Uri Url,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    IReadOnlyList<string> DependsOn,
    string? Group,
    ReadOnlyMemory<byte> Body = default);
