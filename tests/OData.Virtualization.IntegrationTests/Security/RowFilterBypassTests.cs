using System.Globalization;
using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// The row-filter bypass suite. The teller may read CHF accounts that are not closed, CH transactions and CH
/// balances from 2025-11-30 on. Every way OData offers to reach another row — widening filters, keys, properties,
/// raw values, counts, expansions both ways, search, ordering by what is hidden, continuation links minted for
/// someone else or tampered, paging past the end, <c>in</c> lists — is tried, and the answer is compared with the
/// rows and counts read directly from the database: never one forbidden row, counts exactly the allowed ones.
/// </summary>
[Collection(SecureBankCollection.Name)]
public class RowFilterBypassTests(SecureBankFixture bank)
{
    private const string Teller = "teller";

    // ---- Collections of accounts: the whole result is compared with the database. ------------------------------

    /// <summary>(query options, the SQL condition the result must equal within the teller's rows, $skip, $top).</summary>
    public static TheoryData<string, string> AccountQueries => new()
    {
        { "$filter=iban eq 'x' or true", "TRUE" },
        { "$filter=true", "TRUE" },
        { "$filter=true or true", "TRUE" },
        { "$filter=iban ne 'x' or 1 eq 1", "TRUE" },
        { "$filter=1 eq 1", "TRUE" },
        { "$filter=(1 eq 1) or (currency eq 'EUR')", "TRUE" },
        { "$filter=not (iban eq 'x')", "TRUE" },
        { "$filter=not (currency eq 'CHF')", "currency <> 'CHF'" },
        { "$filter=not not (currency eq 'EUR')", "currency = 'EUR'" },
        { "$filter=currency eq 'EUR'", "currency = 'EUR'" },
        { "$filter=currency ne 'CHF' or currency eq 'CHF'", "TRUE" },
        { "$filter=CURRENCY eq 'EUR' or true", "TRUE" },
        { "$filter=startswith(iban,'DE')", "iban LIKE 'DE%'" },
        { "$filter=not startswith(iban,'CH')", "iban NOT LIKE 'CH%'" },
        { "$filter=iban eq null or iban ne null", "TRUE" },
        { "$filter=iban ne null", "TRUE" },
        { "$filter=currency in ('EUR','USD','CHF')", "TRUE" },
        { "$filter=currency in ('EUR','USD')", "FALSE" },
        { "$filter=iban gt ''", "TRUE" },
        { "$filter=contains(iban,'') and contains(currency,'')", "TRUE" },
        { "$filter=customer_id ge 0 or customer_id lt 0", "TRUE" },
        { "$search=EUR", "FALSE" },
        { "$search=CH", "TRUE" },
        { "$search=EUR OR CHF", "TRUE" },
        { "$search=NOT CHF", "FALSE" },
        { "$search=NOT EUR", "TRUE" },
        { "$select=iban,currency", "TRUE" },
        { "$orderby=iban desc", "TRUE" },
        { "$orderby=customer_id desc,opened_on", "TRUE" },
        { "$top=100000", "TRUE" },
        { "$expand=balances($select=as_of)", "TRUE" },
    };

    [Theory]
    [MemberData(nameof(AccountQueries))]
    public async Task Accounts_WideningQueries_ReturnExactlyTheAllowedRows(string options, string expectedSql)
    {
        var expected = await bank.BankStringsAsync($"SELECT iban FROM core.accounts WHERE ({SecureBankFixture.TellerAccountsSql}) AND ({expectedSql}) ORDER BY iban COLLATE \"C\"");
        var forbidden = await ForbiddenAccountsAsync();
        using var client = bank.AsUser(Teller);
        var url = "accounts?" + options + "&$count=true";
        var (keys, count) = await client.GetAllKeysAsync(url, ["iban"]);
        AssertNoForbidden(url, keys, forbidden);
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.Equal(expected.Count, count);
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());

