using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace OData.Virtualization.Benchmarks.Baseline;

/// <summary>
/// The baseline that runs our SQL: for each scenario, the statements our server emitted for its URL (captured at the
/// start of the run), through a pooled data source with our session settings, binding the scenario's values. The
/// statements of a request go out as one <see cref="NpgsqlBatch"/> (our server sends a count and its page that way);
/// the children of an <c>$expand</c> follow their parents in a second round trip, bound to the parents' keys, as
/// ours do. A result set of one <c>count</c> column is the request's count; a <c>__</c> column holding a count
/// beside a page is one too. A shape this does not know answers 501, and the benchmark then leaves the scenario's
/// our-SQL column empty instead of comparing against something else.
/// </summary>
internal static partial class OurSqlBaseline
{
    public static RequestDelegate Endpoint(Scenario scenario, string[] statements, NpgsqlDataSource dataSource)
    {
        if (scenario == Workload.Expand)
        {
            return context => ExpandAsync(context, dataSource, statements);
        }

        return context => BatchAsync(context, dataSource, scenario, statements);
    }

    /// <summary>The number of the highest placeholder (<c>$n</c>) in a statement: its parameter count.</summary>
    public static int ParameterCount(string sql)
        => Placeholder().Matches(sql).Select(m => int.Parse(m.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();

    private static async Task BatchAsync(HttpContext context, NpgsqlDataSource dataSource, Scenario scenario, string[] statements)
    {
        var ct = context.RequestAborted;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var sql in statements)
        {
            var command = new NpgsqlBatchCommand(sql);
            var count = ParameterCount(sql);
            if (count > scenario.OurValues.Length)
            {
                await NotUnderstoodAsync(context, $"a statement binds {count} values; the scenario declares {scenario.OurValues.Length}");
                return;
            }

            foreach (var value in scenario.OurValues.Take(count))
            {
                command.Parameters.Add(Parameter(value));
            }

            batch.BatchCommands.Add(command);
        }

        await using var reader = await batch.ExecuteReaderAsync(ct);
        long? total = null;
        for (var set = 0; set < statements.Length; set++)
        {
            if (set > 0)
            {
                await reader.NextResultAsync(ct);
            }

            var last = set == statements.Length - 1;
            if (reader.FieldCount == 1 && reader.GetName(0) == "count" && (!last || scenario.IsCount))
            {
                await reader.ReadAsync(ct);
                total = reader.GetInt64(0);
                if (scenario.IsCount)
                {
                    await BaselineServer.WriteCountAsync(context, total.Value, ct);
                    return;
                }

                continue;
            }

            if (!last)
            {
                await NotUnderstoodAsync(context, $"statement {set + 1} of {statements.Length} returns rows, not a count");
                return;
            }

            if (scenario.Aggregated is { } aggregated)
            {
                // The grouped rows of $apply: our statement's generated column names (g0, a0 …) in the request's order.
                await BaselineServer.WriteAggregatedAsync(context, reader, scenario.EntitySet, aggregated, ct);
                return;
            }

            var columns = RowWriter.For(reader);
            var onRow = await reader.ReadAsync(ct);
            if (scenario.ODataPath.Contains('(', StringComparison.Ordinal) && !scenario.ODataPath.Contains('?', StringComparison.Ordinal))
            {
                if (!onRow)
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }

                await BaselineServer.WriteEntityAsync(context, reader, scenario.EntitySet, ct);
                return;
            }

            // A count beside the page (count(*) OVER ()), in a column the entity does not have.
            var windowCount = Enumerable.Range(0, reader.FieldCount)
                .FirstOrDefault(i => reader.GetName(i).StartsWith("__", StringComparison.Ordinal) && reader.GetName(i).Contains("count", StringComparison.OrdinalIgnoreCase), -1);
            if (windowCount >= 0)
            {
                total = onRow ? reader.GetInt64(windowCount) : 0;
            }

            await BaselineServer.WriteCollectionAsync(context, reader, columns, scenario.EntitySet, total, onRow, ct);
        }
    }

    private static async Task ExpandAsync(HttpContext context, NpgsqlDataSource dataSource, string[] statements)
    {
        // The shape our server emits today: the parents, then one statement for the children of all of them bound to
        // the parents' keys (and the window of rows per parent), grouped by the join column in memory.
        if (statements.Length != 2 || ParameterCount(statements[0]) != 1 || ParameterCount(statements[1]) != 3)
        {
            await NotUnderstoodAsync(context, "the $expand is not a parent statement (1 value) and a child statement (keys, from, to)");
            return;
        }

        var ct = context.RequestAborted;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        RowWriter parentColumns;
        var parents = new List<object?[]>((int)Workload.Parents);
        int parentKey;
        await using (var command = new NpgsqlCommand(statements[0], connection) { Parameters = { new() { Value = Workload.Parents } } })
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            parentColumns = RowWriter.For(reader);
            parentKey = parentColumns.Ordinal("iban");
            while (await reader.ReadAsync(ct))
            {
                parents.Add(parentColumns.ReadRow(reader));
            }
        }

        var keys = parents.Select(p => (string)p[parentKey]!).ToArray();
        RowWriter childColumns;
        var children = new Dictionary<string, List<object?[]>>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(statements[1], connection)
        {
            Parameters = { new() { Value = keys }, new() { Value = 0L }, new() { Value = Workload.ChildrenPerParent } },
        })
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            childColumns = RowWriter.For(reader);
            var childKey = childColumns.Ordinal("iban");
            while (await reader.ReadAsync(ct))
            {
                var row = childColumns.ReadRow(reader);
                var key = (string)row[childKey]!;
                if (!children.TryGetValue(key, out var list))
                {
                    children[key] = list = [];
                }

                list.Add(row);
            }
        }

        var pipe = BaselineServer.StartJson(context);
        using var writer = new Utf8JsonWriter(pipe, BaselineServer.JsonOptions);
        writer.WriteStartObject();
        writer.WriteString("@odata.context", BaselineServer.ServiceRoot(context) + "$metadata#accounts");
        writer.WriteStartArray("value");
        foreach (var parent in parents)
        {
            writer.WriteStartObject();
            parentColumns.WriteProperties(writer, parent);
            writer.WriteStartArray("transactions");
            if (children.TryGetValue((string)parent[parentKey]!, out var rows))
            {
                foreach (var row in rows)
                {
                    writer.WriteStartObject();
                    childColumns.WriteProperties(writer, row);
                    writer.WriteEndObject();
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await BaselineServer.FlushAsync(writer, pipe, ct);
    }

    private static NpgsqlParameter Parameter(Bound value)
    {
        var parameter = new NpgsqlParameter { Value = value.Value };
        if (value.Type is { } type)
        {
            parameter.NpgsqlDbType = type;
        }

        return parameter;
    }

    private static async Task NotUnderstoodAsync(HttpContext context, string why)
    {
        context.Response.StatusCode = StatusCodes.Status501NotImplemented;
        await context.Response.WriteAsync("The our-SQL baseline does not know this shape of our SQL: " + why + ".", context.RequestAborted);
    }

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex Placeholder();
}
