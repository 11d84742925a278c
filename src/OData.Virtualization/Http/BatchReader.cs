using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.OData;
using OData.Virtualization.Errors;

namespace OData.Virtualization.Http;

/// <summary>
/// Reads a <c>$batch</c> body with Microsoft.OData.Core's batch reader (<see cref="ODataBatchReader"/>): multipart/mixed
/// (OData 4.0 Protocol §11.7); the JSON batch format (OData 4.01 JSON Format §19) goes to <see cref="BatchJsonReader"/>.
/// The body is already buffered and bounded; anything the reader refuses is a 400 that quotes its complaint, and more
/// parts than the limit a 413.
/// </summary>
internal static class BatchReader
{
    /// <summary>Whether <paramref name="contentType"/> is a JSON batch (true) or a multipart one (false); otherwise a 415 or a 400.</summary>
    public static bool IsJson(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            throw new ODataProblem(415, "UnsupportedMediaType", "A $batch request needs a Content-Type: 'multipart/mixed; boundary=…' (OData 4.0) or 'application/json' (the JSON batch format of OData 4.01).");
        }

        if (string.Equals(media.MediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!string.Equals(media.MediaType, "multipart/mixed", StringComparison.OrdinalIgnoreCase))
        {
            throw new ODataProblem(415, "UnsupportedMediaType", $"A $batch request body is 'multipart/mixed; boundary=…' or 'application/json', not '{media.MediaType}'.");
        }

        var boundary = media.Parameters.FirstOrDefault(p => string.Equals(p.Name, "boundary", StringComparison.OrdinalIgnoreCase))?.Value?.Trim('"');
        if (string.IsNullOrEmpty(boundary))
        {
            throw ODataProblem.BadRequest("The multipart/mixed $batch request has no boundary: send 'Content-Type: multipart/mixed; boundary=batch_1' and separate the parts with '--batch_1' lines, the last one '--batch_1--'.");
        }

        return false;
    }

    /// <summary>Reads every request of the batch, refusing more than <paramref name="maxParts"/>.</summary>
    public static BatchRequest Read(Stream body, string contentType, bool json, string serviceRoot, int maxParts)
    {
        if (json)
        {
            return BatchJsonReader.Read(body, serviceRoot, maxParts);
        }

        var settings = new ODataMessageReaderSettings
        {
            BaseUri = new Uri(serviceRoot),
            MaxProtocolVersion = ODataVersion.V401,
            EnableMessageStreamDisposal = false,
            // Counted here instead, to answer with our own limit and how to stay within it.
            MessageQuotas = new ODataMessageQuotas { MaxPartsPerBatch = int.MaxValue, MaxOperationsPerChangeset = int.MaxValue, MaxReceivedMessageSize = long.MaxValue },
        };
        var parts = new List<BatchPart>();
        var changesets = 0;
        string? changeset = null;
        try
        {
            using var reader = new ODataMessageReader(new BatchRequestMessage(body, contentType), settings);
            var batch = reader.CreateODataBatchReader();
            while (batch.Read())
            {
                switch (batch.State)
                {
                    case ODataBatchReaderState.ChangesetStart:
                        changeset = "changeset" + (++changesets).ToString(CultureInfo.InvariantCulture);
                        break;
                    case ODataBatchReaderState.ChangesetEnd:
                        changeset = null;
                        break;
                    case ODataBatchReaderState.Operation:
                        var operation = batch.CreateOperationRequestMessage();
                        if (parts.Count == maxParts)
                        {
                            throw new ODataProblem(413, "TooManyBatchParts", $"This $batch has more than {maxParts} requests, the most one batch may carry here (OData:Limits:MaxBatchParts). Split it into several batches.");
                        }

                        parts.Add(new BatchPart(
                            operation.ContentId,
                            operation.Method,
                            operation.Url,
                            [.. operation.Headers],
                            [.. operation.DependsOnIds ?? []],
                            operation.GroupId ?? changeset,
                            Body(operation)));
                        break;
                }
            }
        }
        catch (ODataException ex)
        {
            // The reader takes a relative URL that starts with '$' for a reference to an earlier part's Content-ID ($1).
            var hint = ex.Message.Contains("Request Id reference", StringComparison.Ordinal)
                ? " A relative URL that starts with '$' is read as a reference to an earlier part's Content-ID: write './$metadata' or the path from the host ('/odata/$metadata') instead."
                : string.Empty;
            throw Malformed(ex.Message + hint, ex);
        }
        catch (Exception ex) when (ex is not ODataProblem and not OperationCanceledException)
        {
            // Whatever else the reader throws on hostile input (its JSON reader threw a NullReferenceException, decision
            // 83), the body was the cause.
            throw Malformed(ex is UriFormatException ? "a request URL is not a valid URL." : "it could not be read as one.", ex);
        }

        if (parts.Count == 0)
        {
            throw ODataProblem.BadRequest("The multipart $batch has no parts: each part is '--boundary', 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', a blank line, then 'GET erp_customers HTTP/1.1' and its headers.");
        }

        return new BatchRequest(false, parts);
    }

    /// <summary>The part's body as sent (bounded by the batch's own size limit); empty for a GET.</summary>
    private static ReadOnlyMemory<byte> Body(ODataBatchOperationRequestMessage operation)
    {
        using var stream = operation.GetStream();
        using var body = new MemoryStream();
        stream.CopyTo(body);
        return body.Length == 0 ? ReadOnlyMemory<byte>.Empty : body.ToArray();
    }

    private static ODataProblem Malformed(string complaint, Exception inner)
        => new(400, "MalformedBatch", "The multipart $batch request is not valid (OData 4.0 Protocol §11.7): " + complaint, inner: inner);
}
