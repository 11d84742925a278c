using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OData.Virtualization.Errors;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>Writes the OData JSON error body (<c>error.code</c>, <c>message</c>, <c>target</c>, <c>details</c>).</summary>
internal static class ODataErrorWriter
{
    public static async Task WriteAsync(HttpContext context, ODataProblem problem)
    {
        var response = context.Response;
        response.StatusCode = problem.Status;
        response.Headers["OData-Version"] = "4.0";
        response.ContentType = "application/json;odata.metadata=minimal;charset=utf-8";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await using var writer = new Utf8JsonWriter(response.BodyWriter, StreamingJsonWriter.Options);
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("code", problem.Code);
        writer.WriteString("message", problem.Message);
        if (problem.Target is not null)
        {
            writer.WriteString("target", problem.Target);
        }

        writer.WriteStartArray("details");
        foreach (var detail in problem.Details)
        {
            writer.WriteStartObject();
            writer.WriteString("code", detail.Code);
            writer.WriteString("message", detail.Message);
            if (detail.Target is not null)
            {
                writer.WriteString("target", detail.Target);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartObject("innererror");
        writer.WriteString("requestId", context.TraceIdentifier);
        // The W3C trace id (the caller's, when it sent a traceparent): what a user quotes to find the trace and the log line.
        if (System.Diagnostics.Activity.Current is { } activity)
        {
            writer.WriteString("traceId", activity.TraceId.ToHexString());
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }
}
