using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;

namespace OData.Virtualization.Diagnostics;

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

    private HttpResponse? _response;

    private static readonly Func<object, Task> s_writeHeader = static state =>
    {
        var timings = (RequestTimings)state;
        timings._response!.Headers["Server-Timing"] = timings.ToHeader();
        return Task.CompletedTask;
    };

    public static RequestTimings Start(HttpContext context)
    {
        var timings = new RequestTimings { _response = context.Response };
        context.Response.OnStarting(s_writeHeader, timings);
        return timings;
    }

    public string ToHeader()
    {
        // Formatted on the stack: the header is written on every response, cache hits included.
        var header = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[256]);
        var first = true;
        Append(ref header, ref first, "parse", Parse, null);
        Append(ref header, ref first, "cache", Cache, Outcome is { } outcome ? CacheOutcomes.Header(outcome) : null);
        Append(ref header, ref first, "sql", Sql, null);
        Append(ref header, ref first, "serialize", Serialize, null);
        Append(ref header, ref first, "total", Elapsed, null);
        return header.ToStringAndClear();
    }

    private static void Append(ref DefaultInterpolatedStringHandler header, ref bool first, string name, double? duration, string? description)
    {
        if (duration is not { } value)
        {
            return;
        }

        if (!first)
        {
            header.AppendLiteral(", ");
        }

        first = false;
        header.AppendLiteral(name);
        header.AppendLiteral(";dur=");
        // The text of the custom format "0.###" (milliseconds, up to three decimals, no trailing zeros), written from whole
        // microseconds: formatting a double costs every response a third of a microsecond per duration.
        var micros = (long)Math.Round(Math.Abs(value) * 1000, MidpointRounding.AwayFromZero);
        if (value < 0 && micros > 0)
        {
            header.AppendLiteral("-");
        }

        header.AppendFormatted(micros / 1000);
        var fraction = (int)(micros % 1000);
        if (fraction != 0)
        {
            var digits = 3;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }

            header.AppendLiteral(".");
            header.AppendFormatted(fraction, digits switch { 3 => "D3", 2 => "D2", _ => "D1" });
        }
        if (description is not null)
        {
            header.AppendLiteral(";desc=\"");
            header.AppendLiteral(description);
            header.AppendLiteral("\"");
        }
    }
}
