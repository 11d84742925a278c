using System.Globalization;
using System.Net;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// Navigation paths hold the teller's row filters at both ends (CHF accounts that are not closed; CH transactions; CH
/// balances from 2025-11-30 on): a parent the teller cannot see is a 404 even where its related rows are visible, and
/// related rows outside the teller's filter never appear under a visible parent. Compared with the database.
/// </summary>
[Collection(SecureBankCollection.Name)]
public class NavigationPolicyTests(SecureBankFixture bank)
{
    private const string Teller = "teller";

    [Fact]
    public async Task VisibleParent_ItsRelatedRows_AreExactlyTheAllowedOnes()
    {
        var iban = await FirstAsync($"SELECT a.iban FROM core.accounts a WHERE {SecureBankFixture.TellerAccountsSql} AND a.iban LIKE 'CH%' AND EXISTS (SELECT 1 FROM core.transactions t WHERE t.iban = a.iban) ORDER BY a.iban LIMIT 1");
        var transactions = await bank.BankStringsAsync("SELECT transaction_id::text FROM core.transactions WHERE iban = $1 ORDER BY transaction_id", iban);
        var balances = await bank.BankStringsAsync($"SELECT as_of::text FROM core.balances WHERE iban = $1 AND {SecureBankFixture.TellerBalancesSql} ORDER BY as_of", iban);
        Assert.Equal(2, balances.Count); // of the account's three month-ends, the teller sees two

        using var client = bank.AsUser(Teller);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Prefer", "odata.maxpagesize=5");
        var (keys, count) = await client.GetAllKeysAsync($"accounts('{iban}')/transactions?$select=transaction_id&$orderby=transaction_id&$count=true", ["transaction_id"]);
        Assert.Equal(transactions.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.Equal(keys.Select(k => long.Parse(k, CultureInfo.InvariantCulture)).Order(), keys.Select(k => long.Parse(k, CultureInfo.InvariantCulture)));
        Assert.Equal(transactions.Count, count);
        Assert.Equal(transactions.Count, await client.GetCountAsync($"accounts('{iban}')/transactions/$count"));
        var (asOf, _) = await client.GetAllKeysAsync($"accounts('{iban}')/balances?$orderby=as_of", ["as_of"]);
        Assert.Equal(balances, asOf);
    }

    [Fact]
    public async Task VisibleParent_RelatedRowsOutsideTheFilter_NeverAppear()
    {
        // The teller sees the account, and of its three month-end balances only those from 2025-11-30 on.
        var iban = await FirstAsync($"SELECT a.iban FROM core.accounts a WHERE {SecureBankFixture.TellerAccountsSql} AND a.iban LIKE 'CH%' ORDER BY a.iban LIMIT 1");
        Assert.Equal("1", await FirstAsync("SELECT count(*)::text FROM core.balances WHERE iban = $1 AND as_of = DATE '2025-10-31'", iban));
        using var client = bank.AsUser(Teller);
        var page = await client.GetJsonAsync($"accounts('{iban}')/balances?$filter=as_of lt 2025-11-30&$count=true");
        Assert.Equal(0, page.GetProperty("value").GetArrayLength());
        Assert.Equal(0, page.GetProperty("@odata.count").GetInt64());
        Assert.Equal(0, await client.GetCountAsync($"accounts('{iban}')/balances/$count?$filter=as_of lt 2025-11-30"));
        Assert.Equal(2, await client.GetCountAsync($"accounts('{iban}')/balances/$count"));
        await client.GetErrorAsync($"accounts('{iban}')/balances(iban='{iban}',as_of=2025-10-31)", HttpStatusCode.NotFound);
        await client.GetErrorAsync($"accounts('{iban}')/balances(iban='{iban}',as_of=2025-10-31)/amount", HttpStatusCode.NotFound);
        var expanded = await client.GetJsonAsync($"transactions?$filter=iban eq '{iban}'&$top=1&$expand=accounts($expand=balances)");
        Assert.All(expanded.GetProperty("value").EnumerateArray(), t => Assert.Equal(2, t.GetProperty("accounts").GetProperty("balances").GetArrayLength()));
    }

    [Fact]
    public async Task HiddenParent_Is404_EvenWhereItsRelatedRowsAreVisible()
    {
        // A closed (or non-CHF) Swiss account: its CH transactions are the teller's, the account is not.
        var iban = await FirstAsync($"SELECT a.iban FROM core.accounts a WHERE NOT ({SecureBankFixture.TellerAccountsSql}) AND a.iban LIKE 'CH%' AND EXISTS (SELECT 1 FROM core.transactions t WHERE t.iban = a.iban) ORDER BY a.iban LIMIT 1");
        var transaction = await FirstAsync("SELECT transaction_id::text FROM core.transactions WHERE iban = $1 ORDER BY transaction_id LIMIT 1", iban);
        using var client = bank.AsUser(Teller);
        Assert.Equal(iban, (await client.GetJsonAsync($"transactions({transaction})")).GetProperty("iban").GetString());
        foreach (var url in new[] { $"accounts('{iban}')/transactions", $"accounts('{iban}')/transactions/$count", $"accounts('{iban}')/transactions?$top=0&$count=true", $"accounts('{iban}')/transactions({transaction})", $"accounts('{iban}')/balances" })
        {
            var error = await client.GetErrorAsync(url, HttpStatusCode.NotFound);
            Assert.Contains("'accounts'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // The single-valued way back: the transaction is visible, its account is not — no content, not the account.
        using var response = await client.GetAsync($"transactions({transaction})/accounts");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await client.GetErrorAsync($"transactions({transaction})/accounts/currency", HttpStatusCode.NotFound);

        // The risk team sees both ends.
        using var admin = bank.AsUser("admin");
        Assert.Equal(iban, (await admin.GetJsonAsync($"transactions({transaction})/accounts")).GetProperty("iban").GetString());
        Assert.True(await admin.GetCountAsync($"accounts('{iban}')/transactions/$count") > 0);
    }

    [Fact]
    public async Task HiddenTransaction_ItsAccountIsNotReachedThroughIt()
    {
        // A German transaction: the teller (CH) cannot see it, so nothing is reached through it.
        var transaction = await FirstAsync("SELECT transaction_id::text FROM core.transactions WHERE iban NOT LIKE 'CH%' ORDER BY transaction_id LIMIT 1");
        using var client = bank.AsUser(Teller);
        await client.GetErrorAsync($"transactions({transaction})/accounts", HttpStatusCode.NotFound);
        await client.GetErrorAsync($"transactions({transaction})/accounts/iban/$value", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ExpandCount_CountsOnlyTheAllowedRelatedRows()
    {
        var iban = await FirstAsync($"SELECT a.iban FROM core.accounts a WHERE {SecureBankFixture.TellerAccountsSql} AND a.iban LIKE 'CH%' ORDER BY a.iban LIMIT 1");
        using var client = bank.AsUser(Teller);
        var json = await client.GetJsonAsync($"accounts('{iban}')?$select=iban&$expand=balances($count=true;$top=0),transactions($count=true;$top=1)");
        Assert.Equal(2, json.GetProperty("balances@odata.count").GetInt64()); // three month-ends in the database
        Assert.Equal(long.Parse(await FirstAsync("SELECT count(*)::text FROM core.transactions WHERE iban = $1", iban), CultureInfo.InvariantCulture), json.GetProperty("transactions@odata.count").GetInt64());
    }

    [Fact]
    public async Task Lambdas_SeeOnlyTheAllowedRelatedRows()
    {
        using var client = bank.AsUser(Teller);
        var visible = await bank.BankStringsAsync($"SELECT iban FROM core.accounts WHERE {SecureBankFixture.TellerAccountsSql} ORDER BY iban COLLATE \"C\"");

        // Every visible account has three balances in the database, one of them (2025-10-31) hidden from the teller:
        // it neither breaks 'all' nor counts.
        var (all, _) = await client.GetAllKeysAsync("accounts?$select=iban&$filter=balances/all(b: b/as_of ge 2025-11-30)", ["iban"]);
        Assert.Equal(visible, all.Order(StringComparer.Ordinal));
        var (two, _) = await client.GetAllKeysAsync("accounts?$select=iban&$filter=balances/$count eq 2", ["iban"]);
        Assert.Equal(visible, two.Order(StringComparer.Ordinal));
        var (old, _) = await client.GetAllKeysAsync("accounts?$select=iban&$filter=balances/any(b: b/as_of lt 2025-11-30)", ["iban"]);
        Assert.Empty(old);

        var withTransactions = await bank.BankStringsAsync($"SELECT a.iban FROM core.accounts a WHERE {SecureBankFixture.TellerAccountsSql} AND EXISTS (SELECT 1 FROM core.transactions t WHERE t.iban = a.iban AND t.iban LIKE 'CH%' AND t.amount > 1000) ORDER BY a.iban COLLATE \"C\"");
        var (any, _) = await client.GetAllKeysAsync("accounts?$select=iban&$filter=transactions/any(t: t/amount gt 1000)", ["iban"]);
        Assert.Equal(withTransactions, any.Order(StringComparer.Ordinal));

        // A masked property cannot be probed through a lambda either.
        await client.GetErrorAsync("accounts?$filter=transactions/any(t: startswith(t/counterparty,'A'))", HttpStatusCode.BadRequest);
    }

    private async Task<string> FirstAsync(string sql, params object[] parameters)
    {
        var values = await bank.BankStringsAsync(sql, parameters);
        Assert.True(values.Count > 0, "The seed has no row for: " + sql);
        return values[0].ToString(CultureInfo.InvariantCulture);
    }
}

[Collection(MariaDbSecureBankCollection.Name)]
public sealed class MariaDbNavigationPolicyTests(MariaDbSecureBankFixture bank) : NavigationPolicyTests(bank);
