using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Security;

namespace OData.Virtualization.IntegrationTests.Diagnostics;

/// <summary>
/// The metrics are not for the public: on the public port <c>/metrics</c> does not exist (404) unless a scrape token is
/// configured, and then only with that token; on the management port (real Kestrel, two listeners) they are served
/// without one; a <c>Host</c> header naming the management port does not fool the check.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class ScrapeAccessTests(SqliteFixture fixture)
{
    [Fact]
    public async Task Metrics_OnThePublicPort_ByDefault_DoNotExist()
    {
        using var response = await fixture.Client.GetAsync(new Uri("http://localhost/metrics"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("odata_", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_WithNoOneToReadThem_AreNotCollected_AndAreWithAReader()
    {
        // No management port and no scrape token: no meter provider listens, so requests pay nothing for metrics.
        await using (var unread = await fixture.StartAnotherAsync(_ => { }))
        {
            Assert.Null(unread.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());
        }

        await using var read = await fixture.StartAnotherAsync(settings => settings["OData:Telemetry:Metrics:ScrapeTokenHash"] = SecretHasher.HashApiKey(MetricsTests.ScrapeToken));
        Assert.NotNull(read.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());
    }

    [Fact]
    public async Task Metrics_WithAScrapeToken_OnlyWithThatToken()
    {
        await using var factory = await fixture.StartAnotherAsync(settings => settings["OData:Telemetry:Metrics:ScrapeTokenHash"] = SecretHasher.HashApiKey(MetricsTests.ScrapeToken));
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost/") });
        (await client.GetAsync("odata/erp_customers?$top=1")).Dispose();

        using (var anonymous = await client.GetAsync("metrics"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.StartsWith("Bearer", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        foreach (var token in new[] { "odv_wrong", MetricsTests.ScrapeToken + "x" })
        {
            using var wrong = new HttpRequestMessage(HttpMethod.Get, "metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
            using var denied = await client.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        }

        var samples = await MetricsTests.ScrapeAsync(client, new Uri("http://localhost/"));
        Assert.Contains(samples, s => s.Name == "odata_requests_total" && s.Label("entity_set") == "erp_customers");
    }

    [Fact]
    public async Task Metrics_OnTheManagementPort_ServedWithoutToken_NotOnThePublicPort_WhateverTheHostHeader()
    {
        var management = LocalProcess.FreePort();
        await using var factory = await fixture.StartAnotherAsync(settings => settings["OData:Telemetry:ManagementPort"] = management.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // What UseODataManagementPort does for the real host (which listens on URLs): two listeners.
        factory.StartKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Listen(IPAddress.Loopback, management);
        });
        var addresses = factory.Addresses;
        var publicRoot = new Uri(addresses.Single(a => !a.EndsWith(":" + management, StringComparison.Ordinal)).TrimEnd('/') + "/");
        var managementRoot = new Uri($"http://127.0.0.1:{management}/");
        using var client = new HttpClient();

        (await client.GetAsync(new Uri(publicRoot, "odata/erp_customers?$top=1"))).Dispose();

        using (var onPublic = await client.GetAsync(new Uri(publicRoot, "metrics")))
        {
            Assert.Equal(HttpStatusCode.NotFound, onPublic.StatusCode);
        }

        using (var spoofed = new HttpRequestMessage(HttpMethod.Get, new Uri(publicRoot, "metrics")))
        {
            spoofed.Headers.Host = $"127.0.0.1:{management}";
            using var response = await client.SendAsync(spoofed);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        // Readiness names the sources only where operators ask: the management port, not the public one.
        var publicReady = await client.GetStringAsync(new Uri(publicRoot, "health/ready"));
        Assert.Contains("Healthy", publicReady, StringComparison.Ordinal);
        Assert.DoesNotContain("\"erp\"", publicReady, StringComparison.Ordinal);
        var managementReady = await client.GetStringAsync(new Uri(managementRoot, "health/ready"));
        Assert.Contains("\"erp\":\"reachable\"", managementReady, StringComparison.Ordinal);

        // The cache counters (other users' activity) answer on the management port, not anonymously on the public one.
        using (var counters = await client.GetAsync(new Uri(publicRoot, "status/cache")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, counters.StatusCode);
        }

        Assert.Contains("\"statements\"", await client.GetStringAsync(new Uri(managementRoot, "status/cache")), StringComparison.Ordinal);

        using var onManagement = await client.GetAsync(new Uri(managementRoot, "metrics"));
        var text = await onManagement.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, onManagement.StatusCode);
        Assert.StartsWith("text/plain", onManagement.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains(PrometheusText.Parse(text), s => s.Name == "odata_requests_total" && s.Label("entity_set") == "erp_customers" && s.Label("status_code") == "200");
    }

    [Theory]
    [InlineData("http://+:8080;https://+:8443", null, null, "http://+:8080|https://+:8443")]
    [InlineData(null, "8080", null, "http://*:8080")]
    [InlineData("", "8080;8081", "8443", "http://*:8080|http://*:8081|https://*:8443")]
    [InlineData(null, null, null, "http://localhost:5000")]
    public void ManagementPort_KeepsThePublicAddressesTheHostWouldHaveUsed(string? urls, string? httpPorts, string? httpsPorts, string expected)
        => Assert.Equal(expected.Split('|'), ManagementListener.PublicUrls(urls, httpPorts, httpsPorts));
}
