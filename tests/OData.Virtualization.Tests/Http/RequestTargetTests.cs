using OData.Virtualization.Http;

namespace OData.Virtualization.Tests.Http;

/// <summary>
/// <c>OData:Transport:PublicBaseUrl</c> as links start with it: scheme, host, port and path, without a trailing slash;
/// anything that is not an absolute http or https URL without query, fragment or credentials is refused (null), so
/// the options validator stops the start.
/// </summary>
public sealed class RequestTargetTests
{
    [Theory]
    [InlineData("https://odata.example.com", "https://odata.example.com")]
    [InlineData("https://odata.example.com/", "https://odata.example.com")]
    [InlineData("  https://odata.example.com/  ", "https://odata.example.com")]
    [InlineData("https://ODATA.Example.com:443/erp/", "https://odata.example.com/erp")]
    [InlineData("http://gateway.internal:8080/a/b", "http://gateway.internal:8080/a/b")]
    [InlineData("https://[2001:db8::1]:8443/", "https://[2001:db8::1]:8443")]
    public void PublicBase_AnAbsoluteHttpUrl_IsWhereLinksStart(string configured, string expected)
        => Assert.Equal(expected, RequestTarget.PublicBase(configured));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("odata.example.com")]
    [InlineData("odata.example.com/gateway")]
    [InlineData("/odata")]
    [InlineData("ftp://odata.example.com")]
    [InlineData("file:///srv/odata")]
    [InlineData("https://odata.example.com/?tenant=1")]
    [InlineData("https://odata.example.com/#top")]
    [InlineData("https://user:secret@odata.example.com/")]
    public void PublicBase_UnsetOrNotAnAbsoluteHttpUrl_IsNull(string? configured)
        => Assert.Null(RequestTarget.PublicBase(configured));
}
