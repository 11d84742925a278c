using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Npgsql;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Errors;

/// <summary>
/// Start-up: a broken configuration stops the host and names every problem at once, with how to fix it; an
/// unreachable source does not hang the start or keep the other sources from being served.
/// </summary>
public abstract class StartupConfigurationTests(ServerFixture fixture)
{
    /// <summary>Standard error is process-wide: one start-up failure captures it at a time.</summary>
    private static readonly SemaphoreSlim s_console = new(1, 1);

    protected ServerFixture Fixture { get; } = fixture;

    private bool IsPostgres => Fixture.Dialect == "PostgreSQL";

    /// <summary>Settings that name the fixture's ERP database explicitly (the SQLite fixture otherwise relies on the demo).</summary>
    protected void UseExplicitSources(Dictionary<string, string?> settings)
    {
        if (!IsPostgres)
        {
            settings["OData:Sources:erp:Provider"] = "Sqlite";
            settings["OData:Sources:erp:ConnectionString"] = Fixture.ErpConnectionString;
            settings["OData:Sources:bank:Provider"] = "Sqlite";
            settings["OData:Sources:bank:ConnectionString"] = Fixture.BankConnectionString;
        }
    }

    private string CustomersObject => IsPostgres ? "public.customers" : "customers";

    private string MissingObject => IsPostgres ? "sales.no_such_table" : "no_such_table";

