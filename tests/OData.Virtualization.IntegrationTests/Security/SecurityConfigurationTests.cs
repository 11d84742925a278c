using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OData.Virtualization.Caching;
using OData.Virtualization.IntegrationTests.Errors;
using OData.Virtualization.IntegrationTests.Infrastructure;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// Security configuration that cannot work stops the server with an explanation: policies naming an unknown set or
/// property, hiding or masking a key, masking a number, a row filter that does not parse, Redis without encryption
/// keys. And the cache's encryption itself: round trip, tampering, key rotation.
/// </summary>
public sealed class SecurityConfigurationTests
{
    private const string Policy = "OData:Security:Policies:0:";

    [Fact]
    public async Task PolicyForAnUnknownSet_StopsTheServer_ListingThePublishedSets()
    {
        var message = await StartupFailureAsync(s => s[Policy + "EntitySets:no_such_set:RowFilter"] = "true");
        Assert.Contains("OData:Security:Policies:0 ('broken'):EntitySets:no_such_set: no entity set has that name", message, StringComparison.Ordinal);
        Assert.Contains("accounts", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PolicyMaskingAKey_StopsTheServer()
    {
        var message = await StartupFailureAsync(s => s[Policy + "EntitySets:accounts:MaskedColumns:iban"] = "4");
        Assert.Contains("'iban' is part of the key of 'accounts' and cannot be hidden or masked", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PolicyHidingAPartOfACompositeKey_StopsTheServer()
    {
        var message = await StartupFailureAsync(s => s[Policy + "EntitySets:balances:HiddenColumns:0"] = "as_of");
        Assert.Contains("'as_of' is part of the key of 'balances'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("currency eq")]
    [InlineData("currency eq 'CHF' and")]
    [InlineData("no_such_column eq 1")]
    [InlineData("startswith(iban,@claims.country")]
    [InlineData("currency eq 'CHF') or (true")]
    public async Task PolicyWithAnUnparsableRowFilter_StopsTheServer_QuotingTheFilter(string filter)
    {
        var message = await StartupFailureAsync(s => s[Policy + "EntitySets:accounts:RowFilter"] = filter);
        Assert.Contains($"OData:Security:Policies:0 ('broken'):EntitySets:accounts:RowFilter '{filter}' is not a valid $filter for 'accounts'", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PolicyMaskingANumberOrNamingAnUnknownColumn_StopsTheServer()
    {
        var message = await StartupFailureAsync(s =>
        {
            s[Policy + "EntitySets:accounts:MaskedColumns:interest_rate"] = "2";
            s[Policy + "EntitySets:accounts:HiddenColumns:0"] = "no_such_column";
        });
        Assert.Contains("'interest_rate' is not text and cannot be masked", message, StringComparison.Ordinal);
        Assert.Contains("'no_such_column' is not a property of 'accounts'", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralPolicyErrors_AreReportedAtOnce()
    {
        var message = await StartupFailureAsync(s =>
        {
            s[Policy + "EntitySets:no_such_set:RowFilter"] = "true";
            s[Policy + "EntitySets:accounts:MaskedColumns:iban"] = "4";
            s[Policy + "EntitySets:transactions:RowFilter"] = "amount gt";
        });
        Assert.Contains("no_such_set", message, StringComparison.Ordinal);
        Assert.Contains("'iban' is part of the key", message, StringComparison.Ordinal);
        Assert.Contains("RowFilter 'amount gt'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("blank")] // how an operator revokes a leaked key at once: a rejected reload would keep it working
    [InlineData("truncated")]
    [InlineData("upper-case")]
    [InlineData("trailing newline")] // read from a secret file
    public async Task UnusableCredentialHash_TheServerStarts_RefusesThatCredential_AndSaysHowToCreateOne(string variant)
    {
        const string Key = "odv_a-key-whose-hash-is-unusable";
        var right = OData.Virtualization.Security.SecretHasher.HashApiKey(Key);
        var hash = variant switch
        {
            "blank" => string.Empty,
            "truncated" => right[..^1],
            "upper-case" => "sha256$" + right[7..].ToUpperInvariant(),
            _ => right + "\n",
        };
        var cluster = await PostgresCluster.GetAsync();
        var settings = InProcessServer.PostgresSettings("bank", cluster.ConnectionString("bank"));
        settings["OData:Security:AllowAnonymous"] = "false";
        settings["OData:Security:ApiKeys:erp-sync:KeyHash"] = hash;
        settings["OData:Security:Users:alice:PasswordHash"] = "secret";
        var log = new OData.Virtualization.IntegrationTests.Errors.LogCapture();
        await using var factory = new InProcessServer(settings, log: log);
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost/odata/") });

        using var request = new HttpRequestMessage(HttpMethod.Get, "accounts?$top=1");
        request.Headers.Add("X-API-Key", Key);
        using var response = await client.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);

        Assert.Contains(log.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("OData:Security:ApiKeys:erp-sync:KeyHash is not 'sha256$' followed by 64 lower-case hex digits", StringComparison.Ordinal) && l.Message.Contains("hash-api-key", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("OData:Security:Users:alice:PasswordHash is not a 'pbkdf2-sha256$", StringComparison.Ordinal) && l.Message.Contains("hash-password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RedisWithoutEncryptionKeys_StopsTheServer()
    {
        var message = await OptionsFailureAsync(s => s["OData:Cache:Redis"] = "127.0.0.1:1,abortConnect=false");
        Assert.Contains("OData:Cache:Redis is set but OData:Cache:EncryptionKeys is empty", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-colon-here", "'id:base64-of-32-random-bytes'")]
    [InlineData("k1:AAAAAAAAAAAAAAAAAAAAAA==", "has 16 bytes; AES-256 needs exactly 32")]
    public async Task RedisWithAMalformedEncryptionKey_StopsTheServer(string key, string expected)
    {
        var message = await OptionsFailureAsync(s =>
        {
            s["OData:Cache:Redis"] = "127.0.0.1:1,abortConnect=false";
            s["OData:Cache:EncryptionKeys:0"] = key;
        });
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("AAAAAAAAAAAAAAAAAAAAAA==", message, StringComparison.Ordinal); // the key material is not echoed
    }

    /// <summary>
    /// Options errors stop the real server (the host prints them to standard error, which is process-wide and not
    /// captured here); the same wiring, resolved on its own, says why.
    /// </summary>
    private static async Task<string> OptionsFailureAsync(Action<Dictionary<string, string?>> change)
    {
        await StartupFailureAsync(change);
        var cluster = await PostgresCluster.GetAsync();
        var settings = new Dictionary<string, string?>
        {
            ["OData:Sources:bank:Provider"] = "PostgreSQL",
            ["OData:Sources:bank:ConnectionString"] = cluster.ConnectionString("bank"),
        };
        change(settings);
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.LoggingServiceCollectionExtensions.AddLogging(services);
        OData.Virtualization.Hosting.ServiceCollectionExtensions.AddODataVirtualization(services, configuration);
        await using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        var exception = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.Extensions.Options.IOptions<OData.Virtualization.Configuration.VirtualizationOptions>>(provider).Value);
        return Describe(exception);
    }

    // ---- The cache's encryption (unit level). ------------------------------------------------------------------------

    [Fact]
    public void EncryptingSerializer_RoundTrips_AndHidesThePlainText()
    {
        var serializer = new EncryptingSerializer(new FusionCacheSystemTextJsonSerializer(), [NewKey("k1")]);
        var entry = new CacheProbe("CH0200762003215323265", 1234.56m);
        var sealedEntry = serializer.Serialize(entry);
        Assert.Equal(entry, serializer.Deserialize<CacheProbe>(sealedEntry));
        Assert.DoesNotContain("CH0200762003215323265", Encoding.UTF8.GetString(sealedEntry), StringComparison.Ordinal);
        Assert.NotEqual(sealedEntry, serializer.Serialize(entry)); // a fresh nonce every time
    }

    [Fact]
    public async Task EncryptingSerializer_RoundTripsAsync()
    {
        var serializer = new EncryptingSerializer(new FusionCacheSystemTextJsonSerializer(), [NewKey("k1")]);
        var entry = new CacheProbe("DE24370400440530007919", -0.01m);
        Assert.Equal(entry, await serializer.DeserializeAsync<CacheProbe>(await serializer.SerializeAsync(entry)));
    }

    [Fact]
    public void EncryptingSerializer_RejectsATamperedEntry()
    {
        var serializer = new EncryptingSerializer(new FusionCacheSystemTextJsonSerializer(), [NewKey("k1")]);
        var sealedEntry = serializer.Serialize(new CacheProbe("CH0200762003215323265", 1m));
        for (var position = 0; position < sealedEntry.Length; position++)
        {
            var tampered = (byte[])sealedEntry.Clone();
            tampered[position] ^= 0x01;
            Assert.ThrowsAny<CryptographicException>(() => serializer.Deserialize<CacheProbe>(tampered));
        }

        Assert.ThrowsAny<CryptographicException>(() => serializer.Deserialize<CacheProbe>(sealedEntry[..^1]));
        Assert.ThrowsAny<CryptographicException>(() => serializer.Deserialize<CacheProbe>([]));
        Assert.ThrowsAny<CryptographicException>(() => serializer.Deserialize<CacheProbe>(Encoding.UTF8.GetBytes("{\"Iban\":\"x\",\"Amount\":1}")));
    }

    [Fact]
    public void EncryptingSerializer_AfterRotation_OpensEntriesSealedWithTheOlderKey_AndSealsWithTheNewOne()
    {
        var k1 = NewKey("k1");
        var k2 = NewKey("k2");
        var before = new EncryptingSerializer(new FusionCacheSystemTextJsonSerializer(), [k1]);
        var during = new EncryptingSerializer(new FusionCacheSystemTextJsonSerializer(), [k2, k1]);
        var after = new EncryptingSerializer(new FusionCacheSystemTextJsonSerializer(), [k2]);
        var entry = new CacheProbe("CH0200762003215323265", 42m);

        var old = before.Serialize(entry);
        Assert.Equal(entry, during.Deserialize<CacheProbe>(old)); // old entries still open during the rotation

        var fresh = during.Serialize(entry);
        Assert.Equal(entry, after.Deserialize<CacheProbe>(fresh)); // new entries are sealed with the new key
        Assert.ThrowsAny<CryptographicException>(() => before.Deserialize<CacheProbe>(fresh));
        Assert.ThrowsAny<CryptographicException>(() => after.Deserialize<CacheProbe>(old)); // the retired key is gone

        // Another key that claims the same id does not open the entry either.
        var impostor = new EncryptingSerializer(new FusionCacheSystemTextJsonSerializer(), [NewKey("k1")]);
        Assert.ThrowsAny<CryptographicException>(() => impostor.Deserialize<CacheProbe>(old));
    }

    [Fact]
    public void EncryptingSerializer_RejectsMalformedKeys()
    {
        Assert.Throws<FormatException>(() => EncryptingSerializer.Parse("nocolon"));
        Assert.Throws<FormatException>(() => EncryptingSerializer.Parse(":" + Convert.ToBase64String(new byte[32])));
        Assert.Throws<FormatException>(() => EncryptingSerializer.Parse("k1:" + Convert.ToBase64String(new byte[31])));
        Assert.Throws<FormatException>(() => EncryptingSerializer.Parse("k1:not base64!"));
        Assert.Throws<ArgumentException>(() => new EncryptingSerializer(new FusionCacheSystemTextJsonSerializer(), []));
    }

    private static string NewKey(string id) => id + ":" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Starts a server over the bank with a broken policy 'broken' (role 'x') and returns everything it said.</summary>
    private static async Task<string> StartupFailureAsync(Action<Dictionary<string, string?>> change)
    {
        var cluster = await PostgresCluster.GetAsync();
        var settings = new Dictionary<string, string?>
        {
            ["OData:Sources:bank:Provider"] = "PostgreSQL",
            ["OData:Sources:bank:ConnectionString"] = cluster.ConnectionString("bank"),
            ["OData:Security:AllowAnonymous"] = "false",
            [Policy + "Name"] = "broken",
            [Policy + "Roles:0"] = "x",
        };
        change(settings);
        var log = new LogCapture();
        await using var factory = new InProcessServer(settings, log: log);
        var exception = Record.Exception(() => factory.CreateClient());
        Assert.NotNull(exception);
        return Describe(exception) + Environment.NewLine + string.Join(Environment.NewLine, log.Lines.Select(l => l.Message));
    }

    private static string Describe(Exception exception)
    {
        var parts = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            parts.Add(e.Message);
            if (e is AggregateException aggregate)
            {
                parts.AddRange(aggregate.InnerExceptions.Select(Describe));
            }

            if (e is Microsoft.Extensions.Options.OptionsValidationException validation)
            {
                parts.AddRange(validation.Failures);
            }

            if (e is ConfigurationException configuration)
            {
                parts.AddRange(configuration.Errors);
            }
        }

        return string.Join(Environment.NewLine, parts);
    }
}

public sealed record CacheProbe(string Iban, decimal Amount);
