using OData.Virtualization.Errors;
using OData.Virtualization.Http;

namespace OData.Virtualization.Tests.Http;

/// <summary>
/// OData 4.01: a system query option's name is case-insensitive and its <c>$</c> optional. Each gets one spelling
/// (<c>$</c>, lower case); everything else in the target stays exactly as sent; twice in any spellings is a 400.
/// </summary>
public sealed class QueryOptionNamesTests
{
    [Theory]
    [InlineData("erp_customers?filter=city%20eq%20'Paris'", "erp_customers?$filter=city%20eq%20'Paris'")]
    [InlineData("erp_customers?Filter=a&TOP=5&$Select=name", "erp_customers?$filter=a&$top=5&$select=name")]
    [InlineData("erp_customers?%24filter=a&%66ilter2=b", "erp_customers?$filter=a&%66ilter2=b")]
    [InlineData("erp_customers?select=a&count=true&orderby=b%20desc&skip=2&search=x&expand=n&format=json&skiptoken=t", "erp_customers?$select=a&$count=true&$orderby=b%20desc&$skip=2&$search=x&$expand=n&$format=json&$skiptoken=t")]
    [InlineData("erp_customers?apply=groupby((city))&compute=x&id=1", "erp_customers?$apply=groupby((city))&$compute=x&$id=1")]
    [InlineData("erp_customers?count", "erp_customers?$count")]
    [InlineData("?format=json", "?$format=json")]
    public void Canonical_SystemOptionsInAnySpelling_GetTheirOneSpelling(string sent, string expected)
        => Assert.Equal(expected, QueryOptionNames.Canonical(sent));

    [Theory]
    [InlineData("erp_customers")]
    [InlineData("erp_customers?")]
    [InlineData("erp_customers?$filter=name%20eq%20'filter=top'&$top=5")]
    [InlineData("erp_customers?sap-client=100&_=1700000000&filterx=1&@p=1&$filter=id%20eq%20@p")]
    [InlineData("filter?$top=1")]
    [InlineData("erp_customers?$top=1&&")]
    public void Canonical_NothingToRename_IsTheSameString(string sent)
        => Assert.Same(sent, QueryOptionNames.Canonical(sent));

    [Theory]
    [InlineData("erp_customers?filter=a&$filter=b", "$filter", "'$filter'")]
    [InlineData("erp_customers?$top=1&TOP=2", "$top", "'TOP'")]
    [InlineData("erp_customers?top=1&top=2", "$top", "'top'")]
    [InlineData("erp_customers?%24select=a&select=b", "$select", "'select'")]
    public void Canonical_AnOptionTwiceInAnySpellings_Is400NamingIt(string sent, string option, string spelling)
    {
        var problem = Assert.Throws<ODataProblem>(() => QueryOptionNames.Canonical(sent));
        Assert.Equal(400, problem.Status);
        Assert.Equal(option, problem.Target);
        Assert.Contains($"The query option '{option}' is given more than once (here as {spelling})", problem.Message, StringComparison.Ordinal);
        Assert.Contains("send it once", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Canonical_KeepsTheSeparatorsAndValuesAroundARenamedOption()
        => Assert.Equal("s?a=1&&$top=2&b&$skip=3=4", QueryOptionNames.Canonical("s?a=1&&top=2&b&skip=3=4"));
}
