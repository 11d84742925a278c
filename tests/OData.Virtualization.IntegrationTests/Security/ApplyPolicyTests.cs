using System.Globalization;
using System.Net;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// <c>$apply</c> under the teller's policies (CH transactions with the counterparty masked; CHF accounts that are not
/// closed, without <c>overdraft_limit</c> and <c>status</c>): totals count only the rows the row filter lets through, a
/// related entity outside its own filter is a NULL group, and masked or hidden columns can be neither grouped nor
/// aggregated. Compared with SQL over the bank database.
/// </summary>
[Collection(SecureBankCollection.Name)]
public class ApplyPolicyTests(SecureBankFixture bank)
{
    [Fact]
    public async Task Teller_Totals_OnlyCountRowsItsRowFilterLetsThrough()
    {
        var expected = await bank.BankStringsAsync($"SELECT category || '|' || sum(amount)::text || '|' || count(*)::text FROM core.transactions WHERE {SecureBankFixture.TellerTransactionsSql} GROUP BY category ORDER BY category");
        var everyone = await bank.BankCountAsync("SELECT count(*) FROM core.transactions");
        using var client = bank.AsUser("teller");
        var rows = await client.GetValuesAsync("transactions?$apply=groupby((category),aggregate(amount with sum as total,$count as n))&$orderby=category");
        Assert.Equal(expected, rows.Select(r => $"{r.GetProperty("category").GetString()}|{r.GetProperty("total").GetDecimal().ToString(CultureInfo.InvariantCulture)}|{r.GetProperty("n").GetInt64()}"));

        var all = Assert.Single(await client.GetValuesAsync("transactions?$apply=aggregate($count as n)"));
        Assert.Equal(await bank.BankCountAsync($"SELECT count(*) FROM core.transactions WHERE {SecureBankFixture.TellerTransactionsSql}"), all.GetProperty("n").GetInt64());
        Assert.True(all.GetProperty("n").GetInt64() < everyone, "the teller's total is smaller than everyone's");
    }

    [Fact]
    public async Task Teller_GroupThroughANavigationProperty_ARelatedRowOutsideItsFilterIsTheNullGroup()
    {
        // The teller sees CH transactions; of their accounts only the CHF ones that are not closed.
        var expected = await bank.BankStringsAsync(
            $"SELECT coalesce(a.currency, '(null)') || '|' || count(*)::text FROM core.transactions t LEFT JOIN core.accounts a ON a.iban = t.iban AND a.{SecureBankFixture.TellerAccountsSql.Replace(" AND ", " AND a.", StringComparison.Ordinal)} " +
            $"WHERE t.{SecureBankFixture.TellerTransactionsSql} GROUP BY a.currency ORDER BY a.currency NULLS FIRST");
        Assert.Contains(expected, e => e.StartsWith("(null)|", StringComparison.Ordinal));
        using var client = bank.AsUser("teller");
        var rows = await client.GetValuesAsync("transactions?$apply=groupby((accounts/currency),aggregate($count as n))&$orderby=accounts/currency");
        Assert.Equal(expected, rows.Select(r => (r.GetProperty("accounts").GetProperty("currency").GetString() ?? "(null)") + "|" + r.GetProperty("n").GetInt64().ToString(CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("transactions?$apply=groupby((counterparty))")]
    [InlineData("transactions?$apply=groupby((category),aggregate(counterparty with countdistinct as n))")]
    [InlineData("transactions?$apply=aggregate(counterparty with max as highest)")]
    [InlineData("transactions?$apply=filter(counterparty eq 'x')/aggregate($count as n)")]
    public async Task Teller_MaskedColumn_CannotBeGroupedOrAggregated_Is400(string url)
    {
        using var client = bank.AsUser("teller");
        var error = await client.GetErrorAsync(url, HttpStatusCode.BadRequest);
        Assert.Equal("MaskedProperty", error.GetProperty("code").GetString());
        Assert.Contains("counterparty", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("accounts?$apply=groupby((status))")]
    [InlineData("accounts?$apply=aggregate(overdraft_limit with sum as total)")]
    public async Task Teller_HiddenColumn_DoesNotExistForIt_Is400(string url)
    {
        using var client = bank.AsUser("teller");
        var error = await client.GetErrorAsync(url, HttpStatusCode.BadRequest);
        Assert.Equal("$apply", error.GetProperty("target").GetString());

        // The risk team may group by it: the column exists.
        using var admin = bank.AsUser("admin");
        Assert.NotEmpty(await admin.GetValuesAsync(url));
    }
}

/// <summary>
/// <c>$compute</c> under the teller's policies: a computed property over a masked column is refused (its value would
/// reveal the masked text), a hidden column does not exist for it, and the row filter holds for rows found by a
/// computed property. Compared with SQL over the bank database.
/// </summary>
[Collection(SecureBankCollection.Name)]
public class ComputePolicyTests(SecureBankFixture bank)
{
    [Fact]
    public async Task Teller_FilterOnAComputedProperty_CountsOnlyRowsItsRowFilterLetsThrough()
    {
        var expected = await bank.BankCountAsync($"SELECT count(*) FROM core.transactions WHERE {SecureBankFixture.TellerTransactionsSql} AND amount * 2 > 1000");
        var everyone = await bank.BankCountAsync("SELECT count(*) FROM core.transactions WHERE amount * 2 > 1000");
        using var client = bank.AsUser("teller");
        Assert.Equal(expected, await client.GetCountAsync("transactions/$count?$compute=amount mul 2 as twice&$filter=twice gt 1000"));
        Assert.True(expected < everyone, "the teller sees fewer rows than everyone");
    }

    [Theory]
    [InlineData("transactions?$compute=length(counterparty) as n&$select=n")]
    [InlineData("transactions?$compute=substring(counterparty,0,1) as initial&$select=initial")]
    public async Task Teller_AComputedPropertyOverAMaskedColumn_Is400(string url)
    {
        using var client = bank.AsUser("teller");
        var error = await client.GetErrorAsync(url, HttpStatusCode.BadRequest);
        Assert.Equal("MaskedProperty", error.GetProperty("code").GetString());
        Assert.Contains("counterparty", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Teller_AHiddenColumnDoesNotExistForCompute_TheRiskTeamMayUseIt()
    {
        const string url = "accounts?$compute=overdraft_limit mul 2 as twice&$select=iban,twice&$top=3";
        using var client = bank.AsUser("teller");
        var error = await client.GetErrorAsync(url, HttpStatusCode.BadRequest);
        Assert.Equal("$compute", error.GetProperty("target").GetString());

        using var admin = bank.AsUser("admin");
        Assert.Equal(3, (await admin.GetValuesAsync(url)).Count);
    }
}

[Collection(MariaDbSecureBankCollection.Name)]
public sealed class MariaDbApplyPolicyTests(MariaDbSecureBankFixture bank) : ApplyPolicyTests(bank);

[Collection(MariaDbSecureBankCollection.Name)]
public sealed class MariaDbComputePolicyTests(MariaDbSecureBankFixture bank) : ComputePolicyTests(bank);
