using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// Two tellers with different row filters (CHF/CH and EUR/DE) send the same URLs at the same time, interleaved,
/// through the cache (hits, misses and single-flight joins all allowed): every answer holds only the caller's rows.
/// </summary>
[Collection(SecureBankCollection.Name)]
public class ScopeIsolationTests(SecureBankFixture bank)
{
    private static readonly string[] s_urls =
    [
        "accounts?$top=25&$select=iban,currency",
        "accounts/$count",
        "accounts?$count=true&$top=5&$orderby=opened_on desc",
        "transactions?$top=10&$select=transaction_id,iban,currency&$orderby=transaction_id desc",
        "transactions/$count?$filter=amount gt 1000",
        "balances?$top=10&$select=iban,as_of",
        "accounts('{iban}')",
    ];

    [Fact]
    public async Task SameRequests_FromTwoScopesAtOnce_NeverGetEachOthersRowsOrCachedEntries()
    {
        var swiss = new Caller("teller", "CH", "CHF", await ExpectedCountsAsync("CH", "CHF"));
        var german = new Caller("teller-de", "DE", "EUR", await ExpectedCountsAsync("DE", "EUR"));
        var swissAccount = (await bank.BankStringsAsync("SELECT iban FROM core.accounts WHERE currency = 'CHF' AND status <> 'closed' ORDER BY iban LIMIT 1")).Single();
        using var swissClient = bank.AsUser(swiss.User);
        using var germanClient = bank.AsUser(german.User);
        // Warm the Basic credentials so that the requests below really run at the same time.
        await swissClient.GetAsync("$metadata");
        await germanClient.GetAsync("$metadata");

        var outcomes = new ConcurrentBag<string>();
        var failures = new ConcurrentQueue<string>();
        for (var round = 0; round < 2; round++)
        {
            // 50 requests each, interleaved: the same URL from both callers back to back.
            var requests = new List<Task>();
            for (var i = 0; i < 50; i++)
            {
                var url = s_urls[i % s_urls.Length].Replace("{iban}", swissAccount, StringComparison.Ordinal);
                requests.Add(CheckAsync(swissClient, swiss, url, outcomes, failures));
                requests.Add(CheckAsync(germanClient, german, url, outcomes, failures));
            }

            await Task.WhenAll(requests);
        }

        Assert.True(failures.IsEmpty, string.Join(Environment.NewLine, failures.Take(20)));
        // The cache took part: some answers came from it (a hit or a joined flight), not only from the database.
        Assert.Contains(outcomes, o => o is "HIT" or "JOINED");
    }

    private static async Task CheckAsync(HttpClient client, Caller caller, string url, ConcurrentBag<string> outcomes, ConcurrentQueue<string> failures)
    {
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        if (response.Headers.TryGetValues("X-Cache", out var cache))
        {
            outcomes.Add(cache.First());
        }

        var what = $"{caller.User} GET {url}";
        if (url.StartsWith("accounts('", StringComparison.Ordinal))
        {
            // The Swiss account: the Swiss teller reads it, the German one gets a 404.
            var expected = caller.Country == "CH" ? HttpStatusCode.OK : HttpStatusCode.NotFound;
            if (response.StatusCode != expected)
            {
                failures.Enqueue($"{what}: expected {(int)expected}, got {(int)response.StatusCode}: {ODataAssert.Shorten(body)}");
            }

            return;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            failures.Enqueue($"{what}: {(int)response.StatusCode} {ODataAssert.Shorten(body)}");
            return;
        }

        if (url.Contains("/$count", StringComparison.Ordinal))
        {
            var key = url.Split('/')[0];
            var count = long.Parse(body, CultureInfo.InvariantCulture);
            if (count != caller.Counts[key])
            {
                failures.Enqueue($"{what}: count {count}, expected {caller.Counts[key]} (the other caller's count is another number)");
            }

            return;
        }

        var json = JsonDocument.Parse(body).RootElement;
        if (json.TryGetProperty("@odata.count", out var total) && total.GetInt64() != caller.Counts["accounts"])
        {
            failures.Enqueue($"{what}: @odata.count {total.GetInt64()}, expected {caller.Counts["accounts"]}");
        }

        var rows = json.GetProperty("value").EnumerateArray().ToList();
        if (rows.Count == 0)
        {
            failures.Enqueue($"{what}: no rows");
        }

        foreach (var row in rows)
        {
            var iban = row.GetProperty("iban").GetString()!;
            if (!iban.StartsWith(caller.Country, StringComparison.Ordinal)
                || (row.TryGetProperty("currency", out var currency) && url.StartsWith("accounts", StringComparison.Ordinal) && currency.GetString() != caller.Currency)
                || (row.TryGetProperty("as_of", out var asOf) && string.CompareOrdinal(asOf.GetString(), "2025-11-30") < 0))
            {
                failures.Enqueue($"{what}: a row of another scope: {row}");
            }
        }
    }

    private async Task<Dictionary<string, long>> ExpectedCountsAsync(string country, string currency) => new(StringComparer.Ordinal)
    {
        ["accounts"] = await bank.BankCountAsync("SELECT count(*) FROM core.accounts WHERE currency = $1 AND status <> 'closed'", currency),
        ["transactions"] = await bank.BankCountAsync("SELECT count(*) FROM core.transactions WHERE iban LIKE $1 AND amount > 1000", country + "%"),
    };

    private sealed record Caller(string User, string Country, string Currency, Dictionary<string, long> Counts);
}

[Collection(MariaDbSecureBankCollection.Name)]
public sealed class MariaDbScopeIsolationTests(MariaDbSecureBankFixture bank) : ScopeIsolationTests(bank);
