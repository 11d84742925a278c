using System.Net;
using System.Xml;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Csdl;
using Microsoft.OData.Edm.Validation;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Profiles;

/// <summary>
/// <c>$metadata</c> of the seed databases, for every client: it passes Microsoft.OData.Edm's CSDL reader and model
/// validation with no errors, it is byte-identical across two starts of the server (a Salesforce re-sync or a Power BI
/// refresh changes nothing), and the Salesforce profile holds only names and types Salesforce accepts.
/// </summary>
public abstract class MetadataTests(ServerFixture fixture)
{
    [Theory]
    [InlineData("/odata/$metadata")]
    [InlineData("/salesforce/$metadata")]
    public async Task Metadata_ReadsAndValidates_AndIsByteIdenticalAcrossTwoStarts(string path)
    {
        var first = await ReadAsync(path);
        var second = await ReadAsync(path);
        Assert.Equal(first, second);

        using var reader = XmlReader.Create(new MemoryStream(first));
        Assert.True(CsdlReader.TryParse(reader, out var model, out var errors), string.Join("; ", errors?.Select(e => e.ErrorMessage) ?? []));
        Assert.True(model.Validate(out var validation), string.Join("; ", validation.Select(e => e.ErrorMessage)));
        Assert.True(model.EntityContainer.EntitySets().Count() >= 15, "the seed databases publish at least 15 entity sets");
    }

    [Fact]
    public async Task SalesforceProfile_OfTheSeed_HasOnlyNamesAndTypesSalesforceAccepts()
    {
        using var reader = XmlReader.Create(new MemoryStream(await ReadAsync("/salesforce/$metadata")));
        Assert.True(CsdlReader.TryParse(reader, out var model, out _));
        SalesforceRules.AssertAccepts(model);

        // Every set of the full model is there (none of the seed's keys has a type Salesforce lacks), and every
        // property the full model has is there too unless Salesforce cannot sync its type.
        using var fullReader = XmlReader.Create(new MemoryStream(await ReadAsync("/odata/$metadata")));
        Assert.True(CsdlReader.TryParse(fullReader, out var full, out _));
        Assert.Equal(full.EntityContainer.EntitySets().Select(s => s.Name).Order(), model.EntityContainer.EntitySets().Select(s => s.Name).Order());
        foreach (var set in full.EntityContainer.EntitySets())
        {
            var kept = model.EntityContainer.FindEntitySet(set.Name).EntityType.StructuralProperties().Select(p => p.Name).ToHashSet();
            foreach (var property in set.EntityType.StructuralProperties())
            {
                var syncable = !property.Type.IsCollection() && property.Type.PrimitiveKind() is not (EdmPrimitiveTypeKind.Duration or EdmPrimitiveTypeKind.TimeOfDay);
                Assert.True(syncable == kept.Contains(property.Name), $"{set.Name}.{property.Name} ({property.Type.FullName()}) is {(kept.Contains(property.Name) ? "published" : "missing")} in the Salesforce profile");
            }
        }
    }

    /// <summary><c>$metadata</c> from a server started for this read alone, as bytes.</summary>
    private async Task<byte[]> ReadAsync(string path)
    {
        await using var server = await fixture.StartAnotherAsync(_ => { });
        using var client = server.CreateClient();
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresMetadataTests(PostgresFixture fixture) : MetadataTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteMetadataTests(SqliteFixture fixture) : MetadataTests(fixture);