    [Fact]
    public async Task BrokenConfiguration_StopsTheHost_NamingEveryProblemAtOnce()
    {
        var message = await StartupFailureAsync(settings =>
        {
            UseExplicitSources(settings);
            settings["OData:Sources:legacy:Provider"] = "Oracle";
            settings["OData:Sources:legacy:ConnectionString"] = "Data Source=orcl";
            settings["OData:Sources:nocs:Provider"] = "PostgreSQL";
            settings[$"OData:Sources:erp:EntitySets:{CustomersObject}:Key:0"] = "no_such_column";
            settings[$"OData:Sources:erp:EntitySets:{MissingObject}:Name"] = "Ghosts";
        });

        Assert.Contains("legacy", message, StringComparison.Ordinal);
        Assert.Contains("Oracle", message, StringComparison.Ordinal);
        Assert.Contains("'PostgreSQL', 'Sqlite' or 'MySql'", message, StringComparison.Ordinal);
        Assert.Contains("OData:Sources:nocs:ConnectionString", message, StringComparison.Ordinal);
        Assert.Contains("no_such_column", message, StringComparison.Ordinal);
        Assert.Contains(MissingObject, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadProxyAddressOrNetwork_StopsTheHost_SayingWhatFormWorks()
    {
        var message = await StartupFailureAsync(settings =>
        {
            UseExplicitSources(settings);
            settings["OData:Transport:KnownProxies:0"] = "10.0.0.300";
            settings["OData:Transport:KnownNetworks:0"] = "10.244.0.0";
        });
        Assert.Contains("OData:Transport:KnownProxies has '10.0.0.300'", message, StringComparison.Ordinal);
        Assert.Contains("OData:Transport:KnownNetworks has '10.244.0.0'", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublicBaseUrlThatIsNotAnAbsoluteHttpUrl_StopsTheHost_SayingWhatFormWorks()
    {
        var message = await StartupFailureAsync(settings =>
        {
            UseExplicitSources(settings);
            settings["OData:Transport:PublicBaseUrl"] = "odata.example.com/gateway";
        });
        Assert.Contains("OData:Transport:PublicBaseUrl is 'odata.example.com/gateway'", message, StringComparison.Ordinal);
        Assert.Contains("https://odata.example.com", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShareOfSlotsBelowOne_StopsTheHost_SayingWhatWorks()
    {
        var message = await StartupFailureAsync(settings =>
        {
            UseExplicitSources(settings);
            settings["OData:Sources:erp:MaxConcurrentQueriesPerPrincipal"] = "0";
        });
        Assert.Contains("OData:Sources:erp:MaxConcurrentQueriesPerPrincipal is 0. Use at least 1", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownProvider_StopsTheHost_SayingWhichValuesWork()
    {
        var message = await StartupFailureAsync(settings =>
        {
            UseExplicitSources(settings);
            settings["OData:Sources:legacy:Provider"] = "Oracle";
            settings["OData:Sources:legacy:ConnectionString"] = "Data Source=orcl";
        });
        Assert.Contains("OData:Sources:legacy:Provider", message, StringComparison.Ordinal);
        Assert.Contains("'PostgreSQL', 'Sqlite' or 'MySql'", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingConnectionString_StopsTheHost_NamingTheSetting()
    {
        var message = await StartupFailureAsync(settings =>
        {
            UseExplicitSources(settings);
            settings["OData:Sources:nocs:Provider"] = "PostgreSQL";
        });
        Assert.Contains("OData:Sources:nocs:ConnectionString", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0123456789abcdef", "96 bits")] // 16 characters: 12 bytes of key material
    [InlineData("correct-horse-battery-staple-odv", "not base64")] // a passphrase as it would be typed
    [InlineData("Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5LXN0YXBsZS1vZHY=", "decodes to text")] // the same passphrase, base64-encoded
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "repeated pattern")] // 32 zero bytes
    public async Task WeakJwtSigningKey_StopsTheStart_SayingHowToCreateOne(string key, string expected)
    {
        var said = await StartupFailureAsync(s => Jwt(s, key));
        Assert.Contains("OData:Security:Jwt:SigningKey", said, StringComparison.Ordinal);
        Assert.Contains(expected, said, StringComparison.Ordinal);
        Assert.Contains("openssl rand -base64 32", said, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JwtWithoutIssuerOrAudience_StopsTheStart_UnlessTurnedOffByName()
    {
        var said = await StartupFailureAsync(s => Jwt(s, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), issuer: null, audience: null));
        Assert.Contains("OData:Security:Jwt:Issuer is missing", said, StringComparison.Ordinal);
        Assert.Contains("OData:Security:Jwt:Audience is missing", said, StringComparison.Ordinal);

        var problems = SigningKeys.Problems(new JwtOptions { SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), ValidateIssuer = false, ValidateAudience = false });
        Assert.Empty(problems);
    }

    private static void Jwt(Dictionary<string, string?> settings, string key, string? issuer = "https://issuer.example.test/", string? audience = "api://tests")
    {
        settings["OData:Security:Jwt:SigningKey"] = key;
        settings["OData:Security:Jwt:Issuer"] = issuer;
        settings["OData:Security:Jwt:Audience"] = audience;
    }

    [Fact]
    public async Task ConfiguredKeyColumnThatDoesNotExist_StopsTheHost_ListingTheColumns()
    {
        var message = await StartupFailureAsync(settings =>
        {
            UseExplicitSources(settings);
            settings[$"OData:Sources:erp:EntitySets:{CustomersObject}:Key:0"] = "no_such_column";
        });
        Assert.Contains("no_such_column", message, StringComparison.Ordinal);
        Assert.Contains("customer_id", message, StringComparison.Ordinal); // the columns that do exist
    }

    [Fact]
    public async Task EntitySetsEntryNamingNoTable_StopsTheHost_NamingTheEntry()
    {
        var message = await StartupFailureAsync(settings =>
        {
            UseExplicitSources(settings);
            settings[$"OData:Sources:erp:EntitySets:{MissingObject}:Name"] = "Ghosts";
        });
        Assert.Contains($"OData:Sources:erp:EntitySets:{MissingObject}", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokenConfiguration_AsARealProcess_ExitsWithCode2_PrintingEveryProblem()
    {
        var (exitCode, output) = await RunServerProcessAsync(new Dictionary<string, string>
        {
            ["OData__Sources__legacy__Provider"] = "Oracle",
            ["OData__Sources__legacy__ConnectionString"] = "Data Source=orcl",
            ["OData__Sources__nocs__Provider"] = "PostgreSQL",
            [$"OData__Sources__erp__EntitySets__{CustomersObject}__Key__0"] = "no_such_column",
            [$"OData__Sources__erp__EntitySets__{MissingObject}__Name"] = "Ghosts",
        });
        Assert.True(exitCode == 2, $"exit code {exitCode}: {output}");
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.Contains("OData:Sources:legacy:Provider", output, StringComparison.Ordinal);
        Assert.Contains("OData:Sources:nocs:ConnectionString", output, StringComparison.Ordinal);
        Assert.Contains("no_such_column", output, StringComparison.Ordinal);
        Assert.Contains(MissingObject, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidSourceSettings_AsARealProcess_ExitWithCode2_WithoutCrashing()
    {
        var (exitCode, output) = await RunServerProcessAsync(new Dictionary<string, string>
        {
            ["OData__Sources__legacy__Provider"] = "Oracle",
            ["OData__Sources__legacy__ConnectionString"] = "Data Source=orcl",
            ["OData__Sources__nocs__Provider"] = "PostgreSQL",
        });
        Assert.True(exitCode == 2, $"exit code {exitCode}: {output}");
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.Contains("cannot start", output, StringComparison.Ordinal);
        Assert.Contains("OData:Sources:legacy:Provider is 'Oracle'. Set it to 'PostgreSQL', 'Sqlite' or 'MySql' (alias 'MariaDB').", output, StringComparison.Ordinal);
        Assert.Contains("OData:Sources:nocs:ConnectionString is missing.", output, StringComparison.Ordinal);
    }

    /// <summary>Runs the real server executable with the fixture's sources plus <paramref name="extra"/>, as environment variables.</summary>
    private async Task<(int ExitCode, string Output)> RunServerProcessAsync(Dictionary<string, string> extra)
    {
        var provider = IsPostgres ? "PostgreSQL" : "Sqlite";
        var environment = new Dictionary<string, string>
        {
            ["OData__Sources__erp__Provider"] = provider,
            ["OData__Sources__erp__ConnectionString"] = Fixture.ErpConnectionString,
            ["OData__Sources__bank__Provider"] = provider,
            ["OData__Sources__bank__ConnectionString"] = Fixture.BankConnectionString,
        };
        foreach (var (name, value) in extra)
        {
            environment[name] = value;
        }

        await using var server = ServerProcess.Start("the server", environment);
        if (!await server.WaitForExitAsync(TimeSpan.FromSeconds(90)))
        {
            Assert.Fail("the server did not stop within 90 s on a broken configuration: " + server.Output);
        }

        return (server.ExitCode, server.Output);
    }

    [Fact]
    public async Task UnreachablePostgresSource_DoesNotHang_TheServerStartsLogsItAndServesTheOtherSources()
    {
        var port = ClosedPort.Find();
        var log = new LogCapture();
        await using var factory = await Fixture.StartAnotherAsync(
            settings =>
            {
                UseExplicitSources(settings);
                settings["OData:Sources:down:Provider"] = "PostgreSQL";
                settings["OData:Sources:down:ConnectionString"] = $"Host=127.0.0.1;Port={port};Username=nobody;Database=nothing";
                settings["OData:Sources:down:ConnectTimeoutSeconds"] = "2";
            },
            log: log);

        var watch = Stopwatch.StartNew();
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost/odata/") });
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"start-up took {watch.Elapsed}");

        Assert.Equal(2000, await client.GetCountAsync("erp_customers/$count"));
        Assert.Equal(10000, await client.GetCountAsync("bank_customers/$count"));
        var sets = (await client.GetValuesAsync("")).Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Contains("erp_customers", sets);
        Assert.Contains(log.Lines, l => l.Level >= LogLevel.Warning && l.Message.Contains("'down'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnreachableSourceOnly_StillStarts_WithAnEmptyServiceDocument()
    {
        var port = ClosedPort.Find();
        await using var factory = await Fixture.StartAnotherAsync(settings =>
        {
            settings.Keys.Where(k => k.StartsWith("OData:Sources:", StringComparison.Ordinal)).ToList().ForEach(k => settings.Remove(k));
            settings["OData:Sources:down:Provider"] = "PostgreSQL";
            settings["OData:Sources:down:ConnectionString"] = $"Host=127.0.0.1;Port={port};Username=nobody;Database=nothing";
            settings["OData:Sources:down:ConnectTimeoutSeconds"] = "1";
        });
        var watch = Stopwatch.StartNew();
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost/odata/") });
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"start-up took {watch.Elapsed}");
        Assert.Empty(await client.GetValuesAsync(""));
        await client.GetErrorAsync("erp_customers", HttpStatusCode.NotFound);
    }

    /// <summary>
    /// Starts a host with the changed settings, expects it not to start, and returns everything it told the
    /// operator: the exception, the log, and standard error (where Program prints the configuration errors).
    /// </summary>
    private async Task<string> StartupFailureAsync(Action<Dictionary<string, string?>> change)
    {
        var log = new LogCapture();
        await using var factory = await Fixture.StartAnotherAsync(change, log: log);
        var watch = Stopwatch.StartNew();
        Exception? exception;
        var stderr = new StringWriter();
        await s_console.WaitAsync();
        var original = Console.Error;
        try
        {
            Console.SetError(stderr);
            exception = Record.Exception(() => factory.CreateClient());
        }
        finally
        {
            Console.SetError(original);
            s_console.Release();
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"failing start-up took {watch.Elapsed}");
        Assert.NotNull(exception);
        return Describe(exception) + Environment.NewLine + string.Join(Environment.NewLine, log.Lines.Select(l => l.Message)) + Environment.NewLine + stderr;
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
        }

        return string.Join(Environment.NewLine, parts);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresStartupConfigurationTests(PostgresFixture fixture) : StartupConfigurationTests(fixture)
{
    [Fact]
    public async Task SourceThatGoesAwayAtRunTime_Answers503Quickly_AndTheOtherSourceKeepsServing()
    {
        var erp = new NpgsqlConnectionStringBuilder(Fixture.ErpConnectionString);
        await using var relay = new TcpRelay(erp.Host!, erp.Port);
        erp.Port = relay.Port;
        await using var factory = await Fixture.StartAnotherAsync(settings =>
        {
            settings["OData:Sources:erp:ConnectionString"] = erp.ConnectionString;
            settings["OData:Sources:erp:ConnectTimeoutSeconds"] = "2";
            settings["OData:Sources:erp:CommandTimeoutSeconds"] = "5";
        });
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost/odata/") });
        Assert.Equal("Hiroshi L. Novák", (await client.GetJsonAsync("erp_customers(1)")).GetProperty("name").GetString());

        relay.Stop();

        foreach (var url in new[] { "erp_customers(2)", "erp_customers?$top=5", "erp_customers/$count", "sales_orders?$filter=order_id eq 5000000001" })
        {
            var watch = Stopwatch.StartNew();
            var (response, body) = await client.SendAsync(HttpMethod.Get, url);
            using (response)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"{url} took {watch.Elapsed}");
                var error = ODataAssert.AssertError(response, body, HttpStatusCode.ServiceUnavailable, url);
                Assert.Equal("SourceUnavailable", error.GetProperty("code").GetString());
                Assert.NotEmpty(response.Headers.RetryAfter?.ToString() ?? string.Empty);
            }
        }

        Assert.Equal(10000, await client.GetCountAsync("bank_customers/$count"));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteStartupConfigurationTests(SqliteFixture fixture) : StartupConfigurationTests(fixture);
