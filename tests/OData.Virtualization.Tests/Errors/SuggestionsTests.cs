using OData.Virtualization.Hosting;

namespace OData.Virtualization.Tests.Errors;

public sealed class SuggestionsTests
{
    private static readonly string[] s_properties = ["Name", "City", "credit_limit", "created_at", "CustomerCode", "id"];

    [Theory]
    [InlineData("Nmae", "Name")]          // two letters swapped
    [InlineData("nme", "Name")]           // one letter missing
    [InlineData("Citty", "City")]         // one letter extra
    [InlineData("creditlimit", "credit_limit")]
    [InlineData("created_on", "created_at")]
    [InlineData("customercode", "CustomerCode")] // case only
    public void Closest_Misspelling_SuggestsTheProperty(string typed, string expected)
        => Assert.Equal(expected, Suggestions.Closest(typed, s_properties));

    [Fact]
    public void Closest_CaseInsensitiveMatch_ReturnsTheCandidateSpelling()
        => Assert.Equal("CustomerCode", Suggestions.Closest("CUSTOMERCODE", s_properties));

    [Theory]
    [InlineData("xyz")]
    [InlineData("population")]
    [InlineData("a_completely_different_and_much_longer_name")]
    public void Closest_NothingClose_ReturnsNull(string typed) => Assert.Null(Suggestions.Closest(typed, s_properties));

    [Fact]
    public void Closest_NoCandidates_ReturnsNull() => Assert.Null(Suggestions.Closest("Name", []));

    [Fact]
    public void Closest_Tie_PrefersTheFirstCandidate()
        => Assert.Equal("cat", Suggestions.Closest("bat", ["cat", "hat"]));
}
