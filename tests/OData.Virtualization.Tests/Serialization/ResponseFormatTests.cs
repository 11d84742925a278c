using Microsoft.Extensions.Primitives;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Tests.Serialization;

public sealed class ResponseFormatTests
{
    private const string PowerQueryAccept =
        "application/json;odata.metadata=minimal;q=1.0,application/json;odata=minimalmetadata;q=0.9,application/atomsvc+xml;q=0.8," +
        "application/atom+xml;q=0.8,application/xml;q=0.7,text/plain;q=0.7";

    [Fact]
    public void Negotiate_PowerQueryAccept_IsMinimalJson()
    {
        var format = ResponseFormat.Negotiate(null, PowerQueryAccept);

        Assert.Equal(new ResponseFormat(MetadataLevel.Minimal, Ieee754Compatible: false), format);
    }

    [Fact]
    public void Negotiate_NoAcceptNoFormat_IsMinimalJson()
        => Assert.Equal(ResponseFormat.Default, ResponseFormat.Negotiate(null, StringValues.Empty));

    [Fact]
    public void Negotiate_BrowserAccept_IsMinimalJsonThroughWildcard()
    {
        var format = ResponseFormat.Negotiate(null, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

        Assert.Equal(ResponseFormat.Default, format);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("JSON")]
    public void Negotiate_FormatJson_IsMinimalJsonWhateverAcceptSays(string format)
        => Assert.Equal(ResponseFormat.Default, ResponseFormat.Negotiate(format, "application/xml"));

    [Fact]
    public void Negotiate_FormatMediaTypeWithParameters_TakesThem()
    {
        var format = ResponseFormat.Negotiate("application/json;odata.metadata=none", StringValues.Empty);

        Assert.Equal(new ResponseFormat(MetadataLevel.None, Ieee754Compatible: false), format);
    }

    [Fact]
    public void Negotiate_FullMetadataAndIeee754_TakesBoth()
    {
        var format = ResponseFormat.Negotiate(null, "application/json;odata.metadata=full;IEEE754Compatible=true");

        Assert.Equal(new ResponseFormat(MetadataLevel.Full, Ieee754Compatible: true), format);
        Assert.Equal("application/json;odata.metadata=full;odata.streaming=true;IEEE754Compatible=true;charset=utf-8", format.ContentType);
    }

    [Fact]
    public void Negotiate_HigherQualityWins()
    {
        var format = ResponseFormat.Negotiate(null, "application/json;odata.metadata=none;q=0.5,application/json;odata.metadata=full;q=0.9");

        Assert.Equal(MetadataLevel.Full, format.Metadata);
    }

    [Fact]
    public void Negotiate_XmlOnly_Is406Problem()
    {
        var problem = Assert.Throws<ODataProblem>(() => ResponseFormat.Negotiate(null, "application/xml"));

        Assert.Equal(406, problem.Status);
        Assert.Equal("NotAcceptable", problem.Code);
        Assert.Contains("application/json", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negotiate_JsonWithQualityZero_Is406Problem()
    {
        var problem = Assert.Throws<ODataProblem>(() => ResponseFormat.Negotiate(null, "application/json;q=0,application/xml"));

        Assert.Equal(406, problem.Status);
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("atom")]
    [InlineData("application/xml")]
    public void Negotiate_UnsupportedFormat_Is406ProblemNamingFormat(string format)
    {
        var problem = Assert.Throws<ODataProblem>(() => ResponseFormat.Negotiate(format, "application/json"));

        Assert.Equal(406, problem.Status);
        Assert.Equal("$format", problem.Target);
        Assert.Contains(format, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negotiate_UnknownMetadataLevel_Is406Problem()
    {
        var problem = Assert.Throws<ODataProblem>(() => ResponseFormat.Negotiate(null, "application/json;odata.metadata=verbose"));

        Assert.Equal(406, problem.Status);
        Assert.Contains("verbose", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ContentType_Default_IsMinimalStreamingJson()
        => Assert.Equal(
            "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
            ResponseFormat.Default.ContentType);
}
