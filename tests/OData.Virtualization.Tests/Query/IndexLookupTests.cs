using OData.Virtualization.Sources;

namespace OData.Virtualization.Tests.Query;

/// <summary>When an expanded level may be read parent by parent: only where an index finds a parent's related rows.</summary>
public sealed class IndexLookupTests
{
    private static readonly DbObject s_table = new("s", "t", false, [], ["id"], [])
    {
        Indexes = [["id"], ["a", "b", "c"], ["d"]],
    };

    [Theory]
    [InlineData(new[] { "id" }, true)]
    [InlineData(new[] { "a" }, true)]
    [InlineData(new[] { "b", "a" }, true)] // equality on both leading columns, in any order
    [InlineData(new[] { "a", "b", "c" }, true)]
    [InlineData(new[] { "b" }, false)] // not a leading column
    [InlineData(new[] { "a", "c" }, false)]
    [InlineData(new[] { "a", "b", "c", "d" }, false)]
    [InlineData(new[] { "e" }, false)]
    public void HasIndexOn_OnlyAnIndexsLeadingColumns(string[] columns, bool expected)
        => Assert.Equal(expected, s_table.HasIndexOn(columns));

    [Fact]
    public void NoIndexesDiscovered_NoLookup()
        => Assert.False(new DbObject(null, "t", false, [], ["id"], []).HasIndexOn(["id"]));
}
