using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using OData.Virtualization.Query;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Execution;

/// <summary>
/// How a first page and its count are read, chosen once per statement shape from PostgreSQL's own estimates: the page
/// with <c>COUNT(*) OVER ()</c> beside it (one scan) when that costs less than the count and the page apart, as it does
/// when nothing lets the page stop early (an unindexed filter, a sort of every matching row); the two statements in one
/// round trip when an index lets the page stop after its rows and the count is a scan of its own either way.
/// </summary>
/// <remarks>
/// A shape is the windowed statement's text (values are parameters, so one text is one shape). Its first request asks
/// <c>EXPLAIN</c> for the three statements in one round trip, with its own values; the choice is kept (at most
/// <see cref="MaxShapes"/> shapes, then forgotten all at once). Either way the answer is the same rows and count: only
/// the cost differs.
/// </remarks>
internal sealed class CountShapes
{
    private const int MaxShapes = 4_096;

    private readonly ConcurrentDictionary<string, bool> _windowed = new(StringComparer.Ordinal);

    /// <summary>How many shapes were decided each way (for tests and diagnostics).</summary>
    public (int Windowed, int Separate) Decided => (_windowed.Count(s => s.Value), _windowed.Count(s => !s.Value));

    public async Task<bool> UseWindowAsync(DataSource source, DbConnection connection, SqlStatement count, SqlStatement page, SqlStatement windowed, CancellationToken cancellationToken)
    {
        if (_windowed.TryGetValue(windowed.Text, out var known))
        {
            return known;
        }

        var batch = connection.CreateBatch();
        await using (batch)
        {
            batch.Timeout = source.Options.CommandTimeoutSeconds;
            foreach (var statement in new[] { count, page, windowed })
            {
                batch.BatchCommands.Add(SourceCommands.BatchCommand(batch, source, new SqlStatement("EXPLAIN (FORMAT JSON) " + statement.Text, statement.Parameters)));
            }

            var costs = new double[3];
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            for (var i = 0; i < costs.Length; i++)
            {
                if (i > 0)
                {
                    await reader.NextResultAsync(cancellationToken);
                }

                await reader.ReadAsync(cancellationToken);
                using var plan = JsonDocument.Parse(reader.GetString(0));
                var root = plan.RootElement[0].GetProperty("Plan");

                // A window over every matching row has them all before its first: the LIMIT above it saves nothing,
                // whatever its prorated estimate says. So the windowed statement costs what the LIMIT's input costs.
                if (i == 2 && root.GetProperty("Node Type").GetString() == "Limit")
                {
                    root = root.GetProperty("Plans")[0];
                }

                costs[i] = root.GetProperty("Total Cost").GetDouble();
            }

            var choice = costs[2] < costs[0] + costs[1];
            if (_windowed.Count >= MaxShapes)
            {
                _windowed.Clear();
            }

            _windowed[windowed.Text] = choice;
            return choice;
        }
    }
}
