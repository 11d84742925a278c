using OData.Virtualization.Benchmarks;
using OData.Virtualization.Benchmarks.Baseline;
using OData.Virtualization.Benchmarks.MySql;

// dotnet run -c Release --project tests/OData.Virtualization.Benchmarks -- [--quick] [--paging] [--passes N] [--write docs/benchmarks.md] [--only id,…] [--only delta]
// dotnet run -c Release --project tests/OData.Virtualization.Benchmarks -- --only mysql-point,mysql-page50,mysql-page800,mysql-first,mysql-last
// dotnet run -c Release --project tests/OData.Virtualization.Benchmarks -- --writes [--write docs/benchmarks.md]
// The same program is also the baseline server: the benchmark starts it as a second process with --baseline-server.
if (args.Length >= 2 && args[0] == "--baseline-server")
{
    return await BaselineServer.RunAsync(args[1], args[2..]);
}

if (args.Length >= 2 && args[0] == "--mysql-baseline-server")
{
    return await MySqlBaselineServer.RunAsync(args[1], args[2..]);
}

// --only mysql-…: the MySQL rows, on a MariaDB of their own (they run alone).
if (MySqlBenchmark.Requested(args) is { } mysql)
{
    return await MySqlBenchmark.RunAsync(mysql, args);
}

// Issue 13's write rows, on their own (a scratch database): --writes [--write docs/benchmarks.md].
if (args.Contains("--writes"))
{
    return await OData.Virtualization.Benchmarks.Writes.WriteBenchmark.MainAsync(args);
}

return await BenchmarkRun.MainAsync(args);
