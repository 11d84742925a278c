using System.Text;
using Microsoft.OData.Edm;
using OData.Virtualization.Configuration;
using OData.Virtualization.Hosting;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;
using OData.Virtualization.Tests.Infrastructure;
using static OData.Virtualization.Tests.Infrastructure.TestSources;

namespace OData.Virtualization.Tests.Model;

public sealed class ModelBuilderTests
{
    private const SourceProvider Pg = SourceProvider.PostgreSql;

    // ---- set names ---------------------------------------------------------------------------------

    [Fact]
    public void Build_UniqueObjectNames_ArePublishedPlain()
    {
        var (model, builder) = Build((Create(Pg, "erp"), Erp()));

        Assert.Equal(PlainErpSets, SetNames(model));
        Assert.Contains("Published 'customers' from erp:public.customers (table, 5 columns, key customer_id)", builder.Report);
        Assert.Empty(builder.Errors);
    }

    [Fact]
    public void Build_SameTableNameInTwoSources_PrefixesTheSourceName()
    {
        var bank = new SourceSchema("bank", Pg, [Table("core", "customers", [Column("customer_id", "bigint"), Column("segment", "text")], ["customer_id"])]);

        var (model, _) = Build((Create(Pg, "erp"), Erp()), (Create(Pg, "bank"), bank));

        Assert.Contains("erp_customers", SetNames(model));
        Assert.Contains("bank_customers", SetNames(model));
        Assert.DoesNotContain("customers", SetNames(model));
        Assert.Contains("sales_orders", SetNames(model)); // names that do not collide stay plain
        Assert.Equal("core", model.Sets["bank_customers"].Object.Schema);
    }

    [Fact]
    public void Build_SameTableNameInTwoSourcesDifferingInCase_AreStillQualified()
    {
        var a = new SourceSchema("a", Pg, [Table("public", "Customers", [Column("id", "integer")], ["id"])]);
        var b = new SourceSchema("b", Pg, [Table("public", "customers", [Column("id", "integer")], ["id"])]);

        var (model, _) = Build((Create(Pg, "a"), a), (Create(Pg, "b"), b));

        Assert.Equal(["a_Customers", "b_customers"], SetNames(model));
    }

    [Fact]
    public void Build_SameTableNameInTwoSchemasOfOneSource_PrefixesTheSchema()
    {
        var schema = new SourceSchema("erp", Pg,
        [
            Table("us", "orders", [Column("id", "integer")], ["id"]),
            Table("eu", "orders", [Column("id", "integer")], ["id"]),
            Table("eu", "returns", [Column("id", "integer")], ["id"]),
        ]);

        var (model, _) = Build((Create(Pg, "erp"), schema));

        Assert.Equal(["eu_orders", "returns", "us_orders"], SetNames(model));
    }

