using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;

namespace OData.Virtualization.Publishing;

/// <summary>
/// The embedded demo: SQLite databases built from <c>seed-data/sqlite/*.sql</c> on first run (and rebuilt
/// when a script changes), so that a fresh machine with only the .NET SDK serves real data.
/// </summary>
internal sealed class DemoDatabase(IOptions<VirtualizationOptions> options, IHostEnvironment environment, ILogger<DemoDatabase> logger)
{
    private static readonly SemaphoreSlim s_buildLock = new(1, 1);

    /// <summary>
    /// Whether <paramref name="settings"/> serve the demo: no source is configured and the demo is not turned off. Known
    /// from the settings alone, before anything is built, so that every start-up message can be worded for it.
    /// </summary>
    public static bool Serves(VirtualizationOptions settings) => settings.Sources.Count == 0 && settings.UseDemoWhenUnconfigured;

    public string Directory => options.Value.DemoDataDirectory is { Length: > 0 } configured
        ? Path.GetFullPath(configured, environment.ContentRootPath)
        : Path.Combine(Path.GetTempPath(), "odata-virtualization-demo");

    public async Task<IReadOnlyDictionary<string, SourceOptions>> EnsureAsync(CancellationToken cancellationToken)
    {
        var scripts = Path.Combine(AppContext.BaseDirectory, "seed-data", "sqlite");
        System.IO.Directory.CreateDirectory(Directory);
        var erp = await BuildAsync(Path.Combine(scripts, "erp.sql"), cancellationToken);
        var bank = await BuildAsync(Path.Combine(scripts, "bank.sql"), cancellationToken);

        return new Dictionary<string, SourceOptions>(StringComparer.OrdinalIgnoreCase)
        {
            ["erp"] = new()
            {
                Provider = "Sqlite",
                ConnectionString = $"Data Source={erp}",
                Publish = ["*", "!audit_log"],
                EntitySets = new(StringComparer.OrdinalIgnoreCase)
                {
                    ["order_summaries"] = new() { Key = ["order_id"], ColumnTypes = new() { ["line_count"] = "INTEGER", ["total_amount"] = "NUMERIC(14,2)" } },
                },
            },
            ["bank"] = new()
            {
                Provider = "Sqlite",
                ConnectionString = $"Data Source={bank}",
                EntitySets = new(StringComparer.OrdinalIgnoreCase)
                {
                    ["account_overview"] = new() { Key = ["iban"], ColumnTypes = new() { ["latest_balance"] = "DECIMAL(18,2)" } },
                },
            },
        };
    }

    private async Task<string> BuildAsync(string script, CancellationToken cancellationToken)
    {
        if (!File.Exists(script))
        {
            throw new FileNotFoundException($"The demo seed script '{script}' is missing: build from a full checkout (seed-data/ is copied to the output).", script);
        }

        var sql = await File.ReadAllTextAsync(script, cancellationToken);
        var hash = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sql)))[..16].ToLowerInvariant();
        var target = Path.Combine(Directory, $"{Path.GetFileNameWithoutExtension(script)}-{hash}.db");
        if (File.Exists(target))
        {
            return target;
        }

        await s_buildLock.WaitAsync(cancellationToken);
        try
        {
            if (File.Exists(target))
            {
                return target;
            }

            // Build beside the target and move it into place: a concurrent start never sees half a database.
            var stopwatch = Stopwatch.StartNew();
            var temporary = target + "." + Guid.NewGuid().ToString("N") + ".tmp";
            await using (var connection = new SqliteConnection($"Data Source={temporary};Pooling=False"))
            {
                await connection.OpenAsync(cancellationToken);
                await using var command = connection.CreateCommand();
                command.CommandText = sql;
                command.CommandTimeout = 300;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            try
            {
                File.Move(temporary, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                File.Delete(temporary); // another process won the race with the same content
            }

            ServerLog.DemoBuilt(logger, target, Path.GetFileName(script), stopwatch.ElapsedMilliseconds);
            return target;
        }
        finally
        {
            s_buildLock.Release();
        }
    }
}
