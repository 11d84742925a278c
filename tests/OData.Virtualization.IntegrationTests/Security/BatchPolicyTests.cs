using System.Net;
using System.Text;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// <c>$batch</c> under the secure bank's policies: every part is the batch caller's request, with its row filters,
/// hidden columns and ungranted sets exactly as alone; a part cannot bring credentials of its own; a batch without valid
/// credentials is refused as a whole. Compared with SQL over the bank database.
/// </summary>
[Collection(SecureBankCollection.Name)]
public class BatchPolicyTests(SecureBankFixture bank)
{
    private static readonly string[] s_urls =
    [
        "accounts?$select=iban,currency&$orderby=iban",
        "accounts/$count",
        "transactions/$count",
        "bank_customers?$top=1",
        "accounts?$select=status",
    ];

    [Fact]
    public async Task Teller_EveryPart_IsWhatTheSameGetAloneGives_RowFiltersHiddenColumnsAndUngrantedSets()
    {
        using var client = bank.AsUser("teller");
        foreach (var (content, type) in new[] { (BatchClient.JsonGets(s_urls), "application/json"), (BatchClient.MultipartGets("p1", s_urls), "multipart/mixed; boundary=p1") })
        {
            var (response, body) = await BatchClient.PostAsync(client, content, type, headers: ("Prefer", "odata.continue-on-error"));
            using (response)
            {
                var parts = BatchClient.Read(response, body);
                Assert.Equal(s_urls.Length, parts.Count);
                for (var i = 0; i < s_urls.Length; i++)
                {
                    using var alone = await client.GetAsync(s_urls[i]);
                    Assert.Equal((int)alone.StatusCode, parts[i].Status);
                    if (alone.IsSuccessStatusCode)
                    {
                        Assert.Equal(await alone.Content.ReadAsStringAsync(), parts[i].Body);
                    }
                }

                Assert.Equal([200, 200, 200, 404, 400], parts.Select(p => p.Status));
                var currencies = JsonDocument.Parse(parts[0].Body).RootElement.GetProperty("value").EnumerateArray().Select(r => r.GetProperty("currency").GetString()).Distinct().ToList();
                Assert.Equal(["CHF"], currencies);
                Assert.Equal(await bank.BankCountAsync($"SELECT count(*) FROM core.accounts WHERE {SecureBankFixture.TellerAccountsSql}"), long.Parse(parts[1].Body, System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(await bank.BankCountAsync($"SELECT count(*) FROM core.transactions WHERE {SecureBankFixture.TellerTransactionsSql}"), long.Parse(parts[2].Body, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    [Fact]
    public async Task APart_CannotBringCredentialsOfItsOwn_TheBatchCallersApply()
    {
        var tellers = await bank.BankCountAsync($"SELECT count(*) FROM core.accounts WHERE {SecureBankFixture.TellerAccountsSql}");
        var everyone = await bank.BankCountAsync("SELECT count(*) FROM core.accounts");
        Assert.True(tellers < everyone);
        var admin = SecureBankFixture.BasicHeader("admin", SecureBankFixture.PasswordOf("admin")).ToString();
        var json = JsonSerializer.Serialize(new
        {
            requests = new object[]
            {
                new { id = "1", method = "GET", url = "accounts/$count", headers = new Dictionary<string, string> { ["Authorization"] = admin } },
                new { id = "2", method = "GET", url = "accounts/$count", headers = new Dictionary<string, string> { ["X-API-Key"] = bank.ScriptsKey } },
            },
        });
        var multipart = BatchClient.Multipart("p2", ("GET", "accounts/$count", ["Authorization: " + admin]), ("GET", "accounts/$count", ["X-API-Key: " + bank.ScriptsKey]));
        using var client = bank.AsUser("teller");
        foreach (var (content, type) in new[] { (json, "application/json"), (multipart, "multipart/mixed; boundary=p2") })
        {
            var (response, body) = await BatchClient.PostAsync(client, content, type);
            using (response)
            {
                var parts = BatchClient.Read(response, body);
                Assert.Equal([200, 200], parts.Select(p => p.Status));
                Assert.All(parts, p => Assert.Equal(tellers, long.Parse(p.Body, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        // Without credentials on the batch, a part's own do not open it either: the whole batch is a 401.
        using var anonymous = bank.Anonymous();
        var (refused, refusedBody) = await BatchClient.PostAsync(anonymous, json, "application/json");
        using (refused)
        {
            ODataAssert.AssertError(refused, Encoding.UTF8.GetString(refusedBody), HttpStatusCode.Unauthorized, "anonymous batch");
            Assert.NotEmpty(refused.Headers.WwwAuthenticate);
        }
    }

    [Fact]
    public async Task WrongPassword_RefusesTheWholeBatch()
    {
        using var client = bank.AsUser("outsider", "not-the-password");
        var (response, body) = await BatchClient.PostAsync(client, BatchClient.JsonGets("accounts/$count"), "application/json");
        using (response)
        {
            ODataAssert.AssertError(response, Encoding.UTF8.GetString(body), HttpStatusCode.Unauthorized, "wrong password");
        }
    }
}

[Collection(MariaDbSecureBankCollection.Name)]
public sealed class MariaDbBatchPolicyTests(MariaDbSecureBankFixture bank) : BatchPolicyTests(bank);
