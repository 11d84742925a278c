using Microsoft.OData;

namespace OData.Virtualization.Http;

/// <summary>A <c>$batch</c> request body as Microsoft.OData.Core's reader takes it: the buffered body and its <c>Content-Type</c>.</summary>
internal sealed class BatchRequestMessage(Stream body, string contentType) : IODataRequestMessageAsync
{
    private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = contentType };

    public IEnumerable<KeyValuePair<string, string>> Headers => _headers;

    public Uri Url { get; set; } = new("http://localhost/$batch");

    public string Method { get; set; } = "POST";

    public string? GetHeader(string headerName) => _headers.TryGetValue(headerName, out var value) ? value : null;

    public void SetHeader(string headerName, string headerValue) => _headers[headerName] = headerValue;

    public Stream GetStream() => body;

    public Task<Stream> GetStreamAsync() => Task.FromResult(body);
}
