using System.Net.Http.Headers;
using System.Text.Json;
using System.Xml;
using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Csdl;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// <c>Edm.Binary</c> literals in either base64 alphabet, padded or not, and the compatibility setting that writes binary
/// values as standard padded base64, the only form Microsoft.OData.Core 8.x's reader (the official .NET client's)
/// decodes: read back here with that reader. (Binary is not a key type in CSDL: a bytea key is not published.)
/// </summary>
public sealed class BinaryCompatibilityTests(BinaryKeysFixture fixture) : IClassFixture<BinaryKeysFixture>
{
    /// <summary>The bytes FB FF BE in every form a client may write them (base64url '-_--', standard '+/++').</summary>
    [Theory]
    [InlineData("-_--")]
    [InlineData("%2B%2F%2B%2B")]
    [InlineData("%2B/%2B%2B")]
    public async Task BinaryLiteral_EitherAlphabet_FindsThatRow(string literal)
    {
        var rows = await fixture.Standard.GetValuesAsync("blobs?$filter=payload eq binary'" + literal + "'");
        Assert.Equal("fb ff", rows.Single().GetProperty("label").GetString());
    }

    /// <summary>The byte FB (base64url '-w', standard '+w=='), padded or not.</summary>
    [Theory]
    [InlineData("payload eq binary'-w'")]
    [InlineData("payload eq binary'-w=='")]
    [InlineData("payload eq binary'%2Bw'")]
    [InlineData("payload eq binary'%2Bw%3D%3D'")]
    public async Task BinaryLiteral_PaddedOrNot_FindsThatRow(string filter)
    {
        var rows = await fixture.Standard.GetValuesAsync("blobs?$orderby=id&$filter=" + filter);
        Assert.Contains("one byte", rows.Select(r => r.GetProperty("label").GetString()));
    }

    [Fact]
    public async Task BinaryLiteralText_InsideAStringLiteral_IsLeftAsWritten()
    {
        var rows = await fixture.Standard.GetValuesAsync("blobs?$filter=label eq 'binary''-w'''");
        Assert.Equal("binary'-w'", rows.Single().GetProperty("label").GetString());
    }

    [Fact]
    public async Task BinaryValue_ByDefault_IsBase64UrlWithoutPadding()
    {
        var json = await fixture.Standard.GetJsonAsync("blobs(1)");
        Assert.Equal("-_--", json.GetProperty("payload").GetString());
        var page = await fixture.Standard.GetJsonAsync("blobs?$orderby=id&$select=label,payload");
        Assert.Equal(["-_--", "AA", null, "-w", null], page.GetProperty("value").EnumerateArray().Select(r => r.GetProperty("payload").GetString()));
    }

    [Fact]
    public async Task BinaryValue_UnderTheSetting_IsStandardBase64WithPadding_InEntitiesCollectionsAndProperties()
    {
        var json = await fixture.Compatible.GetJsonAsync("blobs(1)");
        Assert.Equal("+/++", json.GetProperty("payload").GetString());
        var page = await fixture.Compatible.GetJsonAsync("blobs?$orderby=id&$select=label,payload");
        Assert.Equal(["+/++", "AA==", null, "+w==", null], page.GetProperty("value").EnumerateArray().Select(r => r.GetProperty("payload").GetString()));
        var property = await fixture.Compatible.GetJsonAsync("blobs(4)/payload");
        Assert.Equal("+w==", property.GetProperty("value").GetString());
    }

    [Fact]
    public async Task MicrosoftODataCoreReader_ReadsAnEntityWithABinaryColumn_UnderTheSetting()
    {
        var model = await ModelAsync(fixture.Compatible);
        var values = await ReadEntityAsync(fixture.Compatible, model, "blobs(4)");
        Assert.Equal(new byte[] { 0xFB }, values["payload"]);
        Assert.Equal("one byte", values["label"]);
        values = await ReadEntityAsync(fixture.Compatible, model, "blobs(1)");
        Assert.Equal(new byte[] { 0xFB, 0xFF, 0xBE }, values["payload"]);
    }

