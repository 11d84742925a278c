using System.Buffers;
using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.OData;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>
/// Writes the <c>$batch</c> response with Microsoft.OData.Core's batch writer (<see cref="ODataBatchWriter"/>), in the
/// request's format: multipart/mixed with a boundary of its own, each part <c>application/http</c> with its status line,
/// headers and body; or the JSON batch format (<c>{"responses":[{"id","status","headers","body"}]}</c>). Each part's
/// answer goes out as soon as it is known: the response is flushed after every part.
/// </summary>
internal sealed class BatchResponseWriter
{
    private readonly ODataMessageWriter _messages;
    private readonly ODataBatchWriter _writer;
    private readonly BatchOutputStream _output;
    private readonly bool _json;
    private readonly CancellationToken _aborted;

    private BatchResponseWriter(ODataMessageWriter messages, ODataBatchWriter writer, BatchOutputStream output, bool json, CancellationToken aborted)
    {
        _messages = messages;
        _writer = writer;
        _output = output;
        _json = json;
        _aborted = aborted;
    }

    public static async Task<BatchResponseWriter> StartAsync(HttpContext context, bool json, string serviceRoot)
    {
        var contentType = json ? "application/json" : "multipart/mixed;boundary=batchresponse_" + Guid.NewGuid().ToString("D");
        var response = context.Response;
        var output = new BatchOutputStream(response.Body);
        var message = new BatchResponseMessage(output, contentType);
        var settings = new ODataMessageWriterSettings
        {
            Version = json ? ODataVersion.V401 : ODataVersion.V4,
            BaseUri = new Uri(serviceRoot),
            EnableMessageStreamDisposal = false,
        };
        var messages = new ODataMessageWriter(message, settings);
        var writer = await messages.CreateODataBatchWriterAsync();
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = message.GetHeader("Content-Type") ?? contentType;
        response.Headers["OData-Version"] = message.GetHeader("OData-Version") ?? "4.0";
        await writer.WriteStartBatchAsync();
        return new BatchResponseWriter(messages, writer, output, json, context.RequestAborted);
    }

    /// <summary>Writes one part's answer under <paramref name="id"/> (the request's id or Content-ID; none for a multipart part without one).</summary>
    public async Task WriteAsync(string? id, BatchAnswer answer)
    {
        var message = await _writer.CreateOperationResponseMessageAsync(id);
        message.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers)
        {
            message.SetHeader(name, value);
        }

        // An empty body (304, 204, HEAD) is no body: the library's JSON writer would write '"body" :' with no value.
        if (!answer.Body.IsEmpty || !_json)
        {
            var stream = await message.GetStreamAsync();
            await using (stream)
            {
                await stream.WriteAsync(_json ? JsonBody(answer) : answer.Body, _aborted);
            }
        }

        await _writer.FlushAsync();
    }

    /// <summary>
    /// A body as the JSON batch format carries it (OData 4.01 JSON Format §19): JSON as it is; text (<c>/$count</c>, a
    /// property's <c>$value</c>) as a JSON string; anything else (binary <c>$value</c>) as a base64url string. The
    /// library's writer puts the bytes in place as they come.
    /// </summary>
    private static ReadOnlyMemory<byte> JsonBody(BatchAnswer answer)
    {
        var contentType = answer.Headers.FirstOrDefault(h => string.Equals(h.Key, "Content-Type", StringComparison.OrdinalIgnoreCase)).Value;
        if (answer.Body.IsEmpty || contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType is not { } type
            || type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        {
            return answer.Body;
        }

        var text = type.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            ? Encoding.UTF8.GetString(answer.Body.Span)
            : Base64Url.EncodeToString(answer.Body.Span);
        var buffer = new ArrayBufferWriter<byte>(text.Length + 16);
        using (var json = new Utf8JsonWriter(buffer, StreamingJsonWriter.Options))
        {
            json.WriteStringValue(text);
        }

        return buffer.WrittenMemory;
    }

    /// <summary>Starts the answers of a change set: a nested multipart/mixed part, or JSON answers that carry <c>atomicityGroup</c>.</summary>
    public Task StartChangeSetAsync(string group) => _json ? _writer.WriteStartChangesetAsync(group) : _writer.WriteStartChangesetAsync();

    public async Task EndChangeSetAsync()
    {
        await _writer.WriteEndChangesetAsync();
        await _writer.FlushAsync();
    }

    public async Task EndAsync()
    {
        await _writer.WriteEndBatchAsync();
        await _writer.FlushAsync();
        _messages.Dispose();
        await _output.DrainAsync(_aborted);
        await _output.DisposeAsync();
    }
}
