using System.Globalization;
using OData.Virtualization.Diagnostics;

namespace OData.Virtualization.Tests.Diagnostics;

/// <summary><c>Server-Timing</c> durations read as they always did: milliseconds with up to three decimals ("0.###").</summary>
public sealed class RequestTimingsTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.0004)]
    [InlineData(0.0005)]
    [InlineData(0.001)]
    [InlineData(0.05)]
    [InlineData(0.1234)]
    [InlineData(1.2)]
    [InlineData(2.0)]
    [InlineData(12.3456)]
    [InlineData(999.9996)]
    [InlineData(123456.789)]
    public void Duration_IsWrittenAsTheCustomFormatWroteIt(double milliseconds)
    {
        var timings = new RequestTimings { Parse = milliseconds, Sql = milliseconds / 3 };

        var header = timings.ToHeader();

        Assert.StartsWith($"parse;dur={milliseconds.ToString("0.###", CultureInfo.InvariantCulture)}, sql;dur={(milliseconds / 3).ToString("0.###", CultureInfo.InvariantCulture)}, total;dur=", header, StringComparison.Ordinal);
    }
}
