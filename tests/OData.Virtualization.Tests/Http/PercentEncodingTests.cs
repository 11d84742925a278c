using OData.Virtualization.Errors;
using OData.Virtualization.Http;

namespace OData.Virtualization.Tests.Http;

public sealed class PercentEncodingTests
{
    [Theory]
    [InlineData("t?$filter=name%20eq%20'%C3%A9'")]
    [InlineData("t('a%2Fb')?$top=1")]
    [InlineData("t?trace=%ZZ&$top=1")]
    [InlineData("t?x=%FF")]
    [InlineData("t")]
    public void Check_ValidOrCustomOption_Passes(string relative) => PercentEncoding.Check(relative);

    [Theory]
    [InlineData("t?$filter=name eq '%ZZ'", "$filter", "'%ZZ'")]
    [InlineData("t?$filter=name eq '%FF%FE'", "$filter", "'%FF%FE'")]
    [InlineData("t?$orderby=name%2", "$orderby", "'%2'")]
    [InlineData("t?%24search=%E0%A4", "$search", "'%E0%A4'")]
    [InlineData("t('%FF')", null, "'%FF'")]
    public void Check_Invalid_Is400NamingTheOptionAndTheText(string relative, string? target, string text)
    {
        var problem = Assert.Throws<ODataProblem>(() => PercentEncoding.Check(relative));
        Assert.Equal(400, problem.Status);
        Assert.Equal(target, problem.Target);
        Assert.Contains(text, problem.Message, StringComparison.Ordinal);
    }
}