        if (!options.Contains("$orderby", StringComparison.Ordinal) && !options.Contains("$top", StringComparison.Ordinal) && !options.Contains("$select", StringComparison.Ordinal)
            && !options.Contains("$expand", StringComparison.Ordinal))
        {
            Assert.Equal(expected.Count, await client.GetCountAsync("accounts/$count?" + options));
        }
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(990, 100)]
    [InlineData(999, 5)]
    [InlineData(1000, 5)]
    [InlineData(5000, 5)]
    [InlineData(19990, 100)]
    [InlineData(0, 20000)]
    public async Task Accounts_TopAndSkipBeyondTheAllowedRows_ReturnOnlyAllowedRows(int skip, int top)
    {
        var all = await bank.BankStringsAsync($"SELECT iban FROM core.accounts WHERE {SecureBankFixture.TellerAccountsSql} ORDER BY iban COLLATE \"C\"");
        var expected = all.Skip(skip).Take(top).ToList();
        using var client = bank.AsUser(Teller);
        var url = $"accounts?$select=iban&$skip={skip}&$top={top}&$count=true";
        var (keys, count) = await client.GetAllKeysAsync(url, ["iban"]);
        AssertNoForbidden(url, keys, await ForbiddenAccountsAsync());
        Assert.Equal(expected, keys);
        Assert.Equal(all.Count, count);
    }

    [Fact]
    public async Task Accounts_InListWithForbiddenKeys_ReturnsOnlyTheAllowedOnes()
    {
        var allowed = (await bank.BankStringsAsync($"SELECT iban FROM core.accounts WHERE {SecureBankFixture.TellerAccountsSql} ORDER BY iban LIMIT 3")).ToList();
        var forbidden = await SampleForbiddenAccountsAsync();
        var list = forbidden.Concat(allowed).ToList();
        using var client = bank.AsUser(Teller);
        var url = $"accounts?$filter=iban in ({string.Join(",", list.Select(k => $"'{k}'"))})&$count=true";
        var (keys, count) = await client.GetAllKeysAsync(url, ["iban"]);
        Assert.Equal(allowed.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.Equal(allowed.Count, count);

        var orUrl = $"accounts?$filter={string.Join(" or ", list.Select(k => $"iban eq '{k}'"))}";
        var (orKeys, _) = await client.GetAllKeysAsync(orUrl, ["iban"]);
        Assert.Equal(allowed.Order(StringComparer.Ordinal), orKeys.Order(StringComparer.Ordinal));

        Assert.Equal(0, await client.GetCountAsync($"accounts/$count?$filter=iban in ({string.Join(",", forbidden.Select(k => $"'{k}'"))})"));
    }

    // ---- Keys, properties and raw values of another's row. -------------------------------------------------------

    [Fact]
    public async Task Accounts_KeyPropertyAndValueOfAForbiddenRow_Are404()
    {
        using var client = bank.AsUser(Teller);
        using var admin = bank.AsUser("admin");
        foreach (var iban in await SampleForbiddenAccountsAsync())
        {
            foreach (var path in new[] { $"accounts('{iban}')", $"accounts('{iban}')/currency", $"accounts('{iban}')/currency/$value", $"accounts('{iban}')/iban/$value", $"accounts('{iban}')/interest_rate", $"accounts('{iban}')?$expand=transactions,balances", $"accounts('{iban}')?$select=iban" })
            {
                var error = await client.GetErrorAsync(path, HttpStatusCode.NotFound);
                Assert.DoesNotContain("interest_rate\":", error.GetRawText(), StringComparison.Ordinal);
                using var control = await admin.GetAsync(path);
                Assert.Equal(HttpStatusCode.OK, control.StatusCode); // the row exists: only the teller may not read it
            }

            using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"accounts('{iban}')"));
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }

        // The control: an allowed key is served.
        var allowed = (await bank.BankStringsAsync($"SELECT iban FROM core.accounts WHERE {SecureBankFixture.TellerAccountsSql} LIMIT 1")).Single();
        var row = await client.GetJsonAsync($"accounts('{allowed}')");
        Assert.Equal(allowed, row.GetProperty("iban").GetString());
        Assert.Equal("CHF", await client.GetTextAsync($"accounts('{allowed}')/currency/$value"));
    }

    [Fact]
    public async Task Transactions_KeyPropertyAndValueOfAForbiddenRow_Are404()
    {
        var forbidden = await bank.BankStringsAsync($"SELECT transaction_id FROM core.transactions WHERE NOT ({SecureBankFixture.TellerTransactionsSql}) AND transaction_id IN (1, 2, 3, 500000, 999999, 1000000)");
        Assert.NotEmpty(forbidden);
        using var client = bank.AsUser(Teller);
        foreach (var id in forbidden)
        {
            foreach (var path in new[] { $"transactions({id})", $"transactions({id})/amount", $"transactions({id})/amount/$value", $"transactions({id})/counterparty/$value", $"transactions({id})?$expand=accounts" })
            {
                await client.GetErrorAsync(path, HttpStatusCode.NotFound);
            }
        }
    }

    [Fact]
    public async Task Balances_CompositeKeyOfAForbiddenRow_Is404()
    {
        var chAccount = (await bank.BankStringsAsync("SELECT iban FROM core.accounts WHERE iban LIKE 'CH%' ORDER BY iban LIMIT 1")).Single();
        var deAccount = (await bank.BankStringsAsync("SELECT iban FROM core.accounts WHERE iban LIKE 'DE%' ORDER BY iban LIMIT 1")).Single();
        using var client = bank.AsUser(Teller);
        foreach (var path in new[]
                 {
                     $"balances(iban='{chAccount}',as_of=2025-10-31)", // the right IBAN, a month the teller may not see
                     $"balances(iban='{chAccount}',as_of=2025-10-31)/amount/$value",
                     $"balances(iban='{deAccount}',as_of=2025-12-31)",
                     $"balances(iban='{deAccount}',as_of=2025-12-31)/amount",
                 })
        {
            await client.GetErrorAsync(path, HttpStatusCode.NotFound);
        }

        var allowed = await client.GetJsonAsync($"balances(iban='{chAccount}',as_of=2025-12-31)");
        Assert.Equal(chAccount, allowed.GetProperty("iban").GetString());
    }

    // ---- Transactions: too many to read whole; the count is exact and every returned row is checked. ------------

    public static TheoryData<string, string> TransactionQueries => new()
    {
        { "$filter=transaction_id le 1000 or true", "TRUE" },
        { "$filter=true", "TRUE" },
        { "$filter=not (iban eq 'x')", "TRUE" },
        { "$filter=not startswith(iban,'CH')", "iban NOT LIKE 'CH%'" },
        { "$filter=startswith(iban,'DE')", "iban LIKE 'DE%'" },
        { "$filter=currency ne 'CHF'", "currency <> 'CHF'" },
        { "$filter=amount gt 0 or amount le 0", "TRUE" },
        { "$filter=transaction_id le 100", "transaction_id <= 100" },
        { "$filter=transaction_id in (1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20)", "transaction_id <= 20" },
        { "$filter=booked_at lt 2023-02-01T00:00:00Z", "booked_at < '2023-02-01T00:00:00Z'" },
        { "$search=salary", "(lower(iban) LIKE '%salary%' OR lower(currency) LIKE '%salary%' OR lower(coalesce(reference, '')) LIKE '%salary%' OR lower(category) LIKE '%salary%')" },
        { "$search=salary OR rent", "(lower(iban) LIKE '%salary%' OR lower(currency) LIKE '%salary%' OR lower(coalesce(reference, '')) LIKE '%salary%' OR lower(category) LIKE '%salary%' OR lower(iban) LIKE '%rent%' OR lower(currency) LIKE '%rent%' OR lower(coalesce(reference, '')) LIKE '%rent%' OR lower(category) LIKE '%rent%')" },
        { "$orderby=amount desc", "TRUE" },
        { "$orderby=booked_at", "TRUE" },
    };

    [Theory]
    [MemberData(nameof(TransactionQueries))]
    public async Task Transactions_WideningQueries_CountExactlyTheAllowedRows_AndReturnNoForbiddenOne(string options, string expectedSql)
    {
        var where = $"({SecureBankFixture.TellerTransactionsSql}) AND ({expectedSql})";
        var expectedCount = await bank.BankCountAsync($"SELECT count(*) FROM core.transactions WHERE {where}");
        using var client = bank.AsUser(Teller);
        var url = "transactions?" + options + "&$count=true&$top=300&$select=transaction_id,iban";
        var json = await client.GetJsonAsync(url);
        Assert.Equal(expectedCount, json.GetProperty("@odata.count").GetInt64());
        var rows = json.GetProperty("value").EnumerateArray().ToList();
        Assert.Equal(Math.Min(300, expectedCount), rows.Count);
        var ids = rows.Select(r => r.GetProperty("transaction_id").GetInt64()).ToArray();
        await AssertTransactionsAllowedAsync(url, ids);
        if (!options.Contains("$orderby", StringComparison.Ordinal))
        {
            var expectedIds = await bank.BankStringsAsync($"SELECT transaction_id FROM core.transactions WHERE {where} ORDER BY transaction_id LIMIT 300");
            Assert.Equal(expectedIds, ids.Select(i => i.ToString(CultureInfo.InvariantCulture)));
            Assert.Equal(expectedCount, await client.GetCountAsync("transactions/$count?" + options));
        }
    }

    [Fact]
    public async Task Transactions_SkipPastTheAllowedRows_ReturnsTheLastAllowedOnesOnly()
    {
        var total = await bank.BankCountAsync($"SELECT count(*) FROM core.transactions WHERE {SecureBankFixture.TellerTransactionsSql}");
        var expected = await bank.BankStringsAsync($"SELECT transaction_id FROM core.transactions WHERE {SecureBankFixture.TellerTransactionsSql} ORDER BY transaction_id OFFSET {total - 20}");
        using var client = bank.AsUser(Teller);
        var url = $"transactions?$select=transaction_id&$skip={total - 20}&$top=500&$count=true";
        var (keys, count) = await client.GetAllKeysAsync(url, ["transaction_id"]);
        Assert.Equal(expected, keys);
        Assert.Equal(total, count);
        Assert.Empty((await client.GetAllKeysAsync($"transactions?$select=transaction_id&$skip={total}&$top=500", ["transaction_id"])).Keys);
    }

    // ---- $expand: from an allowed parent into children, and from children up to a forbidden parent. -------------

    [Fact]
    public async Task Expand_FromAllowedAccountsIntoBalances_ReturnsOnlyTheAllowedBalances()
    {
        var expected = (await bank.BankStringsAsync($"SELECT iban || '|' || as_of::text FROM core.balances WHERE {SecureBankFixture.TellerBalancesSql} AND iban IN (SELECT iban FROM core.accounts WHERE {SecureBankFixture.TellerAccountsSql})"))
            .ToHashSet(StringComparer.Ordinal);
        using var client = bank.AsUser(Teller);
        foreach (var url in new[]
                 {
                     "accounts?$select=iban&$expand=balances($select=iban,as_of)",
                     "accounts?$select=iban&$expand=balances($select=iban,as_of;$filter=as_of lt 2025-11-30 or true)",
                     "accounts?$select=iban&$expand=balances($select=iban,as_of;$orderby=as_of;$top=10)",
                 })
        {
            var seen = new List<string>();
            await foreach (var account in WalkAsync(client, url))
            {
                var iban = account.GetProperty("iban").GetString()!;
                foreach (var balance in account.GetProperty("balances").EnumerateArray())
                {
                    Assert.Equal(iban, balance.GetProperty("iban").GetString());
                    seen.Add(iban + "|" + balance.GetProperty("as_of").GetString());
                }
            }

            Assert.Equal(expected.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        }

        var onlyForbidden = await client.GetValuesAsync("accounts?$top=50&$select=iban&$expand=balances($filter=as_of lt 2025-11-30)");
        Assert.All(onlyForbidden, a => Assert.Empty(a.GetProperty("balances").EnumerateArray()));
    }

    [Fact]
    public async Task Expand_FromAllowedAccountsIntoTransactions_ReturnsExactlyTheirTransactions()
    {
        using var client = bank.AsUser(Teller);
        var accounts = await client.GetValuesAsync("accounts?$top=40&$select=iban&$expand=transactions($select=transaction_id,iban)");
        Assert.Equal(40, accounts.Count);
        foreach (var account in accounts)
        {
            var iban = account.GetProperty("iban").GetString()!;
            var ids = account.GetProperty("transactions").EnumerateArray().Select(t => t.GetProperty("transaction_id").GetInt64().ToString(CultureInfo.InvariantCulture)).ToList();
            var expected = await bank.BankStringsAsync($"SELECT transaction_id FROM core.transactions WHERE iban = $1 AND {SecureBankFixture.TellerTransactionsSql} ORDER BY transaction_id", iban);
            Assert.Equal(expected, ids);
        }
    }

    [Fact]
    public async Task Expand_FromBalancesUpToAForbiddenAccount_YieldsNull()
    {
        var allowedAccounts = (await bank.BankStringsAsync($"SELECT iban FROM core.accounts WHERE {SecureBankFixture.TellerAccountsSql}")).ToHashSet(StringComparer.Ordinal);
        using var client = bank.AsUser(Teller);
        int nulls = 0, parents = 0;
        await foreach (var balance in WalkAsync(client, "balances?$select=iban,as_of&$expand=accounts($select=iban,currency)"))
        {
            var iban = balance.GetProperty("iban").GetString()!;
            var parent = balance.GetProperty("accounts");
            if (allowedAccounts.Contains(iban))
            {
                Assert.Equal(iban, parent.GetProperty("iban").GetString());
                parents++;
            }
            else
            {
                Assert.True(parent.ValueKind == JsonValueKind.Null, $"balance of {iban}: the forbidden account was expanded: {parent}");
                nulls++;
            }
        }

        Assert.True(nulls > 0 && parents > 0, $"{nulls} forbidden parents, {parents} allowed: the data does not exercise both");
    }

    [Fact]
    public async Task Expand_FromTransactionsUpToClosedAccounts_YieldsNull_AtEveryDepth()
    {
        var closed = await bank.BankStringsAsync("SELECT iban FROM core.accounts WHERE iban LIKE 'CH%' AND status = 'closed' ORDER BY iban LIMIT 5");
        var list = string.Join(",", closed.Select(i => $"'{i}'"));
        var expectedCount = await bank.BankCountAsync("SELECT count(*) FROM core.transactions WHERE iban = ANY($1)", (object)closed.ToArray());
        using var client = bank.AsUser(Teller);
        var url = $"transactions?$filter=iban in ({list})&$select=transaction_id,iban&$expand=accounts($select=iban;$expand=balances,transactions($top=2))&$count=true";
        var count = 0;
        await foreach (var transaction in WalkAsync(client, url))
        {
            Assert.Equal(JsonValueKind.Null, transaction.GetProperty("accounts").ValueKind);
            count++;
        }

        Assert.Equal(expectedCount, count);

        // Up and back down: from an allowed transaction to its allowed account and that account's balances.
        var deep = await client.GetValuesAsync("balances?$top=60&$select=iban&$expand=accounts($select=iban;$expand=balances($select=as_of),transactions($select=transaction_id,iban;$top=3))");
        foreach (var balance in deep)
        {
            var account = balance.GetProperty("accounts");
            if (account.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            Assert.All(account.GetProperty("balances").EnumerateArray(), b => Assert.NotEqual("2025-10-31", b.GetProperty("as_of").GetString()));
            Assert.All(account.GetProperty("transactions").EnumerateArray(), t => Assert.StartsWith("CH", t.GetProperty("iban").GetString()!, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("accounts('{allowed}')/transactions", true)]
    [InlineData("accounts('{allowed}')/balances", true)]
    [InlineData("accounts('{allowed}')/balances/$count", true)]
    [InlineData("accounts('{forbidden}')/balances", false)]
    [InlineData("accounts('{forbidden}')/transactions/$count", false)]
    [InlineData("transactions({forbiddenTransaction})/accounts", false)]
    [InlineData("balances(iban='{allowed}',as_of=2025-10-31)/accounts", false)]
    public async Task NavigationPaths_NeverServeAForbiddenRow(string template, bool fromAllowedRow)
    {
        var allowed = (await bank.BankStringsAsync($"SELECT iban FROM core.accounts WHERE {SecureBankFixture.TellerAccountsSql} ORDER BY iban LIMIT 1")).Single();
        var forbidden = (await SampleForbiddenAccountsAsync())[0];
        var forbiddenTransaction = (await bank.BankStringsAsync($"SELECT transaction_id FROM core.transactions WHERE NOT ({SecureBankFixture.TellerTransactionsSql}) ORDER BY transaction_id LIMIT 1")).Single();
        var url = template.Replace("{allowed}", allowed, StringComparison.Ordinal).Replace("{forbidden}", forbidden, StringComparison.Ordinal)
            .Replace("{forbiddenTransaction}", forbiddenTransaction, StringComparison.Ordinal);
        using var client = bank.AsUser(Teller);
        var (response, body) = await client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                // Navigation is served: then only from an allowed row, and only allowed rows.
                Assert.True(fromAllowedRow, $"GET {url} answered 200 for a forbidden row: {ODataAssert.Shorten(body)}");
                Assert.DoesNotContain("2025-10-31", body, StringComparison.Ordinal);
                Assert.DoesNotContain("\"DE", body, StringComparison.Ordinal);
                if (url.EndsWith("/balances/$count", StringComparison.Ordinal))
                {
                    Assert.Equal("2", body);
                }
            }
            else
            {
                // Not supported, or not found: an error that carries no row.
                ODataAssert.AssertClientErrorOr501(response, body, "GET " + url);
                Assert.DoesNotContain("\"value\"", body, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Corners of the URL syntax: each is either refused, or served with the teller's rows only.</summary>
    public static TheoryData<string> ExoticUrls => new()
    {
        "accounts?$filter=$it/currency eq 'EUR' or true&$count=true",
        "accounts?$filter=$root/accounts('{forbidden}')/currency eq 'EUR'&$count=true",
        "accounts?$filter=iban eq @x&@x='{forbidden}'",
        "accounts?$filter=@x&@x=true&$count=true",
        "accounts?$filter=cast(iban,Edm.String) eq '{forbidden}'",
        "accounts?$filter=isof('Virtualization.accounts')&$count=true",
        "ACCOUNTS?$count=true",
        "Accounts('{forbidden}')",
        "accounts/{forbidden}",
        "accounts/{forbidden}/currency",
        "accounts(iban='{forbidden}')",
        "accounts('{forbidden}')/Virtualization.accounts",
        "accounts?$top=3&$expand=*&$count=true",
        "accounts?$top=3&$expand=*($levels=2)",
        "accounts?$top=3&$expand=transactions/$ref",
        "accounts?$top=3&$expand=transactions($count=true)",
        "accounts?$apply=aggregate($count as n)",
        "accounts?$compute=iban as x&$select=x",
        "accounts?$compute=iban as x&$filter=x eq '{forbidden}'&$select=iban,x&$count=true",
        "accounts?$compute=concat(iban,'') as x&$orderby=x&$select=iban,x&$count=true",
        "accounts?$count=true&$skiptoken=",
        "accounts?$filter=transactions/any(t:t/iban eq '{forbidden}')",
        "accounts?$filter=transactions/all(t:startswith(t/iban,'CH'))&$count=true",
        // A transaction's own iban is the teller's even where its account is not (decision 73): read the accounts only
        // through the expansion, where a hidden one must be absent, as it must be to the path.
        "transactions?$filter=accounts/currency eq 'EUR'&$select=transaction_id&$expand=accounts($select=iban)",
        "transactions?$orderby=accounts/currency&$select=transaction_id&$expand=accounts($select=iban)",
        "transactions?$orderby=accounts/currency desc,accounts/opened_on&$top=50&$select=transaction_id&$expand=accounts($select=iban,currency)",
        "accounts?$orderby=transactions/$count desc&$top=1",
        "$batch",
        "$crossjoin(accounts,bank_customers)",
        "$all",
        "$entity?$id=accounts('{forbidden}')",
        "accounts?$search=\"{forbidden}\"&$count=true",
        "accounts?$format=application/json;odata.metadata=full&$top=2&$count=true",
    };

    [Theory]
    [MemberData(nameof(ExoticUrls))]
    public async Task ExoticSyntax_NeverServesAForbiddenRow(string template)
    {
        var forbidden = await ForbiddenAccountsAsync();
        var sample = (await SampleForbiddenAccountsAsync())[0];
        var url = template.Replace("{forbidden}", sample, StringComparison.Ordinal);
        using var client = bank.AsUser(Teller);
        var (response, body) = await client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                ODataAssert.AssertClientErrorOr501(response, body, "GET " + url);
                Assert.DoesNotContain("\"value\"", body, StringComparison.Ordinal);
                return;
            }

            var json = JsonDocument.Parse(body).RootElement;
            var ibans = new List<string>();
            Collect(json, ibans);
            var leaked = ibans.Where(forbidden.Contains).ToList();
            Assert.True(leaked.Count == 0, $"GET {url} served forbidden accounts: {string.Join(", ", leaked.Take(5))}");
            Assert.All(ibans, i => Assert.StartsWith("CH", i, StringComparison.Ordinal));
            if (json.TryGetProperty("@odata.count", out var count))
            {
                Assert.InRange(count.GetInt64(), 0, 1000);
            }
        }

        static void Collect(JsonElement element, List<string> ibans)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (property.Name == "iban" && property.Value.ValueKind == JsonValueKind.String)
                        {
                            ibans.Add(property.Value.GetString()!);
                        }

                        Collect(property.Value, ibans);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Collect(item, ibans);
                    }

                    break;
            }
        }
    }

    // ---- Counts. --------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("accounts", SecureBankFixture.TellerAccountsSql, "core.accounts")]
    [InlineData("transactions", SecureBankFixture.TellerTransactionsSql, "core.transactions")]
    [InlineData("balances", SecureBankFixture.TellerBalancesSql, "core.balances")]
    public async Task Counts_EqualTheAllowedRowsExactly_OnEveryPath(string set, string allowedSql, string table)
    {
        var expected = await bank.BankCountAsync($"SELECT count(*) FROM {table} WHERE {allowedSql}");
        var total = await bank.BankCountAsync($"SELECT count(*) FROM {table}");
        Assert.True(expected < total);
        using var client = bank.AsUser(Teller);
        Assert.Equal(expected, await client.GetCountAsync($"{set}/$count"));
        Assert.Equal(expected, await client.GetCountAsync($"{set}/$count?$filter=true"));
        Assert.Equal(expected, await client.GetCountAsync($"{set}/$count?$filter=iban eq 'x' or true"));
        Assert.Equal(expected, (await client.GetJsonAsync($"{set}?$count=true&$top=0")).GetProperty("@odata.count").GetInt64());
        Assert.Equal(expected, (await client.GetJsonAsync($"{set}?$count=true&$top=1&$skip=99999999")).GetProperty("@odata.count").GetInt64());
        Assert.Equal(0, await client.GetCountAsync($"{set}/$count?$filter=startswith(iban,'DE')"));

        // The control: the admin counts every row.
        using var admin = bank.AsUser("admin");
        Assert.Equal(total, await admin.GetCountAsync($"{set}/$count"));
    }

    // ---- nextLink: minted for another principal, tampered, or moved to another query. ------------------------------

    [Fact]
    public async Task NextLink_MintedForTheAdmin_IsRefusedForTheTeller()
    {
        using var admin = bank.AsUser("admin");
        using var client = bank.AsUser(Teller);
        foreach (var url in new[] { "accounts?$select=iban", "accounts?$select=iban&$filter=true", "transactions?$select=transaction_id,iban", "balances" })
        {
            var adminLink = await NextLinkAsync(admin, url);
            var (response, body) = await client.SendAsync(HttpMethod.Get, adminLink, ("Prefer", "odata.maxpagesize=100"));
            using (response)
            {
                var error = ODataAssert.AssertError(response, body, HttpStatusCode.BadRequest, "the admin's link followed by the teller: " + adminLink);
                Assert.Equal("InvalidSkipToken", error.GetProperty("code").GetString());
                Assert.DoesNotContain("\"value\"", body, StringComparison.Ordinal);
            }

            // And the other way round: the teller's link does not continue the admin's query either.
            var tellerLink = await NextLinkAsync(client, url);
            var (back, backBody) = await admin.SendAsync(HttpMethod.Get, tellerLink);
            using (back)
            {
                ODataAssert.AssertError(back, backBody, HttpStatusCode.BadRequest, "the teller's link followed by the admin");
            }
        }
    }

    [Fact]
    public async Task NextLink_TamperedOrMovedToAnotherQuery_IsRefused()
    {
        using var client = bank.AsUser(Teller);
        var link = await NextLinkAsync(client, "accounts?$select=iban");
        var token = Uri.UnescapeDataString(link[(link.IndexOf("$skiptoken=", StringComparison.Ordinal) + "$skiptoken=".Length)..]);
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        var payload = token[..dot];
        var mac = token[(dot + 1)..];

        // A payload that continues after the admin's first page (a DE account), with the teller's own signature.
        var json = System.Text.Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(payload));
        var forbidden = (await SampleForbiddenAccountsAsync())[0];
        var moved = System.Text.RegularExpressions.Regex.Replace(json, "CH[0-9]+", forbidden);
        var tampered = new[]
        {
            Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(moved) + "." + mac,
            payload + "." + Flip(mac),
            Flip(payload) + "." + mac,
            payload + "." + mac[..^2],
            payload,
            payload + ".",
            "." + mac,
            "x",
            string.Empty,
        };
        foreach (var candidate in tampered)
        {
            var url = "accounts?$select=iban&$skiptoken=" + Uri.EscapeDataString(candidate);
            var (response, body) = await client.SendAsync(HttpMethod.Get, url, ("Prefer", "odata.maxpagesize=100"));
            using (response)
            {
                ODataAssert.AssertError(response, body, HttpStatusCode.BadRequest, "GET " + url);
            }
        }

        // The genuine token on another query (a different filter, select, order, or set).
        foreach (var other in new[] { "accounts?$select=iban&$filter=true", "accounts?$select=iban,currency", "accounts?$select=iban&$orderby=iban desc", "transactions?$select=iban", "accounts?$select=iban&$search=CH" })
        {
            var url = other + "&$skiptoken=" + Uri.EscapeDataString(token);
            var (response, body) = await client.SendAsync(HttpMethod.Get, url, ("Prefer", "odata.maxpagesize=100"));
            using (response)
            {
                ODataAssert.AssertError(response, body, HttpStatusCode.BadRequest, "GET " + url);
            }
        }
    }

    [Fact]
    public async Task NextLink_WalkedByTheTeller_ReturnsExactlyTheAllowedRows()
    {
        var expected = await bank.BankStringsAsync($"SELECT iban FROM core.accounts WHERE {SecureBankFixture.TellerAccountsSql} ORDER BY iban COLLATE \"C\"");
        using var client = bank.AsUser(Teller);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Prefer", "odata.maxpagesize=90");
        var (keys, count) = await client.GetAllKeysAsync("accounts?$select=iban&$filter=iban ne 'x' or true&$count=true", ["iban"]);
        Assert.Equal(expected, keys);
        Assert.Equal(expected.Count, count);
    }

    // ---- Claims: missing, hostile, or from a bearer token. -----------------------------------------------------

    [Fact]
    public async Task MissingClaim_GrantsNoRows()
    {
        using var client = bank.AsUser("noclaims");
        Assert.Equal(0, await client.GetCountAsync("accounts/$count"));
        Assert.Equal(0, await client.GetCountAsync("transactions/$count?$filter=true"));
        Assert.Equal(0, await client.GetCountAsync("balances/$count"));
        Assert.Empty(await client.GetValuesAsync("accounts?$filter=iban ne 'x' or true"));
    }

    [Theory]
    [InlineData("CHF' or true or 'a' eq 'a", "CH' or true or 'a' eq 'a")]
    [InlineData("CHF') or (1 eq 1", "CH') or (1 eq 1")]
    [InlineData("' or ''='", "%")]
    [InlineData("CHF\u0000", "C_")]
    [InlineData("true", "true")]
    [InlineData("1 eq 1", "null")]
    [InlineData("@claims.currency", "@claims.country")]
    public async Task HostileClaimValues_AreLiterals_NeverFilterText(string currency, string country)
    {
        var token = bank.Token("oidc-hostile", ["teller"], new Dictionary<string, object> { ["currency"] = currency, ["country"] = country });
        using var client = bank.WithBearer(token);
        foreach (var url in new[] { "accounts/$count", "transactions/$count", "balances/$count" })
        {
            var (response, body) = await client.SendAsync(HttpMethod.Get, url);
            using (response)
            {
                // Either the set is not visible (the filter could not be built: it grants nothing), or no row matches,
                // or the database refuses the value (PostgreSQL text cannot hold U+0000): never a row.
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Assert.Equal("0", body);
                }
                else if (currency.Contains('\0', StringComparison.Ordinal))
                {
                    ODataAssert.AssertError(response, body, HttpStatusCode.BadRequest, "GET " + url);
                }
                else
                {
                    ODataAssert.AssertError(response, body, HttpStatusCode.NotFound, "GET " + url);
                }
            }
        }
    }

    // ---- Helpers. -------------------------------------------------------------------------------------------------

    private async Task<HashSet<string>> ForbiddenAccountsAsync()
        => (await bank.BankStringsAsync($"SELECT iban FROM core.accounts WHERE NOT ({SecureBankFixture.TellerAccountsSql})")).ToHashSet(StringComparer.Ordinal);

    /// <summary>A DE/EUR, a DE/USD and a closed CH/CHF account: forbidden for different reasons.</summary>
    private async Task<List<string>> SampleForbiddenAccountsAsync()
    {
        var result = new List<string>();
        foreach (var condition in new[] { "currency = 'EUR'", "currency = 'USD'", "currency = 'CHF' AND status = 'closed'" })
        {
            result.Add((await bank.BankStringsAsync($"SELECT iban FROM core.accounts WHERE {condition} ORDER BY iban LIMIT 1")).Single());
        }

        return result;
    }

    private static void AssertNoForbidden(string url, IEnumerable<string> keys, HashSet<string> forbidden)
    {
        var leaked = keys.Where(forbidden.Contains).ToList();
        Assert.True(leaked.Count == 0, $"GET {url} returned {leaked.Count} forbidden rows, e.g. {string.Join(", ", leaked.Take(5))}");
    }

    private async Task AssertTransactionsAllowedAsync(string url, long[] ids)
    {
        var leaked = await bank.BankStringsAsync($"SELECT transaction_id FROM core.transactions WHERE transaction_id = ANY($1) AND NOT ({SecureBankFixture.TellerTransactionsSql})", ids);
        Assert.True(leaked.Count == 0, $"GET {url} returned forbidden transactions: {string.Join(", ", leaked.Take(5))}");
        var existing = await bank.BankCountAsync("SELECT count(*) FROM core.transactions WHERE transaction_id = ANY($1)", ids);
        Assert.Equal(ids.Distinct().Count(), existing);
    }

    private static async Task<string> NextLinkAsync(HttpClient client, string url)
    {
        var (response, body) = await client.SendAsync(HttpMethod.Get, url, ("Prefer", "odata.maxpagesize=100"));
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {body}");
            return JsonDocument.Parse(body).RootElement.GetProperty("@odata.nextLink").GetString()!;
        }
    }

    private static async IAsyncEnumerable<JsonElement> WalkAsync(HttpClient client, string url)
    {
        string? next = url;
        while (next is not null)
        {
            var json = await client.GetJsonAsync(next);
            foreach (var row in json.GetProperty("value").EnumerateArray())
            {
                yield return row;
            }

            next = json.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
        }
    }

    private static string Flip(string text)
    {
        var middle = text.Length / 2;
        return text[..middle] + (text[middle] == 'A' ? 'B' : 'A') + text[(middle + 1)..];
    }
}

[Collection(MariaDbSecureBankCollection.Name)]
public sealed class MariaDbRowFilterBypassTests(MariaDbSecureBankFixture bank) : RowFilterBypassTests(bank);
