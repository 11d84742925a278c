using System.Text;
using OData.Virtualization.Errors;
using OData.Virtualization.Http;

namespace OData.Virtualization.Tests.Http;

/// <summary>Reading <c>$batch</c> bodies: both formats, URLs resolved against the root, ids, groups, and what is refused.</summary>
public sealed class BatchReaderTests
{
    private const string Root = "http://host/odata/";

    [Fact]
    public void Json_ReadsIdsMethodsUrlsHeadersDependenciesAndGroups()
    {
        var batch = ReadJson("""{"requests":[{"id":"a","method":"get","url":"t(1)","headers":{"Accept":"application/json"}},{"id":"b","method":"GET","url":"/odata/t","dependsOn":["a"]},{"id":"c","method":"POST","url":"http://host/odata/t","atomicityGroup":"g"},{"id":"d","method":"GET","url":"","dependsOn":["g"]}]}""");
        Assert.True(batch.Json);
        Assert.Equal(["a", "b", "c", "d"], batch.Parts.Select(p => p.Id));
        Assert.Equal(["GET", "GET", "POST", "GET"], batch.Parts.Select(p => p.Method));
        Assert.Equal(["http://host/odata/t(1)", "http://host/odata/t", "http://host/odata/t", "http://host/odata/"], batch.Parts.Select(p => p.Url.AbsoluteUri));
        Assert.Equal("application/json", Assert.Single(batch.Parts[0].Headers).Value);
        Assert.Equal(["a"], batch.Parts[1].DependsOn);
        Assert.Equal("g", batch.Parts[2].Group);
        Assert.Equal(["g"], batch.Parts[3].DependsOn);
    }

