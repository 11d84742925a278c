using Microsoft.Playwright;

namespace OData.Virtualization.IntegrationTests.Browser;

/// <summary>
/// One headless Chromium for the browser tests of a class: Debian's package (<c>/usr/bin/chromium</c>) driven by
/// Playwright, which cannot download a browser of its own here. Each test opens its own context (fresh cookies and
/// storage) and page.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>Generous: the CI machine has two cores and runs other suites at the same time.</summary>
    public const float Timeout = 30_000;

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"The browser tests of the explorer page need Chromium at {ExecutablePath}, and it is not there. "
                + "Install Debian's package: apt-get install -y chromium (test.sh and .ci/run install it).");
        }

        _playwright = await Playwright.CreateAsync();
        Assertions.SetDefaultExpectTimeout(Timeout);
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Timeout = 60_000,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A new browser context and page on <paramref name="root"/> (the server root, where the page is).</summary>
    public async Task<ExplorerPage> OpenAsync(Uri root, int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = root.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-US",
            TimezoneId = "Europe/Zurich",
        });
        context.SetDefaultTimeout(Timeout);
        var page = await context.NewPageAsync();
        return new ExplorerPage(context, page);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