    [Fact]
    public async Task MicrosoftODataCoreReader_CannotReadTheStandardForm_WhichIsWhyTheSettingExists()
    {
        var model = await ModelAsync(fixture.Standard);
        await Assert.ThrowsAnyAsync<Exception>(() => ReadEntityAsync(fixture.Standard, model, "blobs(4)"));
    }

    private static async Task<IEdmModel> ModelAsync(HttpClient client)
    {
        using var reader = XmlReader.Create(await client.GetStreamAsync("$metadata"));
        return CsdlReader.Parse(reader);
    }

    private static async Task<Dictionary<string, object?>> ReadEntityAsync(HttpClient client, IEdmModel model, string url)
    {
        using var response = await client.GetAsync(url);
        response.EnsureSuccessStatusCode();
        var message = new ResponseMessage(await response.Content.ReadAsStreamAsync(), response.Content.Headers.ContentType!);
        var set = model.EntityContainer.FindEntitySet("blobs");
        using var messageReader = new ODataMessageReader((IODataResponseMessage)message, new ODataMessageReaderSettings(), model);
        var reader = messageReader.CreateODataResourceReader(set, set.EntityType);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (reader.Read())
        {
            if (reader.State == ODataReaderState.ResourceEnd && reader.Item is ODataResource resource)
            {
                foreach (var property in resource.Properties.OfType<ODataProperty>())
                {
                    values[property.Name] = property.Value;
                }
            }
        }

        return values;
    }

    private sealed class ResponseMessage(Stream body, MediaTypeHeaderValue contentType) : IODataResponseMessage
    {
        private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase)
        {
            ["Content-Type"] = contentType.ToString(),
            ["OData-Version"] = "4.0",
        };

        public IEnumerable<KeyValuePair<string, string>> Headers => _headers;

        public int StatusCode { get; set; } = 200;

        public string GetHeader(string headerName) => _headers.GetValueOrDefault(headerName)!;

        public void SetHeader(string headerName, string headerValue) => _headers[headerName] = headerValue;

        public Stream GetStream() => body;
    }
}

/// <summary>A PostgreSQL table with a bytea column, served twice: as the standard writes binary, and under the setting.</summary>
public sealed class BinaryKeysFixture : IAsyncLifetime
{
    private const string Ddl = """
        CREATE TABLE blobs (id integer PRIMARY KEY, label text NOT NULL, payload bytea);
        INSERT INTO blobs VALUES (1, 'fb ff', '\xfbffbe'), (2, 'a zero', '\x00'), (3, 'no bytes', NULL), (4, 'one byte', '\xfb'),
            (5, 'binary''-w''', NULL);
        """;

    private ScratchDatabase? _database;
    private InProcessServer? _standard;
    private InProcessServer? _compatible;

    public HttpClient Standard { get; private set; } = null!;

    public HttpClient Compatible { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _database = await ScratchDatabase.CreateAsync("binarykeys", Ddl);
        (_standard, Standard) = Start(InProcessServer.PostgresSettings("bin", _database.ConnectionString));
        var settings = InProcessServer.PostgresSettings("bin", _database.ConnectionString);
        settings["OData:Compatibility:BinaryEncoding"] = "Base64";
        (_compatible, Compatible) = Start(settings);
    }

    public async Task DisposeAsync()
    {
        Standard.Dispose();
        Compatible.Dispose();
        await _standard!.DisposeAsync();
        await _compatible!.DisposeAsync();
        await _database!.DisposeAsync();
    }

    /// <summary>On real Kestrel: a literal holding %2F must reach the parser encoded, as the test server would not leave it.</summary>
    private static (InProcessServer, HttpClient) Start(Dictionary<string, string?> settings)
    {
        var server = new InProcessServer(settings);
        server.StartKestrel();
        var client = server.CreateClient();
        client.BaseAddress = new Uri(client.BaseAddress!, "/odata/");
        return (server, client);
    }
}
