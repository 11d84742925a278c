using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Playwright;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Security;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OData.Virtualization.IntegrationTests.Browser;

/// <summary>
/// The explorer page on a server that needs credentials: the demo data behind an API key (in a header of the
/// operator's choosing) and an HTTP Basic user. A 401 opens a prompt; the page then works with what the user gave,
/// and keeps it out of URLs, the curl command and storage.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class ExplorerSignInTests(SqliteFixture fixture, Chromium chromium, ITestOutputHelper output) : IClassFixture<Chromium>
{
    private const string KeyHeader = "X-Explorer-Key";
    private const string User = "anna";
    private const string Password = "Grüezi:mitenand ✓";

    private const string Audience = "api://explorer-tests";
    private const string Issuer = "https://issuer.explorer.test/";

    private readonly string _key = SecretHasher.NewApiKey().Key;
    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>A server of the test's own on real Kestrel (a browser reaches it); dispose it to stop it.</summary>
    private async Task<(InProcessServer Server, Uri Root)> StartSecuredAsync()
    {
        var server = await fixture.StartAnotherAsync(settings =>
        {
            settings["OData:Security:AllowAnonymous"] = "false";
            settings["OData:Security:ApiKeyHeader"] = KeyHeader;
            settings["OData:Security:ApiKeys:explorer:KeyHash"] = SecretHasher.HashApiKey(_key);
            settings[$"OData:Security:Users:{User}:PasswordHash"] = SecretHasher.HashPassword(Password);
            settings["OData:Security:Jwt:SigningKey"] = Convert.ToBase64String(_signingKey);
            settings["OData:Security:Jwt:Audience"] = Audience;
            settings["OData:Security:Jwt:Issuer"] = Issuer;
        });
        return (server, server.StartKestrel());
    }

    [Fact]
    public async Task ApiKey_401PromptsForIt_WrongKeyPromptsAgain_RightKeyShowsTheData()
    {
        var (factory, root) = await StartSecuredAsync();
        await using var _ = factory;
        await using var explorer = await chromium.OpenAsync(root);
        var page = explorer.Page;
        await page.GotoAsync(string.Empty);

        await Expect(explorer.Dialog).ToBeVisibleAsync();
        await Expect(explorer.Dialog).ToContainTextAsync("needs credentials");
        await Expect(explorer.Dialog).ToContainTextAsync($"an API key (header {KeyHeader})");
        output.WriteLine("Screenshot of the prompt: " + await explorer.ScreenshotAsync("explorer-credentials"));

        // What a person does: API key, the header name (already filled in from the server's challenge), the key.
        await explorer.Dialog.GetByRole(AriaRole.Radio, new() { Name = "API key" }).CheckAsync();
        await Expect(explorer.Dialog.GetByLabel("Header name")).ToHaveValueAsync(KeyHeader);
        await explorer.Dialog.GetByLabel("Header name").FillAsync(KeyHeader);
        await explorer.Dialog.GetByLabel("API key", new() { Exact = true }).And(explorer.Page.Locator("input[type=password]")).FillAsync("odv_not-the-key");
        await explorer.Dialog.GetByRole(AriaRole.Button, new() { Name = "Use these credentials" }).ClickAsync();
        await Expect(explorer.Dialog).ToContainTextAsync("These credentials were not accepted");

        await explorer.Dialog.Locator("#auth-key").FillAsync(_key);
        await explorer.Dialog.Locator("#auth-key").PressAsync("Enter");
        await Expect(explorer.Dialog).ToBeHiddenAsync();
        await Expect(page.Locator("#auth-status")).ToHaveTextAsync($"Using an API key ({KeyHeader})");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Credentials…" })).ToBeVisibleAsync();
        await explorer.OpenSetAsync("accounts");
        Assert.NotEmpty(await explorer.ColumnAsync("iban"));

        var curl = await page.Locator("#request-curl").InputValueAsync();
        Assert.Contains($"-H \"{KeyHeader}: $ODATA_API_KEY\"", curl, StringComparison.Ordinal);
        Assert.DoesNotContain(_key, curl, StringComparison.Ordinal);
        Assert.DoesNotContain(_key, page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(_key, await page.EvaluateAsync<string>("() => JSON.stringify(sessionStorage) + JSON.stringify(localStorage) + document.cookie"), StringComparison.Ordinal);
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task Basic_WithANonAsciiPassword_WorksAndCanBeKeptForTheTab()
    {
        var (factory, root) = await StartSecuredAsync();
        await using var _ = factory;
        await using var explorer = await chromium.OpenAsync(root, width: 390, height: 844);
        var page = explorer.Page;
        await page.GotoAsync("#/transactions");

        await Expect(explorer.Dialog).ToBeVisibleAsync();
        await explorer.Dialog.GetByRole(AriaRole.Radio, new() { Name = "User name and password (HTTP Basic)" }).CheckAsync();
        await explorer.Dialog.GetByLabel("User name", new() { Exact = true }).FillAsync(User);
        await explorer.Dialog.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await explorer.Dialog.GetByLabel("Keep them for this browser tab").CheckAsync();
        await explorer.Dialog.GetByRole(AriaRole.Button, new() { Name = "Use these credentials" }).ClickAsync();

        // The set in the address opens once the model can be read.
        await Expect(page.Locator("#set-title")).ToHaveTextAsync("transactions");
        await Expect(explorer.Status).ToContainTextAsync("Rows 1–25 of");
        Assert.Contains($"-u \"{User}:$ODATA_PASSWORD\"", await page.Locator("#request-curl").InputValueAsync(), StringComparison.Ordinal);

        // Kept for the tab (sessionStorage) when asked: a reload needs no prompt.
        await page.ReloadAsync();
        await Expect(explorer.Status).ToContainTextAsync("Rows 1–25 of");
        await Expect(explorer.Dialog).ToBeHiddenAsync();

        // Forgetting them brings the prompt back.
        await page.GetByRole(AriaRole.Button, new() { Name = "Credentials…" }).ClickAsync();
        await explorer.Dialog.GetByRole(AriaRole.Button, new() { Name = "Forget credentials" }).ClickAsync();
        await Expect(explorer.Dialog).ToBeVisibleAsync();
        await Expect(explorer.Dialog).ToContainTextAsync("needs credentials");
        Assert.Equal("{}", await page.EvaluateAsync<string>("() => JSON.stringify(sessionStorage)"));
        explorer.AssertNoBrowserProblems();
    }

    /// <summary>
    /// Anonymous access with users configured (signed-in users may see more): no 401 ever asks, so the page offers
    /// credentials because the server says it accepts them, and names how.
    /// </summary>
    [Fact]
    public async Task AnonymousServerThatAcceptsUsers_OffersCredentialsWithoutA401()
    {
        await using var factory = await fixture.StartAnotherAsync(settings =>
        {
            settings["OData:Security:AllowAnonymous"] = "true";
            settings[$"OData:Security:Users:{User}:PasswordHash"] = SecretHasher.HashPassword(Password);
        });
        var root = factory.StartKestrel();
        await using var explorer = await chromium.OpenAsync(root);
        var page = explorer.Page;
        await explorer.GotoAsync();
        await Expect(explorer.Dialog).ToBeHiddenAsync();
        await Expect(page.Locator("#auth-status")).ToHaveTextAsync("No credentials");

        await page.GetByRole(AriaRole.Button, new() { Name = "Credentials…" }).ClickAsync();
        await Expect(explorer.Dialog).ToContainTextAsync("This server accepts a user name and password.");
        await explorer.Dialog.GetByLabel("User name", new() { Exact = true }).FillAsync(User);
        await explorer.Dialog.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await explorer.Dialog.GetByRole(AriaRole.Button, new() { Name = "Use these credentials" }).ClickAsync();
        await Expect(page.Locator("#auth-status")).ToHaveTextAsync($"Signed in as {User}");
        await explorer.OpenSetAsync("accounts");
        Assert.Contains($"-u \"{User}:$ODATA_PASSWORD\"", await page.Locator("#request-curl").InputValueAsync(), StringComparison.Ordinal);
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task BearerToken_IsSentAsAuthorization_AndNotShownInTheCurlCommand()
    {
        var (factory, root) = await StartSecuredAsync();
        await using var _ = factory;
        await using var explorer = await chromium.OpenAsync(root);
        var page = explorer.Page;
        await page.GotoAsync("#/loans");
        await Expect(explorer.Dialog).ToContainTextAsync("a bearer token");

        var now = DateTime.UtcNow;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = now.AddMinutes(10),
            Claims = new Dictionary<string, object> { ["sub"] = "explorer-user" },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(_signingKey), SecurityAlgorithms.HmacSha256),
        });
        await explorer.Dialog.GetByRole(AriaRole.Radio, new() { Name = "Bearer token (OAuth 2.0)" }).CheckAsync();
        await explorer.Dialog.GetByLabel("Token", new() { Exact = true }).FillAsync("Bearer " + token); // pasted with its scheme: the page drops it
        await explorer.Dialog.GetByRole(AriaRole.Button, new() { Name = "Use these credentials" }).ClickAsync();

        await Expect(page.Locator("#set-title")).ToHaveTextAsync("loans");
        await Expect(explorer.Status).ToContainTextAsync("Rows 1–25 of");
        var curl = await page.Locator("#request-curl").InputValueAsync();
        Assert.Contains("-H \"Authorization: Bearer $ODATA_TOKEN\"", curl, StringComparison.Ordinal);
        Assert.DoesNotContain(token, curl, StringComparison.Ordinal);
        explorer.AssertNoBrowserProblems();
    }
}
