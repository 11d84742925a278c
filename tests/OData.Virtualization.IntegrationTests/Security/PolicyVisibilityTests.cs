using System.Net;
using System.Text.Json;
using System.Xml;
using Microsoft.OData.Edm;
using Microsoft.OData.Edm.Csdl;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// What a principal sees of the model: only its sets (in the service document, in its own <c>$metadata</c>, and
/// as 404s for everything else), without its hidden columns (not even in error suggestions), and its masked
/// columns masked and unusable for probing.
/// </summary>
[Collection(SecureBankCollection.Name)]
public class PolicyVisibilityTests(SecureBankFixture bank)
{
    private static readonly string[] s_tellerSets = ["accounts", "balances", "transactions"];

    [Fact]
    public async Task Teller_ServiceDocument_ListsOnlyItsSets()
    {
        using var client = bank.AsUser("teller");
        var json = await client.GetJsonAsync(string.Empty);
        var names = json.GetProperty("value").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(s_tellerSets, names);
    }

    [Fact]
    public async Task Teller_Metadata_HasOnlyItsSets_WithoutHiddenColumnsOrLinksToUngrantedSets()
    {
        using var client = bank.AsUser("teller");
        var model = await MetadataAsync(client);
        Assert.Equal(s_tellerSets, model.EntityContainer.EntitySets().Select(s => s.Name).Order(StringComparer.Ordinal));

        // No type of an ungranted set is described either.
        var types = model.SchemaElements.OfType<IEdmEntityType>().Select(t => t.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(s_tellerSets, types);

        var accounts = (IEdmEntityType)model.FindDeclaredType("Virtualization.accounts")!;
        var accountProperties = accounts.StructuralProperties().Select(p => p.Name).ToList();
        Assert.Equal(["iban", "customer_id", "currency", "opened_on", "interest_rate"], accountProperties);
        Assert.DoesNotContain(accounts.NavigationProperties(), n => n.Name is "customer" or "cards");
        Assert.Contains(accounts.NavigationProperties(), n => n.Name == "transactions");
        Assert.Contains(accounts.NavigationProperties(), n => n.Name == "balances");

        var transactions = (IEdmEntityType)model.FindDeclaredType("Virtualization.transactions")!;
        Assert.Contains(transactions.StructuralProperties(), p => p.Name == "counterparty"); // masked, not hidden

        var xml = await client.GetTextAsync("$metadata");
        foreach (var absent in new[] { "overdraft_limit", "\"status\"", "bank_customers", "cards", "loans", "erp_customers", "national_id" })
        {
            Assert.DoesNotContain(absent, xml, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Admin_Metadata_HasEverySet_AndTheHiddenColumns()
    {
        // The control: what the teller does not see exists, and the admin sees it.
        using var client = bank.AsUser("admin");
        var model = await MetadataAsync(client);
        var sets = model.EntityContainer.EntitySets().Select(s => s.Name).ToList();
        Assert.Contains("bank_customers", sets);
        Assert.Contains("erp_customers", sets);
        var accounts = (IEdmEntityType)model.FindDeclaredType("Virtualization.accounts")!;
        Assert.Contains(accounts.StructuralProperties(), p => p.Name == "overdraft_limit");
        Assert.Contains(accounts.StructuralProperties(), p => p.Name == "status");
    }

    [Fact]
    public async Task Outsider_WithNoMatchingPolicy_SeesNothing()
    {
        using var client = bank.AsUser("outsider");
        var json = await client.GetJsonAsync(string.Empty);
        Assert.Empty(json.GetProperty("value").EnumerateArray());
        var model = await MetadataAsync(client);
        Assert.Empty(model.EntityContainer.EntitySets());
        foreach (var url in new[] { "accounts", "accounts/$count", "accounts('CH0200762003215323265')", "transactions(1)/amount/$value" })
        {
            await client.GetErrorAsync(url, HttpStatusCode.NotFound);
        }
    }

    public static TheoryData<string> UngrantedUrls => new()
    {
        "bank_customers",
        "bank_customers/$count",
        "bank_customers(10000001)",
        "bank_customers(10000001)/full_name",
        "bank_customers(10000001)/full_name/$value",
        "bank_customers?$filter=customer_id eq 10000001&$count=true",
        "cards?$top=1",
        "loans/$count",
        "erp_customers?$search=a",
        "account_overview",
    };

    [Theory]
    [MemberData(nameof(UngrantedUrls))]
    public async Task Teller_UngrantedSet_Is404_WithoutNamingIt(string url)
    {
        using var client = bank.AsUser("teller");
        var error = await client.GetErrorAsync(url, HttpStatusCode.NotFound);
        var message = error.GetProperty("message").GetString()!;
        Assert.DoesNotContain("Did you mean", message, StringComparison.Ordinal);

        using var admin = bank.AsUser("admin");
        using var response = await admin.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // it exists: only the teller may not see it
    }

    [Fact]
    public async Task Teller_ExpandToUngrantedSet_Is400()
    {
        using var client = bank.AsUser("teller");
        foreach (var url in new[] { "accounts?$top=1&$expand=customer", "accounts?$top=1&$expand=cards", "accounts?$top=1&$select=customer" })
        {
            await client.GetErrorAsync(url, HttpStatusCode.BadRequest);
        }
    }

    [Fact]
    public async Task Teller_Rows_HaveNoHiddenColumns()
    {
        using var client = bank.AsUser("teller");
        foreach (var url in new[] { "accounts?$top=20", "accounts?$top=20&$select=*", "accounts('CH0200762003215323265')", "balances?$top=3&$expand=accounts", "transactions?$top=3&$expand=accounts" })
        {
            var text = await client.GetTextAsync(url);
            Assert.DoesNotContain("overdraft_limit", text, StringComparison.Ordinal);
            Assert.DoesNotContain("\"status\"", text, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string, string> HiddenColumnUses => new()
    {
        // (url, the hidden name that must not be suggested)
        { "accounts?$filter=overdraft_limit gt 0", "overdraft_limit" },
        { "accounts?$filter=overdraft_limt gt 0", "overdraft_limit" },
        { "accounts?$filter=OVERDRAFT_LIMIT gt 0", "overdraft_limit" },
        { "accounts?$filter=statu eq 'closed'", "status" },
        { "accounts?$filter=status eq 'closed' or true", "status" },
        { "accounts/$count?$filter=status eq 'closed'", "status" },
        { "accounts?$select=overdraft_limit", "overdraft_limit" },
        { "accounts?$select=iban,statuss", "status" },
        { "accounts?$orderby=overdraft_limit desc", "overdraft_limit" },
        { "accounts?$orderby=status", "status" },
        { "transactions?$top=1&$expand=accounts($select=status)", "status" },
        { "transactions?$top=1&$expand=accounts($filter=status eq 'closed')", "status" },
        { "balances?$top=1&$expand=accounts($orderby=overdraft_limit)", "overdraft_limit" },
        { "transactions?$filter=accounts/status eq 'closed'", "status" },
    };

    [Theory]
    [MemberData(nameof(HiddenColumnUses))]
    public async Task Teller_HiddenColumn_IsUnknownInQueries_AndNeverSuggested(string url, string hidden)
    {
        using var client = bank.AsUser("teller");
        var (response, body) = await client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            var error = ODataAssert.AssertClientErrorOr501(response, body, "GET " + url);
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotImplemented, $"GET {url}: {(int)response.StatusCode} {body}");
            var message = error.GetProperty("message").GetString()!;
            var sent = Uri.UnescapeDataString(url);
            // The client's own spelling may be echoed; the hidden name itself must not appear unless the client sent it.
            if (!sent.Contains(hidden, StringComparison.Ordinal))
            {
                Assert.DoesNotContain(hidden, message, StringComparison.Ordinal);
            }

            Assert.DoesNotContain("Did you mean '" + hidden, message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("accounts('CH0200762003215323265')/status")]
    [InlineData("accounts('CH0200762003215323265')/overdraft_limit")]
    [InlineData("accounts('CH0200762003215323265')/overdraft_limit/$value")]
    public async Task Teller_HiddenColumnAsPathSegment_Is404(string url)
    {
        using var client = bank.AsUser("teller");
        await client.GetErrorAsync(url, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Teller_MaskedColumn_ShowsOnlyItsLastFourCharacters()
    {
        using var client = bank.AsUser("teller");
        var rows = await client.GetValuesAsync("transactions?$select=transaction_id,counterparty&$orderby=transaction_id&$top=200");
        var ids = rows.Select(r => r.GetProperty("transaction_id").GetInt64()).ToArray();
        var truth = (await bank.BankStringsAsync("SELECT transaction_id::text || '|' || coalesce(counterparty, '<null>') FROM core.transactions WHERE transaction_id = ANY($1)", ids))
            .Select(s => s.Split('|', 2)).ToDictionary(p => long.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), p => p[1] == "<null>" ? null : p[1]);
        var checkedValues = 0;
        foreach (var row in rows)
        {
            var id = row.GetProperty("transaction_id").GetInt64();
            var shown = row.GetProperty("counterparty");
            var real = truth[id];
            if (real is null)
            {
                Assert.Equal(JsonValueKind.Null, shown.ValueKind);
                continue;
            }

            Assert.Equal(Mask(real), shown.GetString());
            checkedValues++;
        }

        Assert.True(checkedValues > 50, $"only {checkedValues} non-null counterparties checked");

        // The same value by property path and raw $value.
        var sample = truth.First(t => t.Value is { Length: > 4 });
        var property = await client.GetJsonAsync($"transactions({sample.Key})/counterparty");
        Assert.Equal(Mask(sample.Value!), property.GetProperty("value").GetString());
        Assert.Equal(Mask(sample.Value!), await client.GetTextAsync($"transactions({sample.Key})/counterparty/$value"));
        var entity = await client.GetJsonAsync($"transactions({sample.Key})");
        Assert.Equal(Mask(sample.Value!), entity.GetProperty("counterparty").GetString());
        var expanded = await client.GetJsonAsync($"accounts('{entity.GetProperty("iban").GetString()}')?$select=iban&$expand=transactions($select=transaction_id,counterparty;$filter=transaction_id eq {sample.Key})");
        Assert.Equal(Mask(sample.Value!), expanded.GetProperty("transactions")[0].GetProperty("counterparty").GetString());
    }

    public static TheoryData<string> MaskedColumnProbes => new()
    {
        "transactions?$filter=counterparty eq 'Café Zoë'",
        "transactions?$filter=startswith(counterparty,'C')",
        "transactions?$filter=length(counterparty) eq 8",
        "transactions?$filter=counterparty eq null",
        "transactions?$filter=counterparty in ('Café Zoë','Spotify AB')",
        "transactions?$filter=transaction_id gt 0 or contains(counterparty,'Zo')",
        "transactions/$count?$filter=counterparty gt 'M'",
        "transactions?$orderby=counterparty",
        "transactions?$orderby=tolower(counterparty) desc",
        "accounts?$expand=transactions($filter=counterparty eq 'Café Zoë')",
        "accounts?$expand=transactions($orderby=counterparty)",
    };

    [Theory]
    [MemberData(nameof(MaskedColumnProbes))]
    public async Task Teller_MaskedColumn_CannotBeUsedToProbe_Is400(string url)
    {
        using var client = bank.AsUser("teller");
        await client.GetErrorAsync(url, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("Łódź")]
    [InlineData("Zoë")]
    [InlineData("Spotify")]
    public async Task Teller_SearchForATermOnlyInTheMaskedColumn_FindsNothing(string term)
    {
        // The admin finds the term (only in counterparty); the teller's search skips the masked column.
        using var admin = bank.AsUser("admin");
        var adminCount = await admin.GetCountAsync($"transactions/$count?$filter=startswith(iban,'CH')&$search={Uri.EscapeDataString(term)}");
        Assert.True(adminCount > 0, $"no CH transaction mentions {term}: the test would prove nothing");
        using var client = bank.AsUser("teller");
        Assert.Equal(0, await client.GetCountAsync($"transactions/$count?$search={Uri.EscapeDataString(term)}"));
        var page = await client.GetJsonAsync($"transactions?$search={Uri.EscapeDataString(term)}&$count=true&$top=5");
        Assert.Equal(0, page.GetProperty("@odata.count").GetInt64());
    }

    [Theory]
    [InlineData("dormant")]
    [InlineData("active")]
    public async Task Teller_SearchForATermOnlyInAHiddenColumn_FindsNothing(string term)
    {
        using var client = bank.AsUser("teller");
        Assert.Equal(0, await client.GetCountAsync($"accounts/$count?$search={term}"));
    }

    internal static string Mask(string value) => value.Length <= 4 ? value : new string('*', value.Length - 4) + value[^4..];

    private static async Task<IEdmModel> MetadataAsync(HttpClient client)
    {
        var xml = await client.GetTextAsync("$metadata");
        using var reader = XmlReader.Create(new StringReader(xml));
        Assert.True(CsdlReader.TryParse(reader, out var model, out var errors), "CSDL does not parse: " + string.Join("; ", errors.Select(e => e.ErrorMessage)));
        return model;
    }
}

[Collection(MariaDbSecureBankCollection.Name)]
public sealed class MariaDbPolicyVisibilityTests(MariaDbSecureBankFixture bank) : PolicyVisibilityTests(bank);
