using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using OData.Virtualization.IntegrationTests.Errors;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Diagnostics;

/// <summary>
/// What a start says. The demo, on a fresh machine, prints one short block before the banner (what is served, that it
/// is open because it is a demo, how to serve a real source) and no warning: a first-time user reads warnings as
/// problems. A configured server keeps its start-up report and every warning an operator acts on.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed partial class StartupMessageTests(SqliteFixture fixture)
{
    [Fact]
    public async Task Demo_FirstStartAsAProcess_PrintsOneShortBlockBeforeTheBanner_AndNoWarning()
    {
        var data = Directory.CreateTempSubdirectory("odv-first-start-");
        try
        {
            // A fresh demo folder: the databases are built on this start, as on a fresh clone.
            await using var server = ServerProcess.Start("the demo", new Dictionary<string, string> { ["OData__DemoDataDirectory"] = data.FullName });
            // The banner is written once the host has started, so "Application started" (from the logger's queue) may
            // come before it: wait for the banner itself, then read what came before it.
            await server.WaitForLineAsync(l => l.StartsWith("OData Virtualization is serving ", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
            var lines = server.Lines;
            var banner = lines.ToList().FindIndex(l => l.StartsWith("OData Virtualization is serving ", StringComparison.Ordinal));
            Assert.True(banner > 0, "No banner:\n" + server.Output);

            // ASP.NET Core's own lines as it starts listening (Microsoft.Hosting.Lifetime: "Now listening on", "Application
            // started") come from the console logger's queue, in a race with the banner: they may come before it or after.
            var before = lines.Take(banner).ToList();
            var entries = before.Select((line, index) => (line, index))
                .Where(e => LogEntry().IsMatch(e.line) && !e.line.EndsWith(" Microsoft.Hosting.Lifetime[0]", StringComparison.Ordinal) && !e.line.EndsWith(" Microsoft.Hosting.Lifetime[14]", StringComparison.Ordinal))
                .ToList();
            var entry = Assert.Single(entries);
            Assert.Equal("info: OData.Virtualization.Publishing.ModelHost[1003]", entry.line);
            var block = before.Skip(entry.index + 1).TakeWhile(l => l.StartsWith("      ", StringComparison.Ordinal)).ToList();
            Assert.True(block.Count <= 4, "The demo's block should be short:\n" + string.Join('\n', block));
            var text = string.Join('\n', block);
            Assert.Contains("this is the demo: 18 entity sets", text, StringComparison.Ordinal);
            Assert.Contains("It is a demo, so it is open", text, StringComparison.Ordinal);
            Assert.Contains("OData__Sources__erp__ConnectionString", text, StringComparison.Ordinal);

            // Said once, plainly: not again as a warning, nor anything else a first-time user would read as a problem.
            Assert.Single(lines, l => l.Contains("without credentials", StringComparison.Ordinal) || l.Contains("Anonymous access", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.StartsWith("warn:", StringComparison.Ordinal) || l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ConfiguredServer_KeepsItsStartupReportAndWarnings()
    {
        var log = new LogCapture();
        await using var server = await fixture.StartAnotherAsync(
            settings =>
            {
                settings["OData:Sources:erp:Provider"] = "Sqlite";
                settings["OData:Sources:erp:ConnectionString"] = fixture.ErpConnectionString;
                settings["OData:Sources:bank:Provider"] = "Sqlite";
                settings["OData:Sources:bank:ConnectionString"] = fixture.BankConnectionString;
            },
            log: log);
        server.StartServer();

        var lines = log.Lines.Where(l => l.Category.StartsWith("OData.Virtualization", StringComparison.Ordinal)).ToList();
        string[] warnings =
        [
            "OData:Paging:SkipTokenKey is not set",
            "Skipped erp:exchange_rates: the table has no primary key",
            "Skipped erp:order_summaries",
            "Salesforce profile: skipped property 'warehouses.opens_at'",
            "Salesforce profile: navigation properties are not published",
            "Anonymous access is on (OData:Security:AllowAnonymous)",
        ];
        foreach (var warning in warnings)
        {
            Assert.True(lines.Any(l => l.Level == LogLevel.Warning && l.Message.StartsWith(warning, StringComparison.Ordinal)), $"No warning '{warning}' in:\n{Describe(lines)}");
        }

        string[] report =
        [
            "Published 'erp_customers' from erp:customers (table, 8 columns, key customer_id)",
            "Salesforce profile: 17 entity sets at /salesforce/",
            "Published 17 entity sets from 2 sources.",
            "Metrics are not collected",
        ];
        foreach (var line in report)
        {
            Assert.True(lines.Any(l => l.Level == LogLevel.Information && l.Message.StartsWith(line, StringComparison.Ordinal)), $"No line '{line}' in:\n{Describe(lines)}");
        }

        Assert.DoesNotContain(lines, l => l.Message.Contains("this is the demo", StringComparison.Ordinal));
    }

    private static string Describe(IEnumerable<(LogLevel Level, string Category, string Message)> lines)
        => string.Join('\n', lines.Select(l => $"{l.Level}: {l.Message}"));

    /// <summary>The first line of a console log entry: <c>info: Category[EventId]</c>.</summary>
    [GeneratedRegex(@"^(trce|dbug|info|warn|fail|crit): ")]
    private static partial Regex LogEntry();
}
