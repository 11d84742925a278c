using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Npgsql;
using NpgsqlTypes;

namespace OData.Virtualization.Benchmarks.Baseline;

/// <summary>
/// The independent baseline (issue 17): for each scenario, the statement a careful engineer would write by hand for
/// the same answer, whatever SQL our server emits. Prepared (the data source auto-prepares), one round trip per
/// request, rows straight from the reader into a <see cref="Utf8JsonWriter"/> over the response body. The shape
/// chosen per request, measured with <c>EXPLAIN ANALYZE</c> on the seed (see docs/benchmarks.md):
/// a count beside the page (<c>count(*) OVER ()</c>: one scan) where nothing lets the page stop early; the count
/// and the page as two statements of one batch where an index lets the page stop after a few rows and the count's
/// scan is needed anyway (a window count would have to read every matching row).
/// </summary>
internal static class HandWritten
{
    private const string Columns = "transaction_id, iban, booked_at, value_date, amount, currency, counterparty, reference, category, local_booked_at";

    private const string AccountColumns = "iban, customer_id, currency, opened_on, status, overdraft_limit, interest_rate";

    private const string Point = $"SELECT {Columns} FROM core.transactions WHERE transaction_id = $1";

    private const string Page50 = $"SELECT * FROM (SELECT {Columns}, count(*) OVER () AS __count FROM core.transactions WHERE iban = $1) AS m ORDER BY transaction_id LIMIT $2";

    private const string Page50NoCount = $"SELECT {Columns} FROM core.transactions WHERE iban = $1 ORDER BY transaction_id LIMIT $2";

    private const string Page800 = $"SELECT {Columns} FROM core.transactions ORDER BY transaction_id LIMIT $1";

    private const string Keyset = $"SELECT {Columns} FROM core.transactions WHERE transaction_id > $1 ORDER BY transaction_id LIMIT $2";

    private const string Skip = $"SELECT {Columns} FROM core.transactions ORDER BY transaction_id LIMIT $1 OFFSET $2";

    private const string Count = "SELECT count(*) FROM core.transactions WHERE booked_at >= $1 AND booked_at < $2";

    private const string Parents = $"SELECT {AccountColumns} FROM core.accounts ORDER BY iban LIMIT $1";

    private const string Children = $"SELECT c.* FROM (SELECT iban FROM core.accounts ORDER BY iban LIMIT $1) AS p "
        + $"CROSS JOIN LATERAL (SELECT {Columns} FROM core.transactions AS t WHERE t.iban = p.iban ORDER BY t.transaction_id LIMIT $2) AS c "
        + "ORDER BY p.iban, c.transaction_id";

    private const string Unindexed = $"SELECT * FROM (SELECT {Columns}, count(*) OVER () AS __count FROM core.transactions WHERE counterparty = $1) AS m ORDER BY value_date, transaction_id LIMIT $2";

    private const string IndexedCount = "SELECT count(*) FROM core.transactions WHERE counterparty = $1";

    private const string IndexedPage = $"SELECT {Columns} FROM core.transactions WHERE counterparty = $1 ORDER BY booked_at, transaction_id LIMIT $2";

    private const string BroadCount = "SELECT count(*) FROM core.transactions WHERE amount < $1";

    private const string BroadPage = $"SELECT {Columns} FROM core.transactions WHERE amount < $1 ORDER BY transaction_id LIMIT $2";

    private const string QualifiedColumns = "t.transaction_id, t.iban, t.booked_at, t.value_date, t.amount, t.currency, t.counterparty, t.reference, t.category, t.local_booked_at";

    private const string NavigationPage = $"SELECT {QualifiedColumns} FROM core.transactions AS t JOIN core.accounts AS a ON a.iban = t.iban "
        + "WHERE a.currency = $1 ORDER BY t.booked_at DESC, t.transaction_id DESC LIMIT $2";

    private const string AnyPage = $"SELECT {AccountColumns} FROM core.accounts AS a "
        + "WHERE EXISTS (SELECT 1 FROM core.transactions AS t WHERE t.iban = a.iban AND t.amount > $1) ORDER BY a.iban LIMIT $2";

