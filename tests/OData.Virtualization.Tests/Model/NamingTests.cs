using OData.Virtualization.Model;

namespace OData.Virtualization.Tests.Model;

public sealed class NamingTests
{
    [Theory]
    [InlineData("customers", "customers")]
    [InlineData("ProductCategories", "ProductCategories")]
    [InlineData("order lines", "order_lines")]
    [InlineData("order-lines", "order_lines")]
    [InlineData("weird\"name", "weird_name")]
    [InlineData("a.b", "a_b")]
    [InlineData("2024_sales", "_2024_sales")]
    [InlineData("9", "_9")]
    [InlineData("", "_")]
    [InlineData("Größe", "Größe")]
    [InlineData("Übersicht", "Übersicht")]
    [InlineData("日本", "日本")]
    [InlineData("prix€", "prix_")]
    public void Sanitize_DatabaseName_IsValidIdentifier(string name, string expected)
    {
        var sanitized = Naming.Sanitize(name);

        Assert.Equal(expected, sanitized);
        Assert.True(Naming.IsValidIdentifier(sanitized));
    }

    [Fact]
    public void Sanitize_LongName_IsCutTo128Characters()
    {
        var sanitized = Naming.Sanitize(new string('x', 300));

        Assert.Equal(128, sanitized.Length);
        Assert.True(Naming.IsValidIdentifier(sanitized));
    }

    [Fact]
    public void Sanitize_SameName_GivesTheSameResult()
        => Assert.Equal(Naming.Sanitize("Kunden Übersicht-2024"), Naming.Sanitize("Kunden Übersicht-2024"));

    [Theory]
    [InlineData("Customers", true)]
    [InlineData("_x", true)]
    [InlineData("a1_b2", true)]
    [InlineData("Größe", true)]
    [InlineData("1abc", false)]
    [InlineData("a b", false)]
    [InlineData("a-b", false)]
    [InlineData("", false)]
    public void IsValidIdentifier_Name_FollowsCsdlSimpleIdentifier(string name, bool valid)
        => Assert.Equal(valid, Naming.IsValidIdentifier(name));

    [Fact]
    public void IsValidIdentifier_LongerThan128_IsInvalid()
        => Assert.False(Naming.IsValidIdentifier(new string('a', 129)));

    [Fact]
    public void MakeUnique_FreeName_IsKept()
    {
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "orders" };

        Assert.Equal("customers", Naming.MakeUnique("customers", taken));
        Assert.Contains("customers", taken);
    }

    [Fact]
    public void MakeUnique_NameTakenInOtherCase_GetsNumberSuffix()
    {
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Name", "name_2" };

        Assert.Equal("NAME_3", Naming.MakeUnique("NAME", taken));
    }

    [Fact]
    public void MakeUnique_LongTakenName_StaysWithin128Characters()
    {
        var name = new string('a', 128);
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { name };

        var unique = Naming.MakeUnique(name, taken);

        Assert.Equal(128, unique.Length);
        Assert.EndsWith("_2", unique, StringComparison.Ordinal);
        Assert.True(Naming.IsValidIdentifier(unique));
    }
}
