using System.Net;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Paging;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// A navigation path in <c>$filter</c>/<c>$orderby</c> holds the related set's row filter for the caller: to the teller
/// (CH balances from 2025-11-30 on; CHF accounts that are not closed) a balance whose account is hidden has no account
/// (its <c>accounts/currency</c> is null, like a missing row's), and the teller's hidden account columns can be neither
/// filtered nor ordered on through the path. Compared with SQL over the bank database.
/// </summary>
[Collection(SecureBankCollection.Name)]
public class NavigationFilterPolicyTests(SecureBankFixture bank)
{
    private const string Teller = "teller";

    private const string VisibleAccount = "EXISTS (SELECT 1 FROM core.accounts a WHERE a.iban = b.iban AND a.currency = 'CHF' AND a.status <> 'closed')";

    [Theory]
    [InlineData("accounts/currency eq null", "NOT " + VisibleAccount)]
    [InlineData("accounts/currency eq 'CHF'", VisibleAccount)]
    [InlineData("accounts/currency ne 'CHF'", "NOT " + VisibleAccount)]
    public async Task HiddenRelatedRow_IsAbsent_InAFilter(string filter, string condition)
    {
        var expected = await bank.BankStringsAsync($"SELECT b.iban || '|' || b.as_of::text FROM core.balances b WHERE b.{SecureBankFixture.TellerBalancesSql.Replace(" AND ", " AND b.", StringComparison.Ordinal)} AND {condition}");
        Assert.NotEmpty(expected);
        using var client = bank.AsUser(Teller);
        var (keys, count) = await client.GetAllKeysAsync("balances?$select=iban,as_of&$count=true&$filter=" + Uri.EscapeDataString(filter), ["iban", "as_of"]);
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.Equal(expected.Count, count);
    }

    [Fact]
    public async Task HiddenRelatedRow_SortsAsNull_AndTheKeysetWalkSeesEveryRowOnce()
    {
        // The account's opening date where the teller may see the account, else NULL (last, descending).
        var expected = await bank.BankStringsAsync(
            "SELECT b.iban || '|' || b.as_of::text FROM core.balances b LEFT JOIN core.accounts a ON a.iban = b.iban AND a.currency = 'CHF' AND a.status <> 'closed' "
            + $"WHERE b.{SecureBankFixture.TellerBalancesSql.Replace(" AND ", " AND b.", StringComparison.Ordinal)} AND b.as_of = DATE '2025-11-30' "
            + "ORDER BY a.opened_on DESC NULLS LAST, b.iban DESC, b.as_of DESC");
        Assert.True(expected.Count > 40, "The walk needs several pages.");
        using var client = bank.AsUser(Teller);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Prefer", "odata.maxpagesize=" + (expected.Count / 7).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (keys, _) = await client.GetAllKeysAsync("balances?$select=iban,as_of&$filter=as_of eq 2025-11-30&$orderby=accounts/opened_on desc", ["iban", "as_of"]);
        PageWalk.AssertSameSequence(expected, keys, "balances by their account's opening date");
    }

    [Theory]
    [InlineData("balances?$filter=accounts/status eq 'open'", "accounts?$filter=status eq 'open'")]
    [InlineData("balances?$orderby=accounts/overdraft_limit", "accounts?$orderby=overdraft_limit")]
    public async Task HiddenRelatedColumn_IsRefusedAsTheSameColumnOfTheSetItself(string throughPath, string direct)
    {
        using var client = bank.AsUser(Teller);
        var viaPath = await client.GetErrorAsync(throughPath, HttpStatusCode.BadRequest);
        var itself = await client.GetErrorAsync(direct, HttpStatusCode.BadRequest);
        Assert.Equal(itself.GetProperty("code").GetString(), viaPath.GetProperty("code").GetString());
        Assert.Equal(itself.GetProperty("message").GetString(), viaPath.GetProperty("message").GetString());

        // The risk team sees the column, so the same path works for them.
        using var admin = bank.AsUser("admin");
        await admin.GetJsonAsync(throughPath + "&$top=1");
    }
}

[Collection(MariaDbSecureBankCollection.Name)]
public sealed class MariaDbNavigationFilterPolicyTests(MariaDbSecureBankFixture bank) : NavigationFilterPolicyTests(bank);
