using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Security;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// A server over the PostgreSQL seed (erp and bank) with authentication and policies configured, shared by the
/// security tests of the <see cref="SecureBankCollection"/>:
/// <list type="bullet">
/// <item>role <c>teller</c>: <c>accounts</c> of the claim's currency that are not closed (without
/// <c>overdraft_limit</c> and <c>status</c>), <c>transactions</c> whose IBAN starts with the claim's country
/// (counterparty masked to its last 4 characters), and <c>balances</c> of those IBANs from 2025-11-30 on; nothing
/// else;</item>
/// <item>role <c>risk</c>: every set, every row;</item>
/// <item>role <c>metered</c>: <c>accounts</c>, at most 3 requests a minute.</item>
/// </list>
/// Users (HTTP Basic): <c>teller</c> (CHF/CH), <c>teller-de</c> (EUR/DE), <c>noclaims</c> (teller without claims),
/// <c>admin</c> (risk), <c>outsider</c> (no role), <c>metered</c>. API keys: <c>powerbi</c> (teller, CHF/CH),
/// <c>scripts</c> (risk). Bearer JWTs signed with <see cref="SigningKey"/>.
/// </summary>
public class SecureBankFixture : IAsyncLifetime
{
    public const string Audience = "api://odata-virtualization-tests";
    public const string Issuer = "https://issuer.example.test/";
    public const string AuthorizationUri = "https://login.example.test/oauth2/authorize";
    public const string Realm = "OData Virtualization";

    /// <summary>Ground truth, as SQL over the bank database: the rows of <c>teller</c> (CHF, CH).</summary>
    public const string TellerAccountsSql = "currency = 'CHF' AND status <> 'closed'";

    public const string TellerTransactionsSql = "iban LIKE 'CH%'";

    public const string TellerBalancesSql = "iban LIKE 'CH%' AND as_of >= DATE '2025-11-30'";

    private static readonly Dictionary<string, (string[] Roles, Dictionary<string, string> Claims)> s_users = new(StringComparer.Ordinal)
    {
        ["teller"] = (["teller"], new() { ["currency"] = "CHF", ["country"] = "CH" }),
        ["teller-de"] = (["teller"], new() { ["currency"] = "EUR", ["country"] = "DE" }),
        ["noclaims"] = (["teller"], new()),
        ["admin"] = (["risk"], new()),
        ["outsider"] = ([], new()),
        ["metered"] = (["metered"], new()),
    };

    private InProcessServer? _server;

    public byte[] SigningKey { get; } = RandomNumberGenerator.GetBytes(32);

    public string PowerBiKey { get; } = SecretHasher.NewApiKey().Key;

    public string ScriptsKey { get; } = SecretHasher.NewApiKey().Key;

    public string BankConnectionString { get; protected set; } = string.Empty;

    public string ErpConnectionString { get; protected set; } = string.Empty;

    public IServiceProvider Services => _server!.Services;

    /// <summary>Each user's password (distinct per user, so that one user's password never opens another).</summary>
    public static string PasswordOf(string user) => "pw-" + user + "-Ünïcödé:and:colons";

    public async Task InitializeAsync()
    {
        var settings = await SeedSettingsAsync();
        // Enough for the interleaved concurrency test (the default is 8 at once per principal).
        settings["OData:Limits:ConcurrentRequests"] = "64";
        AddSecurity(settings, SigningKey, PowerBiKey, ScriptsKey);
        _server = InProcessServer.Start(settings); // discovery, policy validation
    }

    /// <summary>The seed databases' sources (and <see cref="ErpConnectionString"/>, <see cref="BankConnectionString"/>): PostgreSQL here.</summary>
    protected virtual async Task<Dictionary<string, string?>> SeedSettingsAsync()
    {
        var cluster = await PostgresCluster.GetAsync();
        ErpConnectionString = cluster.ConnectionString("erp");
        BankConnectionString = cluster.ConnectionString("bank");
        return PostgresFixture.SeedSettings(cluster);
    }

