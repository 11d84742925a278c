using OData.Virtualization.Http;

namespace OData.Virtualization.Tests.Http;

public sealed class BinaryLiteralsTests
{
    [Theory]
    [InlineData("-_8", "+/8=")]
    [InlineData("-_8=", "+/8=")]
    [InlineData("+/8", "+/8=")]
    [InlineData("+/8=", "+/8=")]
    [InlineData("AQ", "AQ==")]
    [InlineData("", "")]
    public void ToStandardBase64_EitherAlphabet_PaddedOrNot(string encoded, string standard)
        => Assert.Equal(standard, BinaryLiterals.ToStandardBase64(encoded));

    [Theory]
    [InlineData("a")]
    [InlineData("AQ===")]
    [InlineData("A Q")]
    [InlineData("A=Q")]
    public void ToStandardBase64_NotBase64_IsNull(string encoded)
        => Assert.Null(BinaryLiterals.ToStandardBase64(encoded));

    [Theory]
    [InlineData("t?$filter=b eq binary'-_8'", "t?$filter=b eq binary'%2B%2F8%3D'")]
    [InlineData("t?$filter=b%20eq%20binary%27-_8%27", "t?$filter=b%20eq%20binary'%2B%2F8%3D'")]
    [InlineData("t(binary'AQ')", "t(binary'AQ%3D%3D')")]
    [InlineData("t?$filter=s eq 'binary''-_8''' and b eq binary'AQ'", "t?$filter=s eq 'binary''-_8''' and b eq binary'AQ%3D%3D'")]
    [InlineData("t?$filter=mybinary'x'", "t?$filter=mybinary'x'")]
    [InlineData("t?$filter=b eq binary'a'", "t?$filter=b eq binary'a'")]
    [InlineData("t?$filter=s eq 'x&$search=binary'AQ'", "t?$filter=s eq 'x&$search=binary'AQ%3D%3D'")]
    [InlineData("t?$top=1", "t?$top=1")]
    public void Normalize_RewritesBinaryLiteralsOutsideStrings(string relative, string expected)
        => Assert.Equal(expected, BinaryLiterals.Normalize(relative));
}
