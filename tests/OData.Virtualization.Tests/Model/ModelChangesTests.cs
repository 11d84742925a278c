using OData.Virtualization.Model;
using OData.Virtualization.Sources;
using static OData.Virtualization.Tests.Infrastructure.TestSources;

namespace OData.Virtualization.Tests.Model;

/// <summary>
/// The model change report: each difference between two published models found once, with the right kind and the right
/// breaking flag — what breaks a client that synced the old model (a Salesforce external object, a Power BI model, a
/// typed client) is breaking; additions and widenings are not.
/// </summary>
public sealed class ModelChangesTests
{
    private const SourceProvider Pg = SourceProvider.PostgreSql;

    [Fact]
    public void Compare_SameSchema_NoChanges()
    {
        Assert.Empty(ModelChanges.Compare(Describe(Customers()), Describe(Customers())));
    }

    [Fact]
    public void Compare_AddedColumnAndTable_AreNotBreaking()
    {
        var after = Describe(Customers(extra: [Column("email", "character varying(200)", nullable: true)]), Table("public", "regions", [Column("code", "text")], ["code"]));

        var changes = ModelChanges.Compare(Describe(Customers()), after);

        Assert.Equal(2, changes.Count);
        var property = Assert.Single(changes, c => c.Kind == ChangeKind.PropertyAdded);
        Assert.Equal(("customers", "email", "Edm.String(200)", false), (property.EntitySet, property.Member, property.After, property.Breaking));
        var set = Assert.Single(changes, c => c.Kind == ChangeKind.EntitySetAdded);
        Assert.Equal(("regions", false), (set.EntitySet, set.Breaking));
    }

