using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.OData;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>
/// Sends <c>$batch</c> requests as a client writes them (multipart/mixed by hand, JSON by System.Text.Json) and reads
/// the responses with Microsoft.OData.Core's batch reader, the strict reader the official .NET client uses.
/// </summary>
public static class BatchClient
{
    /// <summary>One part of a batch response: its id (Content-ID or JSON id), status, content type and body text.</summary>
    public sealed record Part(string? Id, int Status, string? ContentType, string Body, IReadOnlyDictionary<string, string> Headers);

    /// <summary>A multipart/mixed batch body of <paramref name="requests"/> (method, URL, extra header lines).</summary>
    public static string Multipart(string boundary, params (string Method, string Url, string[] Headers)[] requests)
    {
        var body = new StringBuilder();
        foreach (var (method, url, headers) in requests)
        {
            body.Append("--").Append(boundary).Append("\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n");
            body.Append(method).Append(' ').Append(url).Append(" HTTP/1.1\r\n");
            foreach (var header in headers)
            {
                body.Append(header).Append("\r\n");
            }

            body.Append("\r\n\r\n");
        }

        return body.Append("--").Append(boundary).Append("--\r\n").ToString();
    }

    /// <summary>A multipart batch of GETs.</summary>
    public static string MultipartGets(string boundary, params string[] urls)
        => Multipart(boundary, [.. urls.Select(u => ("GET", u, Array.Empty<string>()))]);

    /// <summary>A JSON batch of GETs, ids "1", "2", …</summary>
    public static string JsonGets(params string[] urls)
        => JsonSerializer.Serialize(new { requests = urls.Select((u, i) => new { id = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), method = "GET", url = u }) });

    public static async Task<(HttpResponseMessage Response, byte[] Body)> PostAsync(HttpClient client, string content, string contentType, string url = "$batch", params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(content, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await client.SendAsync(request);
        return (response, await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>
    /// Reads a batch response: JSON as the format defines it (System.Text.Json), multipart with Microsoft.OData.Core's
    /// reader. (That reader's JSON batch reader throws at the first part whose body is an OData error — its in-stream
    /// error detection — so it reads only JSON batches of successes: <see cref="ReadStrictly"/>.)
    /// </summary>
    public static List<Part> Read(HttpResponseMessage response, byte[] body)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return ReadStrictly(response, body);
        }

        var parts = new List<Part>();
        foreach (var answer in JsonDocument.Parse(body).RootElement.GetProperty("responses").EnumerateArray())
        {
            var headers = answer.TryGetProperty("headers", out var h)
                ? h.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.OrdinalIgnoreCase)
                : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var text = !answer.TryGetProperty("body", out var b) ? string.Empty : b.ValueKind == JsonValueKind.String ? b.GetString()! : b.GetRawText();
            parts.Add(new Part(answer.GetProperty("id").GetString(), answer.GetProperty("status").GetInt32(), headers.GetValueOrDefault("Content-Type"), text, headers));
        }

        return parts;
    }

    /// <summary>Reads a batch response (either format) with Microsoft.OData.Core's <see cref="ODataBatchReader"/>.</summary>
    public static List<Part> ReadStrictly(HttpResponseMessage response, byte[] body)
    {
        var headers = response.Headers.Concat(response.Content.Headers).Select(h => new KeyValuePair<string, string>(h.Key, string.Join(", ", h.Value))).ToList();
        var message = new ResponseMessage(headers, (int)response.StatusCode, new MemoryStream(body));
        var settings = new ODataMessageReaderSettings { MaxProtocolVersion = ODataVersion.V401, BaseUri = response.RequestMessage?.RequestUri };
        using var reader = new ODataMessageReader(message, settings);
        var batch = reader.CreateODataBatchReader();
        var parts = new List<Part>();
        while (batch.Read())
        {
            if (batch.State != ODataBatchReaderState.Operation)
            {
                continue;
            }

            var operation = batch.CreateOperationResponseMessage();
            using var stream = operation.GetStream();
            using var text = new StreamReader(stream, Encoding.UTF8);
            var partHeaders = operation.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase);
            parts.Add(new Part(operation.ContentId, operation.StatusCode, operation.GetHeader("Content-Type"), text.ReadToEnd(), partHeaders));
        }

        return parts;
    }

    private sealed class ResponseMessage(List<KeyValuePair<string, string>> headers, int status, Stream body) : IODataResponseMessage
    {
        public IEnumerable<KeyValuePair<string, string>> Headers => headers;

        public int StatusCode { get; set; } = status;

        public string? GetHeader(string headerName) => headers.FirstOrDefault(h => string.Equals(h.Key, headerName, StringComparison.OrdinalIgnoreCase)).Value;

        public void SetHeader(string headerName, string headerValue) => headers.Add(new(headerName, headerValue));

        public Stream GetStream() => body;
    }
}