    [Fact]
    public void Build_NamesDifferingOnlyInCase_AreUniqueCaseInsensitively()
    {
        var schema = new SourceSchema("erp", Pg,
        [
            Table("public", "orders", [Column("id", "integer")], ["id"]),
            Table("public", "Orders", [Column("id", "integer")], ["id"]),
        ]);

        var (model, _) = Build((Create(Pg, "erp"), schema));

        var names = SetNames(model);
        Assert.Equal(2, names.Count);
        Assert.Equal(2, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(names, n => Assert.True(Naming.IsValidIdentifier(n), n));
    }

    [Fact]
    public void Build_InvalidCharactersInTableAndColumnNames_AreSanitized()
    {
        var schema = new SourceSchema("erp", Pg,
        [
            Table("public", "order lines", [Column("line id", "integer"), Column("unit-price", "numeric(10,2)"), Column("2nd_address", "text", nullable: true), Column("Größe", "text", nullable: true)], ["line id"]),
            Table("public", "2024-report", [Column("id", "integer")], ["id"]),
        ]);

        var (model, _) = Build((Create(Pg, "erp"), schema));

        Assert.Equal(["_2024_report", "order_lines"], SetNames(model));
        var lines = model.Sets["order_lines"];
        Assert.Equal(["line_id", "unit_price", "_2nd_address", "Größe"], lines.Columns.Select(c => c.PropertyName));
        Assert.Equal(["line id", "unit-price", "2nd_address", "Größe"], lines.Columns.Select(c => c.ColumnName));
        Assert.Equal("line_id", Assert.Single(lines.EdmType.Key()).Name);
    }

    [Fact]
    public void Build_ColumnsThatSanitizeToTheSameName_GetDistinctPropertyNames()
    {
        var schema = new SourceSchema("erp", Pg, [Table("public", "t", [Column("id", "integer"), Column("a b", "text"), Column("a-b", "text"), Column("A_B", "text")], ["id"])]);

        var (model, _) = Build((Create(Pg, "erp"), schema));

        var names = model.Sets["t"].Columns.Select(c => c.PropertyName).ToList();
        Assert.Equal(["id", "a_b", "a_b_2", "A_B_3"], names);
    }

    [Fact]
    public void Build_ConfiguredName_IsUsed()
    {
        var source = Create(Pg, "erp", o => o.EntitySets["public.customers"] = new EntitySetOptions { Name = "Clients" });

        var (model, builder) = Build((source, Erp()));

        Assert.Contains("Clients", SetNames(model));
        Assert.DoesNotContain("customers", SetNames(model));
        Assert.Empty(builder.Errors);
    }

    [Fact]
    public void Build_InvalidConfiguredName_IsAnErrorNamingTheSetting()
    {
        var source = Create(Pg, "erp", o => o.EntitySets["public.customers"] = new EntitySetOptions { Name = "my clients" });

        var (_, builder) = Build((source, Erp()));

        Assert.Contains(builder.Errors, e => e.Contains("OData:Sources:erp:EntitySets:public.customers:Name", StringComparison.Ordinal));
    }

    // ---- stability ---------------------------------------------------------------------------------

    [Fact]
    public void Build_SameSchemaTwice_GivesIdenticalCsdl()
    {
        var first = Csdl(Build((Create(Pg, "erp"), Erp())).Model);
        var second = Csdl(Build((Create(Pg, "erp"), Erp())).Model);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Build_ObjectsInAnotherOrder_GiveIdenticalNamesAndCsdl()
    {
        var schema = Erp();
        var reversed = schema with { Objects = schema.Objects.Reverse().ToList() };

        var first = Build((Create(Pg, "erp"), schema)).Model;
        var second = Build((Create(Pg, "erp"), reversed)).Model;

        Assert.Equal(SetNames(first), SetNames(second));
        Assert.Equal(Csdl(first), Csdl(second));
    }

    [Fact]
    public void Build_ForeignKeysInAnotherOrder_GiveIdenticalCsdl()
    {
        var schema = Erp();
        var shuffled = schema with
        {
            Objects = schema.Objects.Select(o => o with { ForeignKeys = o.ForeignKeys.Reverse().ToList() }).ToList(),
        };

        Assert.Equal(Csdl(Build((Create(Pg, "erp"), schema)).Model), Csdl(Build((Create(Pg, "erp"), shuffled)).Model));
    }

    [Fact]
    public void Build_SourcesInAnotherOrder_GiveIdenticalNamesAndCsdl()
    {
        var bank = new SourceSchema("bank", Pg,
        [
            Table("core", "customers", [Column("customer_id", "bigint")], ["customer_id"]),
            Table("core", "accounts", [Column("iban", "character varying(34)"), Column("customer_id", "bigint")], ["iban"],
                ForeignKey("fk_accounts_customer", "customer_id", "core", "customers", "customer_id")),
        ]);

        var first = Build((Create(Pg, "erp"), Erp()), (Create(Pg, "bank"), bank)).Model;
        var second = Build((Create(Pg, "bank"), bank), (Create(Pg, "erp"), Erp())).Model;

        Assert.Equal(SetNames(first), SetNames(second));
        Assert.Equal(Csdl(first), Csdl(second));
    }

    // ---- keys, skipped objects and columns -----------------------------------------------------------

    [Fact]
    public void Build_TableWithoutKey_IsSkippedWithTheSettingThatWouldPublishIt()
    {
        var schema = new SourceSchema("erp", Pg, [Table("public", "exchange_rates", [Column("currency", "character(3)"), Column("rate", "numeric(18,6)")], [])]);

        var (model, builder) = Build((Create(Pg, "erp"), schema));

        Assert.Empty(model.Sets);
        var line = Assert.Single(builder.Report);
        Assert.Contains("Skipped erp:public.exchange_rates", line, StringComparison.Ordinal);
        Assert.Contains("no primary key", line, StringComparison.Ordinal);
        Assert.Contains("OData:Sources:erp:EntitySets:public.exchange_rates:Key", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_SqliteTableWithoutKey_NamesTheSettingWithoutSchema()
    {
        var schema = new SourceSchema("demo", SourceProvider.Sqlite, [Table(null, "exchange_rates", [Column("currency", "CHAR(3)"), Column("rate", "NUMERIC(18,6)")], [])]);

        var (model, builder) = Build((Create(SourceProvider.Sqlite, "demo"), schema));

        Assert.Empty(model.Sets);
        Assert.Contains("OData:Sources:demo:EntitySets:exchange_rates:Key", Assert.Single(builder.Report), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ViewWithoutConfiguredKey_IsSkippedWithTheSetting()
    {
        var (model, builder) = Build((Create(Pg, "erp"), Erp()));

        Assert.DoesNotContain("order_summaries", SetNames(model));
        Assert.Contains(builder.Report, l => l.Contains("Skipped erp:sales.order_summaries: a view has no primary key", StringComparison.Ordinal)
            && l.Contains("OData:Sources:erp:EntitySets:sales.order_summaries:Key", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_ViewWithConfiguredKey_IsPublishedWithThatKey()
    {
        var source = Create(Pg, "erp", o => o.EntitySets["sales.order_summaries"] = new EntitySetOptions { Key = ["order_id"] });

        var (model, builder) = Build((source, Erp()));

        var set = model.Sets["order_summaries"];
        Assert.True(set.Object.IsView);
        Assert.Equal("order_id", Assert.Single(set.Key).ColumnName);
        Assert.False(set.Key[0].IsNullable); // a view's columns are nullable in the catalog; a key never is
        Assert.Equal("order_id", Assert.Single(set.EdmType.Key()).Name);
        Assert.Empty(builder.Errors);
    }

    [Fact]
    public void Build_ConfiguredKeyColumnThatDoesNotExist_IsAnError()
    {
        var source = Create(Pg, "erp", o => o.EntitySets["sales.order_summaries"] = new EntitySetOptions { Key = ["id"] });

        var (_, builder) = Build((source, Erp()));

        Assert.Contains(builder.Errors, e => e.Contains("OData:Sources:erp:EntitySets:sales.order_summaries:Key", StringComparison.Ordinal)
            && e.Contains("'id' does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_SettingsForAnObjectThatDoesNotExist_IsAnError()
    {
        var source = Create(Pg, "erp", o => o.EntitySets["sales.nothing"] = new EntitySetOptions { Key = ["id"] });

        var (_, builder) = Build((source, Erp()));

        Assert.Contains(builder.Errors, e => e.Contains("OData:Sources:erp:EntitySets:sales.nothing", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_HiddenColumns_AreNotPublished()
    {
        var source = Create(Pg, "erp", o => o.EntitySets["public.customers"] = new EntitySetOptions { HiddenColumns = ["national_id"] });

        var (model, builder) = Build((source, Erp()));

        var set = model.Sets["customers"];
        Assert.DoesNotContain(set.Columns, c => c.ColumnName == "national_id");
        Assert.Null(set.EdmType.FindProperty("national_id"));
        Assert.Equal(4, set.Columns.Count);
        Assert.Empty(builder.Errors);
    }

    [Fact]
    public void Build_HiddenColumnThatDoesNotExist_IsAnError()
    {
        var source = Create(Pg, "erp", o => o.EntitySets["public.customers"] = new EntitySetOptions { HiddenColumns = ["ssn"] });

        var (_, builder) = Build((source, Erp()));

        Assert.Contains(builder.Errors, e => e.Contains("'ssn'", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_UnsupportedColumn_IsSkippedWithReason()
    {
        var schema = new SourceSchema("erp", Pg, [Table("public", "places", [Column("id", "integer"), Column("location", "point", nullable: true)], ["id"])]);

        var (model, builder) = Build((Create(Pg, "erp"), schema));

        Assert.Equal(["id"], model.Sets["places"].Columns.Select(c => c.PropertyName));
        Assert.Contains(builder.Report, l => l.StartsWith("Skipped column erp:public.places.location: type 'point'", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_SqliteViewColumnWithoutType_CanBeTypedByConfiguration()
    {
        var schema = new SourceSchema("demo", SourceProvider.Sqlite, [View(null, "summaries", [Column("order_id", "INTEGER", nullable: true), Column("line_count", "", nullable: true)])]);
        var source = Create(SourceProvider.Sqlite, "demo", o => o.EntitySets["summaries"] = new EntitySetOptions
        {
            Key = ["order_id"],
            ColumnTypes = new Dictionary<string, string> { ["line_count"] = "INTEGER" },
        });

        var (model, builder) = Build((source, schema));

        var set = model.Sets["summaries"];
        Assert.Equal(["order_id", "line_count"], set.Columns.Select(c => c.PropertyName));
        Assert.Equal(ValueKind.Int64, set.Columns[1].Type.Kind);
        Assert.Empty(builder.Errors);
    }

    [Fact]
    public void Build_PublishPatterns_IncludeAndExclude()
    {
        var schema = new SourceSchema("erp", Pg,
        [
            Table("sales", "orders", [Column("id", "integer")], ["id"]),
            Table("sales", "audit_log", [Column("id", "integer")], ["id"]),
            Table("public", "customers", [Column("id", "integer")], ["id"]),
        ]);
        var source = Create(Pg, "erp", o => o.Publish.AddRange(["sales.*", "!*.audit_*"]));

        var (model, _) = Build((source, schema));

        Assert.Equal(["orders"], SetNames(model));
    }

    // ---- EDM types -----------------------------------------------------------------------------------

    [Fact]
    public void Build_ColumnTypes_CarryFacetsAndNullability()
    {
        var (model, _) = Build((Create(Pg, "erp"), Erp()));

        var type = model.Sets["customers"].EdmType;
        var id = type.FindProperty("customer_id").Type;
        var name = (IEdmStringTypeReference)type.FindProperty("name").Type;
        var limit = (IEdmDecimalTypeReference)type.FindProperty("credit_limit").Type;
        Assert.Equal(EdmPrimitiveTypeKind.Int32, id.AsPrimitive().PrimitiveKind());
        Assert.False(id.IsNullable);
        Assert.Equal(100, name.MaxLength);
        Assert.False(name.IsNullable);
        Assert.Equal(12, limit.Precision);
        Assert.Equal(2, limit.Scale);
        Assert.True(limit.IsNullable);
    }

    [Fact]
    public void Build_ArrayColumn_IsCollectionProperty()
    {
        var schema = new SourceSchema("erp", Pg, [Table("public", "products", [Column("sku", "text"), Column("tags", "text[]", nullable: true)], ["sku"])]);

        var (model, _) = Build((Create(Pg, "erp"), schema));

        var tags = model.Sets["products"].EdmType.FindProperty("tags").Type;
        Assert.True(tags.IsCollection());
        Assert.True(tags.AsCollection().ElementType().IsString());
    }

    [Fact]
    public void Build_CompositeKey_IsTheEntityKeyInOrder()
    {
        var schema = new SourceSchema("erp", Pg,
            [Table("sales", "order_lines", [Column("line_no", "integer"), Column("order_id", "bigint"), Column("qty", "integer")], ["order_id", "line_no"])]);

        var (model, _) = Build((Create(Pg, "erp"), schema));

        Assert.Equal(["order_id", "line_no"], model.Sets["order_lines"].Key.Select(k => k.PropertyName));
    }

    // ---- navigation properties -------------------------------------------------------------------

    [Fact]
    public void Build_ForeignKey_GivesNavigationPropertiesInBothDirections()
    {
        var (model, _) = Build((Create(Pg, "erp"), Erp()));

        var orders = model.Sets["sales_orders"];
        var customers = model.Sets["customers"];
        var toCustomer = Assert.Single(orders.Navigations);
        Assert.Equal("customer", toCustomer.Name);
        Assert.Same(customers, toCustomer.Target);
        Assert.False(toCustomer.IsCollection);
        Assert.Equal([("customer_id", "customer_id")], toCustomer.Join.Select(j => (j.Local.ColumnName, j.Remote.ColumnName)));

        var toOrders = Assert.Single(customers.Navigations, n => n.Target == orders);
        Assert.Equal("sales_orders", toOrders.Name);
        Assert.True(toOrders.IsCollection);
        Assert.Equal([("customer_id", "customer_id")], toOrders.Join.Select(j => (j.Local.ColumnName, j.Remote.ColumnName)));

        var edmToCustomer = orders.EdmType.FindProperty("customer") as IEdmNavigationProperty;
        Assert.NotNull(edmToCustomer);
        Assert.Equal(EdmMultiplicity.One, edmToCustomer.TargetMultiplicity());
        Assert.Equal("sales_orders", edmToCustomer.Partner.Name);
        Assert.Equal(EdmMultiplicity.Many, edmToCustomer.Partner.TargetMultiplicity());
        Assert.Same(customers.EdmSet, orders.EdmSet.FindNavigationTarget(edmToCustomer));
        Assert.Same(orders.EdmSet, customers.EdmSet.FindNavigationTarget(edmToCustomer.Partner));
    }

    [Fact]
    public void Build_NullableForeignKey_IsZeroOrOne()
    {
        var (model, _) = Build((Create(Pg, "erp"), Erp()));

        var toParent = (IEdmNavigationProperty)model.Sets["categories"].EdmType.FindProperty("parent");
        Assert.Equal(EdmMultiplicity.ZeroOrOne, toParent.TargetMultiplicity());
    }

    [Fact]
    public void Build_SelfReferencingForeignKey_GivesParentAndChildren()
    {
        var (model, _) = Build((Create(Pg, "erp"), Erp()));

        var categories = model.Sets["categories"];
        Assert.Equal(["categories_by_parent_id", "parent"], categories.Navigations.Select(n => n.Name).Order(StringComparer.Ordinal));
        Assert.All(categories.Navigations, n => Assert.Same(categories, n.Target));
        Assert.True(categories.Navigations.Single(n => n.Name == "categories_by_parent_id").IsCollection);
    }

    [Fact]
    public void Build_TwoForeignKeysToTheSameTable_GetDistinctNames()
    {
        var (model, _) = Build((Create(Pg, "erp"), Erp()));

        Assert.Equal(["billing_customer", "shipping_customer"], model.Sets["invoices"].Navigations.Select(n => n.Name).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["invoices_by_billing_customer_id", "invoices_by_shipping_customer_id", "sales_orders"],
            model.Sets["customers"].Navigations.Select(n => n.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Build_TwoForeignKeysWithoutIdSuffix_GetNamesFromTheirColumns()
    {
        var schema = new SourceSchema("erp", Pg,
        [
            Table("public", "parties", [Column("id", "integer")], ["id"]),
            Table("public", "transfers", [Column("id", "integer"), Column("payer", "integer"), Column("payee", "integer")], ["id"],
                ForeignKey("fk_payer", "payer", "public", "parties", "id"),
                ForeignKey("fk_payee", "payee", "public", "parties", "id")),
        ]);

        var (model, _) = Build((Create(Pg, "erp"), schema));

        Assert.Equal(["parties_by_payee", "parties_by_payer"], model.Sets["transfers"].Navigations.Select(n => n.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["transfers_by_payee", "transfers_by_payer"], model.Sets["parties"].Navigations.Select(n => n.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Build_NavigationNameTakenByAColumn_GetsASuffix()
    {
        var schema = new SourceSchema("erp", Pg,
        [
            Table("public", "customers", [Column("customer_id", "integer")], ["customer_id"]),
            Table("public", "orders", [Column("id", "integer"), Column("customer_id", "integer"), Column("customer", "text")], ["id"],
                ForeignKey("fk_customer", "customer_id", "public", "customers", "customer_id")),
        ]);

        var (model, _) = Build((Create(Pg, "erp"), schema));

        var navigation = Assert.Single(model.Sets["orders"].Navigations);
        Assert.Equal("customer_nav", navigation.Name);
    }

    [Fact]
    public void Build_CompositeForeignKey_JoinsOnEveryColumn()
    {
        var schema = new SourceSchema("erp", Pg,
        [
            Table("sales", "order_lines", [Column("order_id", "bigint"), Column("line_no", "integer")], ["order_id", "line_no"]),
            Table("sales", "shipments", [Column("id", "integer"), Column("order_id", "bigint"), Column("line_no", "integer")], ["id"],
                new DbForeignKey("fk_line", ["order_id", "line_no"], "sales", "order_lines", ["order_id", "line_no"])),
        ]);

        var (model, _) = Build((Create(Pg, "erp"), schema));

        var toLine = Assert.Single(model.Sets["shipments"].Navigations);
        Assert.Equal("order_lines", toLine.Name);
        Assert.Equal([("order_id", "order_id"), ("line_no", "line_no")], toLine.Join.Select(j => (j.Local.ColumnName, j.Remote.ColumnName)));
        Assert.Equal("shipments", Assert.Single(model.Sets["order_lines"].Navigations).Name);
    }

    [Fact]
    public void Build_ForeignKeyToUnpublishedTable_IsSkippedWithReport()
    {
        var source = Create(Pg, "erp", o => o.Publish.Add("!public.customers"));

        var (model, builder) = Build((source, Erp()));

        Assert.Empty(model.Sets["sales_orders"].Navigations);
        Assert.Contains(builder.Report, l => l.StartsWith("Skipped relationship erp:sales.sales_orders (customer_id) -> customers", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_Model_IsValidCsdl()
    {
        var source = Create(Pg, "erp", o => o.EntitySets["sales.order_summaries"] = new EntitySetOptions { Key = ["order_id"] });
        var (model, _) = Build((source, Erp()));

        Assert.Empty(MetadataWriter.Validate(model.EdmModel));
        Assert.Contains("<EntitySet Name=\"customers\"", Encoding.UTF8.GetString(MetadataWriter.Render(model.EdmModel).Xml), StringComparison.Ordinal);
    }

    private static readonly string[] PlainErpSets = ["categories", "customers", "invoices", "sales_orders"];

    private static List<string> SetNames(PublishedModel model) => model.Sets.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>The <c>$metadata</c> bytes, as text so that a failure shows where they differ.</summary>
    private static string Csdl(PublishedModel model) => Encoding.UTF8.GetString(MetadataWriter.Render(model.EdmModel).Xml);

    /// <summary>A small ERP: customers referenced by orders and twice by invoices, a self-referencing category tree, a view without a key.</summary>
    private static SourceSchema Erp() => new("erp", Pg,
    [
        Table("public", "customers",
            [
                Column("customer_id", "integer"),
                Column("name", "character varying(100)"),
                Column("city", "text", nullable: true),
                Column("credit_limit", "numeric(12,2)", nullable: true),
                Column("national_id", "text", nullable: true),
            ],
            ["customer_id"]),
        Table("public", "categories",
            [Column("id", "integer"), Column("parent_id", "integer", nullable: true), Column("name", "text")],
            ["id"],
            ForeignKey("fk_categories_parent", "parent_id", "public", "categories", "id")),
        Table("sales", "sales_orders",
            [Column("order_id", "bigint"), Column("customer_id", "integer"), Column("total", "numeric(12,2)")],
            ["order_id"],
            ForeignKey("fk_sales_orders_customer", "customer_id", "public", "customers", "customer_id")),
        Table("sales", "invoices",
            [Column("invoice_no", "character varying(20)"), Column("billing_customer_id", "integer"), Column("shipping_customer_id", "integer", nullable: true)],
            ["invoice_no"],
            ForeignKey("fk_invoices_billing", "billing_customer_id", "public", "customers", "customer_id"),
            ForeignKey("fk_invoices_shipping", "shipping_customer_id", "public", "customers", "customer_id")),
        View("sales", "order_summaries", [Column("order_id", "bigint", nullable: true), Column("line_count", "bigint", nullable: true)]),
    ]);
}
