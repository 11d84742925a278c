using OData.Virtualization.Sources;
using static OData.Virtualization.Tests.Infrastructure.TestSources;

namespace OData.Virtualization.Tests.Infrastructure;

/// <summary>
/// A small shop schema as discovery would report it, in PostgreSQL's and SQLite's type names:
/// nullable and non-nullable columns of every temporal kind, mixed-case, reserved and quote-bearing
/// column names, a single-column and a composite foreign key.
/// </summary>
internal static class ShopSchema
{
    public static SourceSchema For(SourceProvider provider)
    {
        var pg = provider == SourceProvider.PostgreSql;
        var schema = pg ? "sales" : null;

        var customers = Table(schema, "customers",
            [
                Column("id", pg ? "integer" : "INTEGER"),
                Column("name", pg ? "text" : "TEXT"),
                Column("city", pg ? "character varying(40)" : "VARCHAR(40)", nullable: true),
                Column("credit_limit", pg ? "numeric(12,2)" : "NUMERIC(12,2)", nullable: true),
                Column("balance", pg ? "numeric(12,2)" : "NUMERIC(12,2)"),
                Column("created_at", pg ? "timestamp without time zone" : "DATETIME"),
                Column("updated_at", pg ? "timestamp with time zone" : "DATETIMEOFFSET", nullable: true),
                Column("birth_date", pg ? "date" : "DATE", nullable: true),
                Column("external_id", pg ? "uuid" : "UUID", nullable: true),
                Column("CustomerCode", pg ? "character varying(20)" : "VARCHAR(20)", nullable: true),
                Column("order", pg ? "integer" : "INTEGER", nullable: true),
                Column("weird\"name", pg ? "text" : "TEXT", nullable: true),
                Column("nickname", pg ? "text" : "TEXT", nullable: true),
                Column("score", pg ? "integer" : "INTEGER", nullable: true),
                Column("is_vip", pg ? "boolean" : "BOOLEAN", nullable: true),
            ],
            ["id"]);

        var orders = Table(schema, "sales_orders",
            [
                Column("order_id", pg ? "bigint" : "INTEGER"),
                Column("customer_id", pg ? "integer" : "INTEGER"),
                Column("status", pg ? "sales.order_status" : "TEXT", nullable: true, isEnum: pg),
                Column("reference", pg ? "character varying(30)" : "VARCHAR(30)"),
                Column("total", pg ? "numeric(12,2)" : "NUMERIC(12,2)"),
                Column("ordered_on", pg ? "date" : "DATE"),
            ],
            ["order_id"],
            ForeignKey("fk_sales_orders_customer", "customer_id", schema, "customers", "id"));
        orders = orders with { Indexes = [.. orders.Indexes, ["customer_id", "ordered_on"]] }; // found by customer (line_notes' foreign key has no index)

        var lines = Table(schema, "order_lines",
            [
                Column("order_id", pg ? "bigint" : "INTEGER"),
                Column("line_no", pg ? "integer" : "INTEGER"),
                Column("sku", pg ? "text" : "TEXT"),
                Column("quantity", pg ? "integer" : "INTEGER"),
            ],
            ["order_id", "line_no"],
            ForeignKey("fk_order_lines_order", "order_id", schema, "sales_orders", "order_id"));

        var notes = Table(schema, "line_notes",
            [
                Column("note_id", pg ? "integer" : "INTEGER"),
                Column("order_id", pg ? "bigint" : "INTEGER"),
                Column("line_no", pg ? "integer" : "INTEGER"),
                Column("note", pg ? "text" : "TEXT", nullable: true),
            ],
            ["note_id"],
            new DbForeignKey("fk_line_notes_line", ["order_id", "line_no"], schema, "order_lines", ["order_id", "line_no"]));

        return new SourceSchema("shop", provider, [customers, orders, lines, notes]);
    }
}
