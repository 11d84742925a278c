using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using OData.Virtualization.Caching;

namespace OData.Virtualization.Hosting;

/// <summary>Where a request's time went, sent as a <c>Server-Timing</c> header on every response.</summary>
internal sealed class RequestTimings
{
    private readonly long _start = Stopwatch.GetTimestamp();

    public double? Parse { get; set; }

    public double? Cache { get; set; }

    public CacheOutcome? Outcome { get; set; }

    public double? Sql { get; set; }

    public double? Serialize { get; set; }

    /// <summary>The published entity set the request addressed, once known (a label for metrics and the request log).</summary>
    public string? EntitySet { get; set; }

    /// <summary>Rows in the response (a page's or an entity's), when it has them; from the cache too.</summary>
    public long? Rows { get; set; }

    public double Elapsed => Stopwatch.GetElapsedTime(_start).TotalMilliseconds;

    public static RequestTimings Start(HttpContext context)
    {
        var timings = new RequestTimings();
        context.Response.OnStarting(() =>
        {
            context.Response.Headers["Server-Timing"] = timings.ToHeader();
            return Task.CompletedTask;
        });
        return timings;
    }

    public string ToHeader()
    {
        var header = new StringBuilder();
        Append(header, "parse", Parse, null);
        Append(header, "cache", Cache, Outcome?.ToString().ToUpperInvariant());
        Append(header, "sql", Sql, null);
        Append(header, "serialize", Serialize, null);
        Append(header, "total", Elapsed, null);
        return header.ToString();
    }

    private static void Append(StringBuilder header, string name, double? duration, string? description)
    {
        if (duration is not { } value)
        {
            return;
        }

        if (header.Length > 0)
        {
            header.Append(", ");
        }

        header.Append(name).Append(";dur=").Append(value.ToString("0.###", CultureInfo.InvariantCulture));
        if (description is not null)
        {
            header.Append(";desc=\"").Append(description).Append('"');
        }
    }
}
