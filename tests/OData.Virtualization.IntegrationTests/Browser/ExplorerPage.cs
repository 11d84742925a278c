using System.Runtime.CompilerServices;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OData.Virtualization.IntegrationTests.Browser;

/// <summary>
/// The explorer page in a browser, driven the way a person uses it (labels, buttons, the keyboard), and what the
/// browser complained about on the way (script errors, Content-Security-Policy violations).
/// </summary>
public sealed class ExplorerPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _problems = [];

    public ExplorerPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.PageError += (_, error) => _problems.Add("script error: " + error);
        page.Console += (_, message) =>
        {
            // A 4xx answer the page handles is logged by Chromium as a failed load; everything else is a problem
            // (a CSP violation is logged as an error too).
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource: the server responded with a status of 4", StringComparison.Ordinal))
            {
                _problems.Add("console error: " + message.Text);
            }
        };
    }

    public IPage Page { get; }

    public ILocator Status => Page.Locator("#results-status");

    public ILocator Dialog => Page.GetByRole(AriaRole.Dialog);

    /// <summary>Opens the page and waits until the entity sets are listed.</summary>
    public async Task GotoAsync(string path = "")
    {
        await Page.GotoAsync(path);
        await Expect(Page.Locator("#sets-list a").First).ToBeVisibleAsync();
    }

    /// <summary>Chooses an entity set in the list and waits for its first page.</summary>
    public async Task OpenSetAsync(string name)
    {
        await Page.Locator("#sets-list").GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();
        await Expect(Page.Locator("#set-title")).ToHaveTextAsync(name);
        await Expect(Status).ToContainTextAsync("page 1");
    }

    /// <summary>Adds a condition with the form's controls: column, operator (by its label), value.</summary>
    public async Task AddConditionAsync(string column, string operatorLabel, string? value = null)
    {
        await Page.GetByRole(AriaRole.Button, new() { Name = "Add a condition" }).ClickAsync();
        var row = Page.Locator("#filter-rows .condition").Last;
        await row.GetByLabel("Column").SelectOptionAsync(new SelectOptionValue { Label = column });
        await row.GetByLabel("Operator").SelectOptionAsync(new SelectOptionValue { Label = operatorLabel });
        if (value is not null)
        {
            await row.GetByLabel("Value").FillAsync(value);
        }
    }

    public async Task SetPageSizeAsync(int rows)
        => await Page.GetByLabel("Rows per page").SelectOptionAsync(rows.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public async Task RunAsync() => await Page.GetByRole(AriaRole.Button, new() { Name = "Run query" }).ClickAsync();

    /// <summary>The result rows as shown: column name to cell text.</summary>
    public async Task<Dictionary<string, string>[]> RowsAsync()
        => await Page.EvaluateAsync<Dictionary<string, string>[]>(
            """
            () => {
              const names = [...document.querySelectorAll('#results-table thead th')].map(th => th.dataset.column ?? null);
              return [...document.querySelectorAll('#results-table tbody tr')].map(tr => {
                const row = {};
                [...tr.children].forEach((cell, i) => { if (names[i]) row[names[i]] = cell.textContent; });
                return row;
              });
            }
            """);

    /// <summary>The texts of one result column, by its name, top to bottom.</summary>
    public async Task<string[]> ColumnAsync(string name)
        => await Page.EvaluateAsync<string[]>(
            """
            name => {
              const headers = [...document.querySelectorAll('#results-table thead th')];
              const index = headers.findIndex(th => th.dataset.column === name);
              if (index < 0) throw new Error(`No result column '${name}'`);
              return [...document.querySelectorAll('#results-table tbody tr')].map(tr => tr.children[index].textContent);
            }
            """, name);

    /// <summary>The cell elements' class names of one result column (how a value is rendered: value-null, …).</summary>
    public async Task<string[]> ColumnClassesAsync(string name)
        => await Page.EvaluateAsync<string[]>(
            """
            name => {
              const headers = [...document.querySelectorAll('#results-table thead th')];
              const index = headers.findIndex(th => th.dataset.column === name);
              return [...document.querySelectorAll('#results-table tbody tr')].map(tr => tr.children[index].firstElementChild?.className ?? '');
            }
            """, name);

    /// <summary>Saves a screenshot of the whole page as a test artifact; returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name, [CallerFilePath] string sourceFile = "")
    {
        var path = Path.Combine(TestArtifacts.Directory(sourceFile), name + ".png");
        await Page.EvaluateAsync("() => window.scrollTo(0, 0)"); // a full-page shot of a scrolled page misplaces sticky parts
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>Fails when the browser reported a script error or a blocked resource.</summary>
    public void AssertNoBrowserProblems()
        => Assert.True(_problems.Count == 0, "The browser reported problems:" + Environment.NewLine + string.Join(Environment.NewLine, _problems));

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}
