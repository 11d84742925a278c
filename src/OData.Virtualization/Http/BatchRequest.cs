namespace OData.Virtualization.Http;

/// <summary>What a <c>$batch</c> request carried: its format (multipart/mixed or JSON) and its parts, in order.</summary>
internal sealed record BatchRequest(bool Json, IReadOnlyList<BatchPart> Parts);
