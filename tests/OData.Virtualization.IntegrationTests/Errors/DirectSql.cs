using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Errors;

/// <summary>Reads the seed databases directly, bypassing the server: the independent witness of what is stored.</summary>
public static class DirectSql
{
    public static async Task<long> ScalarAsync(ServerFixture fixture, string connectionString, string sql)
    {
        await using DbConnection connection = fixture.Dialect == "PostgreSQL"
            ? new NpgsqlConnection(connectionString)
            : new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Row counts of the tables an injection attempt would target, read directly.</summary>
    public static async Task<Dictionary<string, long>> ErpRowCountsAsync(ServerFixture fixture)
    {
        var postgres = fixture.Dialect == "PostgreSQL";
        var tables = postgres
            ? new[] { "public.customers", "public.products", "sales.sales_orders", "sales.order_lines", "inventory.stock_levels", "sales.payments" }
            : new[] { "customers", "products", "sales_orders", "order_lines", "stock_levels", "payments" };
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            counts[table] = await ScalarAsync(fixture, fixture.ErpConnectionString, "SELECT count(*) FROM " + table);
        }

        counts["products named O'Brien 50%"] = await ScalarAsync(fixture, fixture.ErpConnectionString, "SELECT count(*) FROM " + (postgres ? "public." : string.Empty) + "products WHERE sku = 'O''Brien 50%' AND name = 'O''Brien Irish Coffee Mug (50% off)'");
        return counts;
    }
}
