using Microsoft.OData;

namespace OData.Virtualization.Http;

/// <summary>The <c>$batch</c> response as Microsoft.OData.Core's writer takes it: headers kept here, the body a stream.</summary>
internal sealed class BatchResponseMessage(Stream body, string contentType) : IODataResponseMessageAsync
{
    private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = contentType, ["OData-Version"] = "4.0" };

    public IEnumerable<KeyValuePair<string, string>> Headers => _headers;

    public int StatusCode { get; set; } = 200;

    public string? GetHeader(string headerName) => _headers.TryGetValue(headerName, out var value) ? value : null;

    public void SetHeader(string headerName, string headerValue) => _headers[headerName] = headerValue;

    public Stream GetStream() => body;

    public Task<Stream> GetStreamAsync() => Task.FromResult(body);
}
