using System.Text.Json;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Http;

/// <summary>
/// Reads a JSON batch (OData 4.01 JSON Format §19): <c>{"requests":[{"id","method","url","headers","dependsOn",
/// "atomicityGroup","body"}]}</c>. Written here rather than taken from Microsoft.OData.Core, whose JSON batch reader
/// (8.4.4) throws a NullReferenceException on any request with an <c>atomicityGroup</c> (decision 83); every complaint
/// names the request and the member.
/// </summary>
internal static class BatchJsonReader
{
    private const string Shape = "{\"requests\":[{\"id\":\"1\",\"method\":\"GET\",\"url\":\"erp_customers?$top=2\"}]}";

    public static BatchRequest Read(Stream body, string serviceRoot, int maxParts)
    {
        try
        {
            return ReadValid(body, serviceRoot, maxParts);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is System.Text.DecoderFallbackException)
        {
            // JsonDocument checks a string's UTF-8 only when the string is read.
            throw Malformed("a string in it is not valid UTF-8");
        }
    }

    private static BatchRequest ReadValid(Stream body, string serviceRoot, int maxParts)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw Malformed($"it is not valid JSON ({ex.Message})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("requests", out var requests) || requests.ValueKind != JsonValueKind.Array)
            {
                throw Malformed("it needs an object with a 'requests' array");
            }

            var count = requests.GetArrayLength();
            if (count > maxParts)
            {
                throw new ODataProblem(413, "TooManyBatchParts", $"This $batch has {count} requests; the most one batch may carry here is {maxParts} (OData:Limits:MaxBatchParts). Split it into several batches.");
            }

            var baseUri = new Uri(serviceRoot);
            var parts = new List<BatchPart>(count);
            var known = new HashSet<string>(StringComparer.Ordinal);
            string? lastGroup = null;
            foreach (var request in requests.EnumerateArray())
            {
                var position = parts.Count + 1;
                if (request.ValueKind != JsonValueKind.Object)
                {
                    throw Malformed($"request {position} is not an object");
                }

                var id = Text(request, "id", position, required: true)!;
                var method = Text(request, "method", position, required: true)!;
                var url = request.TryGetProperty("url", out var given) && given.ValueKind == JsonValueKind.String
                    ? given.GetString()! // empty: the service root (its service document)
                    : throw Malformed($"request {position} has no 'url' string");
                var group = Text(request, "atomicityGroup", position, required: false);
                if (!known.Add(id))
                {
                    throw Malformed($"the id '{id}' is used by more than one request");
                }

                if (group is not null && group != lastGroup && known.Contains(group))
                {
                    // §19.1: the requests of one atomicity group are adjacent, and a group's id is unlike any request's.
                    throw Malformed($"request '{id}' is in atomicity group '{group}', which is an earlier request's id or a group that ended before it");
                }

                if (!Uri.TryCreate(baseUri, url, out var resolved))
                {
                    throw Malformed($"the url of request '{id}' is not a valid URL");
                }

                var headers = Headers(request, id);
                parts.Add(new BatchPart(id, method.ToUpperInvariant(), resolved, headers, DependsOn(request, id, known, group), group, Body(request, id, headers)));
                if (group is not null)
                {
                    known.Add(group);
                }

                lastGroup = group;
            }

            if (parts.Count == 0)
            {
                throw Malformed("its 'requests' array is empty");
            }

            return new BatchRequest(true, parts);
        }
    }

    private static string? Text(JsonElement request, string name, int position, bool required)
    {
        if (!request.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return required ? throw Malformed($"request {position} has no '{name}'") : null;
        }

        return value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw Malformed($"the '{name}' of request {position} is not a non-empty string");
    }

    private static List<KeyValuePair<string, string>> Headers(JsonElement request, string id)
    {
        var headers = new List<KeyValuePair<string, string>>();
        if (!request.TryGetProperty("headers", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return headers;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Malformed($"the 'headers' of request '{id}' is not an object of header names and values");
        }

        foreach (var header in value.EnumerateObject())
        {
            if (header.Value.ValueKind != JsonValueKind.String)
            {
                throw Malformed($"the header '{header.Name}' of request '{id}' is not a string");
            }

            headers.Add(new(header.Name, header.Value.GetString()!));
        }

        return headers;
    }

    /// <summary>
    /// The request's <c>body</c> as bytes (§19.1): JSON as it is written, with <c>Content-Type: application/json</c> when
    /// the request names none; a string is the body's text for a <c>text/*</c> or JSON content type, and base64url for
    /// any other.
    /// </summary>
    private static ReadOnlyMemory<byte> Body(JsonElement request, string id, List<KeyValuePair<string, string>> headers)
    {
        if (!request.TryGetProperty("body", out var body) || body.ValueKind == JsonValueKind.Null)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var contentType = headers.FirstOrDefault(h => string.Equals(h.Key, "Content-Type", StringComparison.OrdinalIgnoreCase)).Value;
        if (contentType is null)
        {
            headers.Add(new("Content-Type", "application/json"));
            contentType = "application/json";
        }

        var json = contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase);
        if (body.ValueKind != JsonValueKind.String || json)
        {
            return json ? System.Text.Encoding.UTF8.GetBytes(body.GetRawText())
                : throw Malformed($"the body of request '{id}' is JSON, but its Content-Type is '{contentType}'");
        }

        if (contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase))
        {
            return System.Text.Encoding.UTF8.GetBytes(body.GetString()!);
        }

        try
        {
            return System.Buffers.Text.Base64Url.DecodeFromChars(body.GetString()!);
        }
        catch (FormatException)
        {
            throw Malformed($"the body of request '{id}' is not base64url, as a body of type '{contentType}' is written");
        }
    }

    private static List<string> DependsOn(JsonElement request, string id, HashSet<string> known, string? group)
    {
        var ids = new List<string>();
        if (!request.TryGetProperty("dependsOn", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return ids;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Malformed($"the 'dependsOn' of request '{id}' is not an array of ids");
        }

        foreach (var item in value.EnumerateArray())
        {
            var other = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (other is null || other == id || (other != group && !known.Contains(other)))
            {
                throw Malformed($"request '{id}' depends on '{item}', which is not the id of an earlier request or atomicity group");
            }

            ids.Add(other);
        }

        return ids;
    }

    private static ODataProblem Malformed(string complaint)
        => new(400, "MalformedBatch", $"The JSON $batch request is not valid (OData 4.01 JSON Format §19, for example {Shape}): {complaint}.");
}
