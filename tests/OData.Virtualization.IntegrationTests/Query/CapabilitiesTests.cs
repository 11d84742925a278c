using System.Net;
using System.Xml;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Csdl;
using Microsoft.OData.Edm.Vocabularies;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Query;

/// <summary>
/// The <c>Org.OData.Capabilities.V1</c> annotations in <c>$metadata</c>, read as a generic client reads them
/// (Microsoft.OData.Edm's CSDL reader), and each claim held against what the service does: every set is countable,
/// filterable, searchable and sortable, every filter function it names works and one it does not name is a 501, sets
/// with navigation properties are expandable one step, and nothing is insertable, updatable or deletable.
/// </summary>
public abstract class CapabilitiesTests(ServerFixture fixture)
{
    private const string Namespace = "Org.OData.Capabilities.V1.";

    /// <summary>A filter on the transactions that calls each canonical function the container claims.</summary>
    private static readonly Dictionary<string, string> FunctionFilters = new(StringComparer.Ordinal)
    {
        ["contains"] = "contains(counterparty,'a')",
        ["startswith"] = "startswith(counterparty,'S')",
        ["endswith"] = "endswith(counterparty,'B')",
        ["tolower"] = "tolower(counterparty) eq 'spotify ab'",
        ["toupper"] = "toupper(counterparty) eq 'SPOTIFY AB'",
        ["length"] = "length(counterparty) gt 3",
        ["trim"] = "trim(counterparty) eq 'Spotify AB'",
        ["indexof"] = "indexof(counterparty,'o') ge 0",
        ["substring"] = "substring(counterparty,1) eq 'potify AB'",
        ["concat"] = "concat(counterparty,'!') eq 'Spotify AB!'",
        ["year"] = "year(booked_at) eq 2024",
        ["month"] = "month(booked_at) eq 3",
        ["day"] = "day(booked_at) eq 1",
        ["hour"] = "hour(booked_at) lt 12",
        ["minute"] = "minute(booked_at) lt 30",
        ["second"] = "second(booked_at) lt 30",
        ["date"] = "date(booked_at) eq 2024-03-01",
        ["time"] = "time(booked_at) lt 12:00:00",
        ["now"] = "booked_at lt now()",
    };

    private ServerFixture Fixture { get; } = fixture;

    [Fact]
    public async Task EverySet_IsAnnotated_AndTheContainerClaimsIntermediateWithBatch()
    {
        var model = await MetadataAsync();
        var container = model.EntityContainer;
        Assert.Equal("Intermediate", Assert.IsAssignableFrom<IEdmEnumMemberExpression>(Value(model, container, "ConformanceLevel")).EnumMembers.Single().Name);
        Assert.True(((IEdmBooleanConstantExpression)Value(model, container, "BatchSupported")).Value);
        Assert.True(Flag(model, container, "BatchSupport", "ContinueOnErrorSupported"));
        var functions = ((IEdmCollectionExpression)Value(model, container, "FilterFunctions")).Elements.Select(e => ((IEdmStringConstantExpression)e).Value).ToList();
        Assert.Equal(FunctionFilters.Keys.Order(StringComparer.Ordinal), functions.Order(StringComparer.Ordinal));

        foreach (var set in container.EntitySets())
        {
            Assert.True(Flag(model, set, "CountRestrictions", "Countable"), set.Name);
            Assert.True(Flag(model, set, "FilterRestrictions", "Filterable"), set.Name);
            Assert.True(Flag(model, set, "SearchRestrictions", "Searchable"), set.Name);
            Assert.True(Flag(model, set, "SortRestrictions", "Sortable"), set.Name);
            Assert.False(Flag(model, set, "InsertRestrictions", "Insertable"), set.Name);
            Assert.False(Flag(model, set, "UpdateRestrictions", "Updatable"), set.Name);
            Assert.False(Flag(model, set, "DeleteRestrictions", "Deletable"), set.Name);
            Assert.Equal(set.EntityType.NavigationProperties().Any(), Flag(model, set, "ExpandRestrictions", "Expandable"));
        }
    }

    [Fact]
    public async Task TheClaims_HoldForTheTransactions()
    {
        // Every function named works; one that is not named answers 501, as FilterFunctions tells a client to expect.
        foreach (var (function, filter) in FunctionFilters)
        {
            var json = await Fixture.Client.GetJsonAsync($"transactions?$top=1&$select=transaction_id&$filter={filter}");
            Assert.True(json.TryGetProperty("value", out _), function);
        }

        await Fixture.Client.GetErrorAsync("transactions?$filter=round(amount) eq 1", HttpStatusCode.NotImplemented);

        // Countable, searchable, expandable one step, navigable to a related set, and not insertable.
        Assert.True((await Fixture.Client.GetJsonAsync("transactions?$top=1&$count=true")).GetProperty("@odata.count").GetInt64() > 0);
        await Fixture.Client.GetJsonAsync("transactions?$top=1&$search=Spotify");
        await Fixture.Client.GetJsonAsync("accounts?$top=1&$expand=transactions($top=1)");
        var iban = (await Fixture.Client.GetJsonAsync("accounts?$top=1&$select=iban")).GetProperty("value")[0].GetProperty("iban").GetString();
        await Fixture.Client.GetJsonAsync($"accounts('{iban}')/transactions?$top=1");
        var (response, _) = await Fixture.Client.SendAsync(HttpMethod.Post, "transactions");
        using (response)
        {
            Assert.True(response.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented, $"POST answered {(int)response.StatusCode}");
        }
    }

    private async Task<IEdmModel> MetadataAsync()
    {
        var xml = await Fixture.Client.GetTextAsync("$metadata");
        using var reader = XmlReader.Create(new StringReader(xml));
        Assert.True(CsdlReader.TryParse(reader, out var model, out var errors), "CSDL does not parse: " + string.Join("; ", errors.Select(e => e.ErrorMessage)));
        return model;
    }

    private static IEdmExpression Value(IEdmModel model, IEdmVocabularyAnnotatable target, string term)
        => model.FindVocabularyAnnotations(target).SingleOrDefault(a => a.Term.FullName() == Namespace + term)?.Value
           ?? throw new Xunit.Sdk.XunitException($"{target} has no annotation {term}.");

    private static bool Flag(IEdmModel model, IEdmVocabularyAnnotatable target, string term, string property)
        => ((IEdmBooleanConstantExpression)((IEdmRecordExpression)Value(model, target, term)).Properties.Single(p => p.Name == property).Value).Value;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresCapabilitiesTests(PostgresFixture fixture) : CapabilitiesTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteCapabilitiesTests(SqliteFixture fixture) : CapabilitiesTests(fixture);
