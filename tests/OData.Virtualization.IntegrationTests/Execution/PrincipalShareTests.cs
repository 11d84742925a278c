using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Security;
using OData.Virtualization.Security;

namespace OData.Virtualization.IntegrationTests.Execution;

/// <summary>
/// No principal holds more than its share of a source's statement slots (<c>MaxConcurrentQueriesPerPrincipal</c>,
/// half of <c>MaxConcurrentQueries</c> by default): an analyst's heavy queries leave a teller's key lookups a slot. The
/// heavy queries are made to wait deterministically — an admin connection holds an exclusive lock on
/// <c>core.transactions</c>, so the analyst's statements sit in the database without using CPU — and what waits is
/// seen where an operator would see it, in <c>pg_stat_activity</c>.
/// </summary>
public sealed class PrincipalShareTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string TellerAccounts = "SELECT iban FROM core.accounts WHERE currency = 'CHF' AND status <> 'closed' ORDER BY iban LIMIT 6";

    [Fact]
    public async Task OnePrincipalsSlowQueries_HoldAtMostItsShare_AnotherPrincipalsKeyLookupsAnswer200()
    {
        // Defaults except two slots: the analyst may hold one of them.
        await using var bank = await ShareServer.StartAsync(_ => { });
        using var analyst = bank.Analyst();
        using var teller = bank.Teller();
        var ibans = await bank.ReadStringsAsync(TellerAccounts);

        await using var locked = await bank.LockTransactionsAsync();
        // Two different statements (with caching on, identical ones would be one statement anyway).
        var heavy = new[]
        {
            analyst.SendAsync(HttpMethod.Get, "transactions?$top=5&$select=transaction_id"),
            analyst.SendAsync(HttpMethod.Get, "transactions?$top=5&$select=iban"),
        };
        await bank.WaitForBlockedAsync(1);

        var watch = Stopwatch.StartNew();
        var lookups = await Task.WhenAll(ibans.Select(async iban =>
        {
            var (response, body) = await teller.SendAsync(HttpMethod.Get, $"accounts({ODataAssert.StringLiteral(iban)})?$select=iban");
            using (response)
            {
                return (iban, response.StatusCode, body);
            }
        }));
        output.WriteLine($"{lookups.Length} key lookups in {watch.Elapsed.TotalMilliseconds:F0} ms while the analyst's queries wait");

        Assert.All(lookups, l => Assert.True(l.StatusCode == HttpStatusCode.OK, $"accounts('{l.iban}'): {(int)l.StatusCode} {ODataAssert.Shorten(l.body)}"));
        Assert.All(lookups, l => Assert.Equal(l.iban, JsonDocument.Parse(l.body).RootElement.GetProperty("iban").GetString()));
        Assert.Contains(heavy, t => !t.IsCompleted); // the analyst's statement still holds its slot
        Assert.Equal(1, await bank.BlockedAsync()); // and only one: its share

        await locked.DisposeAsync();
        var outcomes = await Task.WhenAll(heavy);
        foreach (var (response, body) in outcomes)
        {
            using (response)
            {
                output.WriteLine($"analyst: {(int)response.StatusCode}");
                // The one that waited for its own first statement may have waited past the connect timeout.
                Assert.True(response.StatusCode == HttpStatusCode.OK || IsSourceBusy(response, body), $"{(int)response.StatusCode}: {ODataAssert.Shorten(body)}");
            }
        }

        Assert.Contains(outcomes, o => o.Response.StatusCode == HttpStatusCode.OK);
    }

    [Fact]
    public async Task PrincipalOverItsShare_WaitsForItsOwnStatement_ThenSourceBusy_AndEveryEndReturnsTheShare()
    {
        // One second to wait for a slot; the blocked statement is cancelled by the database after three.
        await using var bank = await ShareServer.StartAsync(s =>
        {
            s["OData:Sources:bank:ConnectTimeoutSeconds"] = "1";
            s["OData:Sources:bank:CommandTimeoutSeconds"] = "3";
            s["OData:Sources:bank:MaxConcurrentQueriesPerSet"] = "2"; // what is measured here is the principal's share, not the set's
        });
        using var analyst = bank.Analyst();
        using var teller = bank.Teller();

        await using (await bank.LockTransactionsAsync())
        {
            var first = analyst.SendAsync(HttpMethod.Get, "transactions?$top=5&$select=transaction_id");
            await bank.WaitForBlockedAsync(1);

            // The second statement of the same principal: a slot is free, its share is not.
            var watch = Stopwatch.StartNew();
            var (second, secondBody) = await analyst.SendAsync(HttpMethod.Get, "transactions?$top=5&$select=iban");
            using (second)
            {
                output.WriteLine($"second: {(int)second.StatusCode} after {watch.Elapsed.TotalSeconds:F2} s");
                Assert.True(IsSourceBusy(second, secondBody), $"{(int)second.StatusCode}: {ODataAssert.Shorten(secondBody)}");
                Assert.Contains("your share", JsonDocument.Parse(secondBody).RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
                Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"answered after {watch.Elapsed.TotalSeconds:F2} s: it did not wait for its own statement");
            }

            // The free slot is the teller's.
            Assert.Equal(HttpStatusCode.OK, (await teller.GetAsync("accounts?$top=1&$select=iban")).StatusCode);

            // The first ends by the statement timeout, still under the lock.
            var (timedOut, timedOutBody) = await first;
            using (timedOut)
            {
                Assert.True(timedOut.StatusCode is HttpStatusCode.GatewayTimeout or HttpStatusCode.ServiceUnavailable, $"{(int)timedOut.StatusCode}: {ODataAssert.Shorten(timedOutBody)}");
            }
        }

        // The time-out gave the share back (and the refusal never took one): the analyst runs statements again, one
        // after another and several at once, each waiting its turn.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(5, (await analyst.GetValuesAsync($"transactions?$top=5&$select=transaction_id&$skip={i}")).Count);
        }

        var together = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => analyst.GetAsync($"accounts?$top=2&$select=iban&$skip={i}")));
        Assert.All(together, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }

    private static bool IsSourceBusy(HttpResponseMessage response, string body)
        => response.StatusCode == HttpStatusCode.ServiceUnavailable
            && JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString() == "SourceBusy";

    /// <summary>A server over the bank database with two statement slots, and two principals: an analyst and a teller.</summary>
    private sealed class ShareServer : IAsyncDisposable
    {
        private readonly InProcessServer _server;
        private readonly string _application;
        private readonly string _connectionString;
        private readonly string _analystKey;
        private readonly string _tellerKey;

        private ShareServer(InProcessServer server, string application, string connectionString, string analystKey, string tellerKey)
        {
            _server = server;
            _application = application;
            _connectionString = connectionString;
            _analystKey = analystKey;
            _tellerKey = tellerKey;
        }

        public static async Task<ShareServer> StartAsync(Action<Dictionary<string, string?>> change)
        {
            var cluster = await PostgresCluster.GetAsync();
            var application = "odv-share-" + Guid.NewGuid().ToString("N")[..8];
            var connectionString = cluster.ConnectionString("bank");
            var settings = InProcessServer.PostgresSettings("bank", new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = application }.ConnectionString);
            settings["OData:Sources:bank:MaxConcurrentQueries"] = "2";
            settings["OData:Sources:bank:EntitySets:core.account_overview:Key:0"] = "iban";
            var (tellerKey, analystKey) = (SecretHasher.NewApiKey().Key, SecretHasher.NewApiKey().Key);
            // API key "powerbi" is a teller (CHF accounts), "scripts" reads everything (the analyst).
            SecureBankFixture.AddSecurity(settings, RandomNumberGenerator.GetBytes(32), tellerKey, analystKey);
            change(settings);
            var bank = new ShareServer(InProcessServer.Start(settings), application, connectionString, analystKey, tellerKey);
            using var teller = bank.Teller();
            Assert.Equal(HttpStatusCode.OK, (await teller.GetAsync("accounts?$top=1")).StatusCode); // started: discovery done
            return bank;
        }

        public HttpClient Analyst() => WithKey(_analystKey);

        public HttpClient Teller() => WithKey(_tellerKey);

        public async Task<List<string>> ReadStringsAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            var values = new List<string>();
            while (await reader.ReadAsync())
            {
                values.Add(reader.GetString(0));
            }

            return values;
        }

        /// <summary>Holds an exclusive lock on <c>core.transactions</c> until disposed: every statement reading it waits.</summary>
        public async Task<IAsyncDisposable> LockTransactionsAsync()
        {
            var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false, ApplicationName = "odv-share-lock" }.ConnectionString);
            await connection.OpenAsync();
            var transaction = await connection.BeginTransactionAsync();
            await using (var command = new NpgsqlCommand("LOCK TABLE core.transactions IN ACCESS EXCLUSIVE MODE", connection, transaction))
            {
                await command.ExecuteNonQueryAsync();
            }

            return new Lock(connection, transaction);
        }

        /// <summary>The server's statements waiting for a lock now.</summary>
        public async Task<long> BlockedAsync()
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false, ApplicationName = "odv-share-monitor" }.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND wait_event_type = 'Lock'", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = _application });
            return (long)(await command.ExecuteScalarAsync())!;
        }

        public async Task WaitForBlockedAsync(long count)
        {
            var watch = Stopwatch.StartNew();
            while (await BlockedAsync() < count)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"fewer than {count} of the server's statements ever waited for the lock");
                await Task.Delay(25);
            }
        }

        public async ValueTask DisposeAsync() => await _server.DisposeAsync();

        private HttpClient WithKey(string key)
        {
            var client = _server.NewClient();
            client.DefaultRequestHeaders.TryAddWithoutValidation("X-API-Key", key);
            return client;
        }

        private sealed class Lock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
        {
            private int _released;

            public async ValueTask DisposeAsync()
            {
                if (Interlocked.Exchange(ref _released, 1) == 0)
                {
                    await transaction.RollbackAsync();
                    await transaction.DisposeAsync();
                    await connection.DisposeAsync();
                }
            }
        }
    }
}
