using System.Diagnostics;
using OData.Virtualization.Benchmarks.Infrastructure;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.Benchmarks;

/// <summary>
/// <c>--diagnose</c>: variants of the requests, to see where our server's time goes relative to the baseline
/// without touching the server. Each round sends a short block of each variant (the order rotates every round) and
/// records wall time per request and the CPU time the serving process used for the block. Prints a table; writes nothing.
/// </summary>
internal static class Diagnostics
{
    private const int BlockSize = 25;

    public static async Task RunAsync(HttpClient client, ServerProcess ours, ServerProcess oursStreaming, ServerProcess baseline, BenchmarkSettings settings, CancellationToken ct)
    {
        var s = oursStreaming.Root;
        var iban = Workload.BusyIban;
        var o = ours.Root;
        var b = baseline.Root;
        (string Label, Uri Url, ServerProcess Process)[] variants =
        [
            ("baseline: trivial endpoint (hosting floor)", new Uri(b, "baseline/ready"), baseline),
            ("ours: service document (our pipeline floor)", new Uri(o, "odata/"), ours),
            ("baseline: point", new Uri(b, "baseline/point"), baseline),
            ("ours: point", new Uri(o, "odata/transactions(123456)"), ours),
            ("ours: point, $select=transaction_id", new Uri(o, "odata/transactions(123456)?$select=transaction_id"), ours),
            ("baseline: page50 (count + page, one batch)", new Uri(b, "baseline/page50"), baseline),
            ("hand-written: page50 without count", new Uri(b, "hand/page50-nocount"), baseline),
            ("ours: page50 ($count=true)", new Uri(o, $"odata/transactions?$filter=iban eq '{iban}'&$top=50&$count=true"), ours),
            ("ours: page50 without $count", new Uri(o, $"odata/transactions?$filter=iban eq '{iban}'&$top=50"), ours),
            ("ours: page50 $count=true, $select=transaction_id", new Uri(o, $"odata/transactions?$filter=iban eq '{iban}'&$top=50&$count=true&$select=transaction_id"), ours),
            ("ours: /$count with the page50 filter", new Uri(o, $"odata/transactions/$count?$filter=iban eq '{iban}'"), ours),
            ("baseline: page800", new Uri(b, "baseline/page800"), baseline),
            ("ours: page800", new Uri(o, "odata/transactions?$top=800"), ours),
            ("ours, paging off (streamed, not buffered): page800", new Uri(s, "odata/transactions?$top=800"), oursStreaming),
            ("ours, paging off: page50 ($count=true)", new Uri(s, $"odata/transactions?$filter=iban eq '{iban}'&$top=50&$count=true"), oursStreaming),
            ("baseline: expand", new Uri(b, "baseline/expand"), baseline),
            ("ours: expand", new Uri(o, "odata/accounts?$top=20&$expand=transactions($top=10)"), ours),
            ("ours, paging off: expand", new Uri(s, "odata/accounts?$top=20&$expand=transactions($top=10)"), oursStreaming),
            ("ours: expand, children $select=transaction_id", new Uri(o, "odata/accounts?$top=20&$expand=transactions($top=10;$select=transaction_id)"), ours),
            ("ours: accounts?$top=20 (expand's parents alone)", new Uri(o, "odata/accounts?$top=20"), ours),
        ];

        var times = variants.Select(_ => new List<double>()).ToArray();
        var cpu = new TimeSpan[variants.Length];
        var buffer = new byte[64 * 1024];
        var clock = Stopwatch.StartNew();
        var budget = settings.PassBudget * 8;
        for (var round = 0; round * BlockSize < settings.MaxPairs * 2 && clock.Elapsed < budget; round++)
        {
            for (var k = 0; k < variants.Length; k++)
            {
                var i = (k + round) % variants.Length;
                var before = variants[i].Process.CpuTime();
                for (var r = 0; r < BlockSize; r++)
                {
                    times[i].Add((await Measurement.GetAsync(client, variants[i].Url, buffer, ct)).Milliseconds);
                }

                cpu[i] += variants[i].Process.CpuTime() - before;
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"variant",-58} {"n",5} {"p25",8} {"median",8} {"p75",8} (ms) {"server CPU/request",20}");
        for (var i = 0; i < variants.Length; i++)
        {
            var t = times[i];
            Console.WriteLine($"{variants[i].Label,-58} {t.Count,5} {Measurement.Percentile(t, 25),8:0.000} {Measurement.Median(t),8:0.000} {Measurement.Percentile(t, 75),8:0.000}      {cpu[i].TotalMicroseconds / t.Count,14:0} us");
        }
    }
}
