using OData.Virtualization.Benchmarks;
using OData.Virtualization.Benchmarks.Baseline;

// dotnet run -c Release --project tests/OData.Virtualization.Benchmarks -- [--quick] [--paging] [--passes N] [--write docs/benchmarks.md] [--only id,…] [--only delta]
// The same program is also the baseline server: the benchmark starts it as a second process with --baseline-server.
if (args.Length >= 2 && args[0] == "--baseline-server")
{
    return await BaselineServer.RunAsync(args[1], args[2..]);
}

return await BenchmarkRun.MainAsync(args);