    [Theory]
    [InlineData("""{"requests":[{"id":"a","method":"GET","url":"t","dependsOn":["b"]},{"id":"b","method":"GET","url":"t"}]}""", "'b'")]
    [InlineData("""{"requests":[{"id":"a","method":"GET","url":"t","atomicityGroup":"g"},{"id":"b","method":"GET","url":"t"},{"id":"c","method":"GET","url":"t","atomicityGroup":"g"}]}""", "atomicity group 'g'")]
    [InlineData("""{"requests":[{"id":"a","method":"GET","url":"t","atomicityGroup":"a"}]}""", "atomicity group 'a'")]
    [InlineData("""{"requests":[{"id":1,"method":"GET","url":"t"}]}""", "'id'")]
    [InlineData("""{"requests":[{"id":"a","url":"t"}]}""", "'method'")]
    [InlineData("""{"requests":{}}""", "'requests'")]
    public void Json_Invalid_Is400SayingWhat(string json, string says)
    {
        var problem = Assert.Throws<ODataProblem>(() => ReadJson(json));
        Assert.Equal(400, problem.Status);
        Assert.Contains(says, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_InvalidUtf8InAString_Is400()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"requests":[{"id":"1","method":"GET","url":"er_customers"}]}""");
        bytes[Array.IndexOf(bytes, (byte)'_')] = 0xF8;
        var problem = Assert.Throws<ODataProblem>(() => BatchReader.Read(new MemoryStream(bytes), "application/json", json: true, Root, 10));
        Assert.Equal(400, problem.Status);
        Assert.Contains("UTF-8", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_MoreRequestsThanTheLimit_Is413()
    {
        var problem = Assert.Throws<ODataProblem>(() => ReadJson("""{"requests":[{"id":"a","method":"GET","url":"t"},{"id":"b","method":"GET","url":"t"}]}""", maxParts: 1));
        Assert.Equal(413, problem.Status);
    }

    [Fact]
    public void Multipart_ReadsPartsAndMarksAChangeSetsParts()
    {
        const string body = "--b\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n\r\nGET t(1) HTTP/1.1\r\nAccept: application/json\r\n\r\n\r\n"
            + "--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 2\r\n\r\nDELETE t(1) HTTP/1.1\r\n\r\n\r\n--c--\r\n"
            + "--b--\r\n";
        var batch = BatchReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(body)), "multipart/mixed; boundary=b", json: false, Root, 10);
        Assert.False(batch.Json);
        Assert.Equal(["GET", "DELETE"], batch.Parts.Select(p => p.Method));
        Assert.Equal("http://host/odata/t(1)", batch.Parts[0].Url.AbsoluteUri);
        Assert.Null(batch.Parts[0].Group);
        Assert.NotNull(batch.Parts[1].Group);
    }

    [Fact]
    public void Multipart_KeepsEachPartsBody_AndAReferenceToAnEarlierPartAsSent()
    {
        const string body = "--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n"
            + "--c\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n\r\nPOST t HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{\"name\":\"é\"}\r\n"
            + "--c\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 2\r\n\r\nPATCH $1 HTTP/1.1\r\nContent-Type: application/json\r\nIf-Match: $1\r\n\r\n{\"n\":2}\r\n--c--\r\n"
            + "--b--\r\n";
        var batch = BatchReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(body)), "multipart/mixed; boundary=b", json: false, Root, 10);
        Assert.Equal("{\"name\":\"é\"}", Encoding.UTF8.GetString(batch.Parts[0].Body.Span));
        Assert.Equal("{\"n\":2}", Encoding.UTF8.GetString(batch.Parts[1].Body.Span));
        Assert.Equal("$1", batch.Parts[1].Url.OriginalString); // the reader leaves a reference relative
        Assert.Equal(batch.Parts[0].Group, batch.Parts[1].Group);
    }

    [Fact]
    public void Json_ABodyIsItsJson_WithContentTypeJsonWhenNoneIsNamed()
    {
        var batch = ReadJson("""{"requests":[{"id":"a","method":"post","url":"t","atomicityGroup":"g","body":{"name":"x","n":[1,2]}},{"id":"b","method":"POST","url":"t","headers":{"content-type":"text/plain"},"body":"hello"}]}""");
        Assert.Equal("""{"name":"x","n":[1,2]}""", Encoding.UTF8.GetString(batch.Parts[0].Body.Span));
        Assert.Contains(batch.Parts[0].Headers, h => h.Key == "Content-Type" && h.Value == "application/json");
        Assert.Equal("hello", Encoding.UTF8.GetString(batch.Parts[1].Body.Span));
        Assert.True(ReadJson("""{"requests":[{"id":"a","method":"GET","url":"t"}]}""").Parts[0].Body.IsEmpty);
    }

    [Theory]
    [InlineData("multipart/mixed; boundary=b", false)]
    [InlineData("application/json", true)]
    [InlineData("application/json; charset=utf-8", true)]
    public void IsJson_TellsTheFormat(string contentType, bool json) => Assert.Equal(json, BatchReader.IsJson(contentType));

    [Theory]
    [InlineData(null, 415)]
    [InlineData("text/plain", 415)]
    [InlineData("multipart/mixed", 400)]
    public void IsJson_OtherContentTypes_AreRefused(string? contentType, int status)
        => Assert.Equal(status, Assert.Throws<ODataProblem>(() => BatchReader.IsJson(contentType)).Status);

    [Theory]
    [InlineData("odata.continue-on-error", true)]
    [InlineData("continue-on-error", true)]
    [InlineData("odata.maxpagesize=10, odata.continue-on-error=true", true)]
    [InlineData("odata.continue-on-error=false", false)]
    [InlineData("odata.maxpagesize=10", false)]
    [InlineData("", false)]
    public void ContinueOnError_IsReadFromPrefer(string prefer, bool expected) => Assert.Equal(expected, BatchEndpoint.ContinueOnError(prefer));

    private static BatchRequest ReadJson(string json, int maxParts = 10)
        => BatchReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "application/json", json: true, Root, maxParts);
}