    /// <summary>The security settings described on the class.</summary>
    internal static void AddSecurity(Dictionary<string, string?> settings, byte[] signingKey, string powerBiKey, string scriptsKey)
    {
        const string security = "OData:Security:";
        settings[security + "AllowAnonymous"] = "false";
        foreach (var (user, (roles, claims)) in s_users)
        {
            settings[$"{security}Users:{user}:PasswordHash"] = SecretHasher.HashPassword(PasswordOf(user));
            for (var i = 0; i < roles.Length; i++)
            {
                settings[$"{security}Users:{user}:Roles:{i}"] = roles[i];
            }

            foreach (var (claim, value) in claims)
            {
                settings[$"{security}Users:{user}:Claims:{claim}"] = value;
            }
        }

        settings[security + "ApiKeys:powerbi:KeyHash"] = SecretHasher.HashApiKey(powerBiKey);
        settings[security + "ApiKeys:powerbi:Roles:0"] = "teller";
        settings[security + "ApiKeys:powerbi:Claims:currency"] = "CHF";
        settings[security + "ApiKeys:powerbi:Claims:country"] = "CH";
        settings[security + "ApiKeys:scripts:KeyHash"] = SecretHasher.HashApiKey(scriptsKey);
        settings[security + "ApiKeys:scripts:Roles:0"] = "risk";

        settings[security + "Jwt:SigningKey"] = Convert.ToBase64String(signingKey);
        settings[security + "Jwt:Audience"] = Audience;
        settings[security + "Jwt:Issuer"] = Issuer;
        settings[security + "Jwt:AuthorizationUri"] = AuthorizationUri;

        var tellers = security + "Policies:0:";
        settings[tellers + "Name"] = "tellers";
        settings[tellers + "Roles:0"] = "teller";
        settings[tellers + "EntitySets:accounts:RowFilter"] = "currency eq @claims.currency and status ne 'closed'";
        settings[tellers + "EntitySets:accounts:HiddenColumns:0"] = "overdraft_limit";
        settings[tellers + "EntitySets:accounts:HiddenColumns:1"] = "status";
        settings[tellers + "EntitySets:transactions:RowFilter"] = "startswith(iban,@claims.country)";
        settings[tellers + "EntitySets:transactions:MaskedColumns:counterparty"] = "4";
        settings[tellers + "EntitySets:balances:RowFilter"] = "startswith(iban,@claims.country) and as_of ge 2025-11-30";

        var risk = security + "Policies:1:";
        settings[risk + "Name"] = "risk";
        settings[risk + "Roles:0"] = "risk";
        settings[risk + "EntitySets:*:RowFilter"] = string.Empty;

        var metered = security + "Policies:2:";
        settings[metered + "Name"] = "metered";
        settings[metered + "Roles:0"] = "metered";
        settings[metered + "EntitySets:accounts:RowFilter"] = string.Empty;
        settings[metered + "Limits:RequestsPerMinute"] = "3";
    }

    /// <summary>A client without credentials.</summary>
    public HttpClient Anonymous() => NewClient();

    /// <summary>A client that sends HTTP Basic credentials (the user's own password unless given).</summary>
    public HttpClient AsUser(string user, string? password = null)
    {
        var client = NewClient();
        client.DefaultRequestHeaders.Authorization = BasicHeader(user, password ?? PasswordOf(user));
        return client;
    }

    public static AuthenticationHeaderValue BasicHeader(string user, string password)
        => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));

    public HttpClient WithApiKey(string key)
    {
        var client = NewClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-API-Key", key);
        return client;
    }

    public HttpClient WithBearer(string token)
    {
        var client = NewClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + token);
        return client;
    }

    /// <summary>A JWT as an identity provider would issue it; every parameter can be made wrong on purpose.</summary>
    public string Token(
        string subject,
        IReadOnlyList<string> roles,
        IReadOnlyDictionary<string, object>? claims = null,
        string audience = Audience,
        string issuer = Issuer,
        DateTime? expires = null,
        byte[]? key = null)
    {
        var now = DateTime.UtcNow;
        var expiry = expires ?? now.AddMinutes(10);
        var payload = new Dictionary<string, object> { ["sub"] = subject, ["roles"] = roles.ToArray() };
        foreach (var (name, value) in claims ?? new Dictionary<string, object>())
        {
            payload[name] = value;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expiry.AddMinutes(-20),
            NotBefore = expiry.AddMinutes(-20),
            Expires = expiry,
            Claims = payload,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? SigningKey), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public HttpClient NewClient() => _server!.NewClient();

    /// <summary>Reads one text column of the bank database directly (ADO.NET): the independent witness.</summary>
    public virtual async Task<List<string>> BankStringsAsync(string sql, params object[] parameters)
    {
        var values = new List<string>();
        await using var connection = new NpgsqlConnection(BankConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture)!);
        }

        return values;
    }

    public async Task<long> BankCountAsync(string sql, params object[] parameters)
        => long.Parse((await BankStringsAsync(sql, parameters)).Single(), CultureInfo.InvariantCulture);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SecureBankCollection : ICollectionFixture<SecureBankFixture>
{
    public const string Name = "SecureBank";
}