    private const string GroupBy = "SELECT category, sum(amount) AS total, count(*) AS n FROM core.transactions GROUP BY category ORDER BY category";

    /// <summary>The statements per scenario, for the report (values as <c>$n</c>, in the order they are bound).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Statements = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [Workload.Point.Id] = [Point],
        [Workload.FilteredPage.Id] = [Page50],
        [Workload.LargePageScenario.Id] = [Page800],
        [Workload.Keyset.Id] = [Keyset],
        [Workload.DeepSkip.Id] = [Skip],
        [Workload.RangeCount.Id] = [Count],
        [Workload.Expand.Id] = [Parents, Children],
        [Workload.UnindexedPage.Id] = [Unindexed],
        [Workload.IndexedOrderPage.Id] = [IndexedCount, IndexedPage],
        [Workload.BroadPage.Id] = [BroadCount, BroadPage],
        [Workload.NavigationPath.Id] = [NavigationPage],
        [Workload.AnyFilter.Id] = [AnyPage],
        [Workload.GroupBy.Id] = [GroupBy],
    };

    public static void Map(WebApplication app, NpgsqlDataSource db)
    {
        app.MapGet("/hand/" + Workload.Point.Id, context => EntityAsync(context, db, Point, Workload.PointKey));
        app.MapGet("/hand/" + Workload.FilteredPage.Id, context => WindowPageAsync(context, db, Page50, Text(Workload.BusyIban), Workload.SmallPage));
        app.MapGet("/hand/" + Workload.FilteredPage.Id + "-nocount", context => PageAsync(context, db, Page50NoCount, Text(Workload.BusyIban), Workload.SmallPage));
        app.MapGet("/hand/" + Workload.LargePageScenario.Id, context => PageAsync(context, db, Page800, Workload.LargePage));
        app.MapGet("/hand/" + Workload.Keyset.Id, context => PageAsync(context, db, Keyset, Workload.DeepOffset, Workload.DeepPage));
        app.MapGet("/hand/" + Workload.DeepSkip.Id, context => PageAsync(context, db, Skip, Workload.DeepPage, Workload.DeepOffset));
        app.MapGet("/hand/" + Workload.RangeCount.Id, context => CountAsync(context, db));
        app.MapGet("/hand/" + Workload.Expand.Id, context => ExpandAsync(context, db));
        app.MapGet("/hand/" + Workload.UnindexedPage.Id, context => WindowPageAsync(context, db, Unindexed, Text(Workload.Counterparty), Workload.SmallPage));
        app.MapGet("/hand/" + Workload.IndexedOrderPage.Id, context => CountAndPageAsync(context, db, IndexedCount, IndexedPage, Text(Workload.Counterparty)));
        app.MapGet("/hand/" + Workload.BroadPage.Id, context => CountAndPageAsync(context, db, BroadCount, BroadPage, new NpgsqlParameter { Value = Workload.BroadAmount }));
        app.MapGet("/hand/" + Workload.NavigationPath.Id, context => PageAsync(context, db, NavigationPage,
            new NpgsqlParameter { Value = Workload.NavigationCurrency, NpgsqlDbType = NpgsqlDbType.Char }, Workload.SmallPage));
        app.MapGet("/hand/" + Workload.AnyFilter.Id, context => SetPageAsync(context, db, "accounts", AnyPage, Workload.AnyAmount, Workload.SmallPage));
        app.MapGet("/hand/" + Workload.GroupBy.Id, context => GroupByAsync(context, db));
    }

    private static NpgsqlParameter Text(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Parameter(object value) => value as NpgsqlParameter ?? new NpgsqlParameter { Value = value };

    private static async Task EntityAsync(HttpContext context, NpgsqlDataSource db, string sql, object key)
    {
        var ct = context.RequestAborted;
        await using var command = db.CreateCommand(sql);
        command.Parameters.Add(Parameter(key));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        await BaselineServer.WriteEntityAsync(context, reader, "transactions", ct);
    }

    private static Task PageAsync(HttpContext context, NpgsqlDataSource db, string sql, params object[] values)
        => SetPageAsync(context, db, "transactions", sql, values);

    private static async Task SetPageAsync(HttpContext context, NpgsqlDataSource db, string entitySet, string sql, params object[] values)
    {
        var ct = context.RequestAborted;
        await using var command = db.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(Parameter(value));
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        await BaselineServer.WriteCollectionAsync(context, reader, RowWriter.For(reader), entitySet, count: null, onRow: false, ct);
    }

    /// <summary>The totals per category: one <c>GROUP BY</c> over the whole table, the groups in order.</summary>
    private static async Task GroupByAsync(HttpContext context, NpgsqlDataSource db)
    {
        var ct = context.RequestAborted;
        await using var command = db.CreateCommand(GroupBy);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await BaselineServer.WriteAggregatedAsync(context, reader, Workload.GroupBy.EntitySet, Workload.GroupBy.Aggregated!, ct);
    }

    /// <summary>One statement, one scan: the page with the count of all matching rows beside each row.</summary>
    private static async Task WindowPageAsync(HttpContext context, NpgsqlDataSource db, string sql, NpgsqlParameter filter, long top)
    {
        var ct = context.RequestAborted;
        await using var command = db.CreateCommand(sql);
        command.Parameters.Add(filter);
        command.Parameters.Add(new NpgsqlParameter { Value = top });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var columns = RowWriter.For(reader);
        var onRow = await reader.ReadAsync(ct);
        var count = onRow ? reader.GetInt64(reader.GetOrdinal("__count")) : 0;
        await BaselineServer.WriteCollectionAsync(context, reader, columns, "transactions", count, onRow, ct);
    }

    /// <summary>The count and the page as two statements of one batch: one round trip.</summary>
    private static async Task CountAndPageAsync(HttpContext context, NpgsqlDataSource db, string countSql, string pageSql, NpgsqlParameter filter)
    {
        var ct = context.RequestAborted;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(countSql) { Parameters = { filter } },
                new NpgsqlBatchCommand(pageSql) { Parameters = { filter.Clone(), new() { Value = Workload.SmallPage } } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var count = reader.GetInt64(0);
        await reader.NextResultAsync(ct);
        await BaselineServer.WriteCollectionAsync(context, reader, RowWriter.For(reader), "transactions", count, onRow: false, ct);
    }

    private static async Task CountAsync(HttpContext context, NpgsqlDataSource db)
    {
        var ct = context.RequestAborted;
        await using var command = db.CreateCommand(Count);
        command.Parameters.Add(new NpgsqlParameter { Value = Workload.RangeFrom });
        command.Parameters.Add(new NpgsqlParameter { Value = Workload.RangeTo });
        await BaselineServer.WriteCountAsync(context, (long)(await command.ExecuteScalarAsync(ct))!, ct);
    }

    /// <summary>
    /// Parents and children in one round trip: a batch of the 20 parents and of their children (the child statement
    /// selects by the same parent predicate, 10 per parent by a lateral join), both in parent order, so the children are
    /// merged into their parents as they stream (only the 20 parents are buffered).
    /// </summary>
    private static async Task ExpandAsync(HttpContext context, NpgsqlDataSource db)
    {
        var ct = context.RequestAborted;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(Parents) { Parameters = { new() { Value = Workload.Parents } } },
                new NpgsqlBatchCommand(Children) { Parameters = { new() { Value = Workload.Parents }, new() { Value = Workload.ChildrenPerParent } } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var parentColumns = RowWriter.For(reader);
        var parentKey = parentColumns.Ordinal("iban");
        var parents = new List<object?[]>((int)Workload.Parents);
        while (await reader.ReadAsync(ct))
        {
            parents.Add(parentColumns.ReadRow(reader));
        }

        await reader.NextResultAsync(ct);
        var childColumns = RowWriter.For(reader);
        var childKey = childColumns.Ordinal("iban");
        var onChild = await reader.ReadAsync(ct);

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
            var key = (string)parent[parentKey]!;
            while (onChild && string.Equals(reader.GetString(childKey), key, StringComparison.Ordinal))
            {
                writer.WriteStartObject();
                childColumns.WriteProperties(writer, reader);
                writer.WriteEndObject();
                onChild = await reader.ReadAsync(ct);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await BaselineServer.FlushAsync(writer, pipe, ct);
    }
}