    [Fact]
    public void Compare_DroppedColumn_IsBreaking()
    {
        var after = Describe(Customers(without: "city"));

        var change = Assert.Single(ModelChanges.Compare(Describe(Customers()), after));

        Assert.Equal((ChangeKind.PropertyRemoved, "customers", "city", true), (change.Kind, change.EntitySet, change.Member, change.Breaking));
        Assert.Contains("'customers.city' was removed", change.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_DroppedTable_IsOneBreakingChange_NotOnePerProperty()
    {
        var before = Describe(Customers(), Table("public", "regions", [Column("code", "text"), Column("name", "text")], ["code"]));

        var change = Assert.Single(ModelChanges.Compare(before, Describe(Customers())));

        Assert.Equal((ChangeKind.EntitySetRemoved, "regions", true), (change.Kind, change.EntitySet, change.Breaking));
    }

    [Theory]
    [InlineData("integer", "bigint", "Edm.Int32", "Edm.Int64")]
    [InlineData("integer", "text", "Edm.Int32", "Edm.String")]
    [InlineData("numeric(12,2)", "double precision", "Edm.Decimal(12,2)", "Edm.Double")]
    public void Compare_RetypedColumn_IsBreaking(string oldType, string newType, string before, string after)
    {
        var change = Assert.Single(ModelChanges.Compare(Describe(Customers(score: oldType)), Describe(Customers(score: newType))));

        Assert.Equal((ChangeKind.TypeChanged, "score", before, after, true), (change.Kind, change.Member, change.Before, change.After, change.Breaking));
    }

    [Theory]
    [InlineData("character varying(100)", "character varying(40)", true)]
    [InlineData("text", "character varying(40)", true)]
    [InlineData("character varying(40)", "character varying(100)", false)]
    [InlineData("character varying(40)", "text", false)]
    public void Compare_MaxLength_NarrowerIsBreaking_WiderIsNot(string oldType, string newType, bool breaking)
    {
        var change = Assert.Single(ModelChanges.Compare(Describe(Customers(name: oldType)), Describe(Customers(name: newType))));

        Assert.Equal((ChangeKind.MaxLengthChanged, "name", breaking), (change.Kind, change.Member, change.Breaking));
        Assert.Contains(breaking ? "narrowed" : "re-sync", change.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("numeric(12,2)", "numeric(10,2)", nameof(ChangeKind.PrecisionChanged), true)]
    [InlineData("numeric(12,2)", "numeric(14,2)", nameof(ChangeKind.PrecisionChanged), false)]
    [InlineData("numeric(12,2)", "numeric(12,0)", nameof(ChangeKind.ScaleChanged), true)]
    [InlineData("numeric(12,2)", "numeric(12,4)", nameof(ChangeKind.ScaleChanged), false)]
    public void Compare_DecimalFacets_NarrowerIsBreaking(string oldType, string newType, string kindName, bool breaking)
    {
        var kind = Enum.Parse<ChangeKind>(kindName);
        var change = Assert.Single(ModelChanges.Compare(Describe(Customers(limit: oldType)), Describe(Customers(limit: newType))));

        Assert.Equal((kind, "credit_limit", breaking), (change.Kind, change.Member, change.Breaking));
    }

    [Fact]
    public void Compare_NotNullBecomesNullable_IsBreaking_AndTheReverseIsNot()
    {
        var strict = Describe(Customers(nameNullable: false));
        var loose = Describe(Customers(nameNullable: true));

        var loosened = Assert.Single(ModelChanges.Compare(strict, loose));
        var tightened = Assert.Single(ModelChanges.Compare(loose, strict));

        Assert.Equal((ChangeKind.NullabilityChanged, true), (loosened.Kind, loosened.Breaking));
        Assert.Equal((ChangeKind.NullabilityChanged, false), (tightened.Kind, tightened.Breaking));
    }

    [Fact]
    public void Compare_ChangedKey_IsBreaking()
    {
        var before = Describe(Table("public", "codes", [Column("id", "integer"), Column("code", "text")], ["id"]));
        var after = Describe(Table("public", "codes", [Column("id", "integer"), Column("code", "text")], ["code"]));

        var change = Assert.Single(ModelChanges.Compare(before, after), c => c.Kind == ChangeKind.KeyChanged);

        Assert.Equal(("id", "code", true), (change.Before, change.After, change.Breaking));
    }

    [Fact]
    public void Compare_RemovedForeignKey_RemovesNavigationsOnBothSides_Breaking()
    {
        var orders = Table("public", "orders", [Column("id", "integer"), Column("customer_id", "integer")], ["id"], ForeignKey("fk", "customer_id", "public", "customers", "customer_id"));
        var unrelated = Table("public", "orders", [Column("id", "integer"), Column("customer_id", "integer")], ["id"]);

        var removed = ModelChanges.Compare(Describe(Customers(), orders), Describe(Customers(), unrelated));
        var added = ModelChanges.Compare(Describe(Customers(), unrelated), Describe(Customers(), orders));

        Assert.Equal(2, removed.Count);
        Assert.All(removed, c => Assert.Equal((ChangeKind.NavigationRemoved, true), (c.Kind, c.Breaking)));
        Assert.Equal(["customers", "orders"], removed.Select(c => c.EntitySet).Order(StringComparer.Ordinal));
        Assert.All(added, c => Assert.Equal((ChangeKind.NavigationAdded, false), (c.Kind, c.Breaking)));
    }

    [Fact]
    public void Compare_SalesforceProfile_IsLabelled()
    {
        var change = Assert.Single(ModelChanges.Compare(Describe(Customers()), Describe(Customers(without: "city")), ModelChanges.SalesforceProfileName));

        Assert.Equal(ModelChanges.SalesforceProfileName, change.Profile);
        Assert.StartsWith("Salesforce profile: ", change.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LockFile_RoundTrips_AndComparesEqual()
    {
        var description = Describe(Customers(), Table("public", "orders", [Column("id", "integer"), Column("customer_id", "integer")], ["id"], ForeignKey("fk", "customer_id", "public", "customers", "customer_id")));

        var json = description.ToJson();
        var read = ModelDescription.FromJson(json);

        Assert.Empty(ModelChanges.Compare(description, read));
        Assert.Equal(json, read.ToJson());
        Assert.Equal(description.Id, read.Id);
        Assert.Contains("\"maxLength\": 100", json, StringComparison.Ordinal);
        Assert.Contains("\"precision\": 12", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{}", "'entitySets' is missing")]
    [InlineData("{\"entitySets\":[{\"name\":\"a\",\"key\":[\"id\"]}]}", "'properties' is missing in 'a'")]
    public void LockFile_Invalid_SaysWhatIsWrong(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ModelDescription.FromJson(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static DbObject Customers(
        string name = "character varying(100)",
        bool nameNullable = false,
        string score = "integer",
        string limit = "numeric(12,2)",
        string? without = null,
        DbColumn[]? extra = null)
    {
        DbColumn[] columns =
        [
            Column("customer_id", "integer"),
            Column("name", name, nullable: nameNullable),
            Column("city", "text", nullable: true),
            Column("score", score, nullable: true),
            Column("credit_limit", limit, nullable: true),
        ];
        return Table("public", "customers", [.. columns.Where(c => c.Name != without), .. extra ?? []], ["customer_id"]);
    }

    private static ModelDescription Describe(params DbObject[] objects)
    {
        var (model, builder) = Build((Create(Pg, "erp"), new SourceSchema("erp", Pg, objects)));
        Assert.Empty(builder.Errors);
        return ModelDescription.Of(model);
    }
}
