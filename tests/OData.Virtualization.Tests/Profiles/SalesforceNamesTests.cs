using OData.Virtualization.Profiles;

namespace OData.Virtualization.Tests.Profiles;

public sealed class SalesforceNamesTests
{
    [Theory]
    [InlineData("customers", "customers")]
    [InlineData("Order_Details", "Order_Details")]
    [InlineData("Order__Details", "Order_Details")]
    [InlineData("_123numbers", "X_123numbers")]
    [InlineData("1col", "X_1col")]
    [InlineData("trailing_", "trailing")]
    [InlineData("Ünïcödé", "Unicode")]
    [InlineData("Straße", "Strasse")]
    [InlineData("日本語", "X")]
    [InlineData("quote\"d", "quote_d")]
    [InlineData("@odata.id", "odata_id")]
    public void ToName_GivesANameSalesforceAccepts(string original, string expected)
    {
        var name = SalesforceProfile.ToName(original);
        Assert.Equal(expected, name);
        Assert.True(SalesforceProfile.IsValidName(name));
    }

    [Fact]
    public void ToName_LongName_IsCutTo40WithAHashOfTheOriginal()
    {
        var original = "a_very_long_table_name_that_goes_on_and_on_until_postgres_trunc";
        var name = SalesforceProfile.ToName(original);
        Assert.Equal(40, name.Length);
        Assert.StartsWith("a_very_long_table_name_that_goe_", name, StringComparison.Ordinal);
        Assert.True(SalesforceProfile.IsValidName(name));
        Assert.Equal(name, SalesforceProfile.ToName(original)); // stable
        Assert.NotEqual(name, SalesforceProfile.ToName(original + "x")); // and distinct for another original
    }

    [Theory]
    [InlineData("a")]
    [InlineData("abc_def1")]
    [InlineData("A123456789012345678901234567890123456789")]
    public void IsValidName_Accepts(string name) => Assert.True(SalesforceProfile.IsValidName(name));

    [Theory]
    [InlineData("")]
    [InlineData("_a")]
    [InlineData("a_")]
    [InlineData("a__b")]
    [InlineData("1a")]
    [InlineData("a-b")]
    [InlineData("ä")]
    [InlineData("A12345678901234567890123456789012345678901")]
    public void IsValidName_Rejects(string name) => Assert.False(SalesforceProfile.IsValidName(name));

    [Fact]
    public void Names_CollidingIgnoringCase_AreMadeUnique_AndAValidNameKeepsItself()
    {
        var names = SalesforceProfile.Names(["order", "Order", "ORDER", "or-der", "or_der"]);
        Assert.Equal(5, names.Values.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(names.Values, n => Assert.True(SalesforceProfile.IsValidName(n), n));
        // All three spellings are valid, yet collide: the first in ordinal order keeps its name, the others take a hash.
        Assert.Equal("ORDER", names["ORDER"]);
        Assert.StartsWith("Order_", names["Order"], StringComparison.Ordinal);
        Assert.StartsWith("order_", names["order"], StringComparison.Ordinal);
        Assert.Equal("or_der", names["or_der"]);
        Assert.StartsWith("or_der_", names["or-der"], StringComparison.Ordinal); // renamed, so it yields to the one that was not
    }

    [Fact]
    public void Names_DoNotDependOnTheOrderTheyCameIn()
    {
        string[] originals = ["b c", "b_c", "B C", "zeta", "Ärger", "Arger"];
        var forward = SalesforceProfile.Names(originals);
        var backward = SalesforceProfile.Names(originals.Reverse());
        Assert.Equal(forward.OrderBy(p => p.Key, StringComparer.Ordinal), backward.OrderBy(p => p.Key, StringComparer.Ordinal));
    }
}
