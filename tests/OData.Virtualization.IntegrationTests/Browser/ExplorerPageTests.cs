using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using OData.Virtualization.IntegrationTests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OData.Virtualization.IntegrationTests.Browser;

/// <summary>
/// The explorer page in a real browser (headless Chromium) against the embedded demo on real Kestrel: what a person
/// sees when opening the server. Expected rows come from the OData service itself, read with HttpClient.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class ExplorerPageTests(SqliteFixture fixture, Chromium chromium, ITestOutputHelper output) : IClassFixture<Chromium>
{
    /// <summary>The fixture's server on real Kestrel, which a browser can reach: its root (the explorer page) and an OData client.</summary>
    private async Task<(Uri Root, HttpClient OData)> SharedKestrelAsync()
    {
        var server = await fixture.KestrelAsync();
        return (server.Root, server.Client);
    }

    [Fact]
    public async Task FilterAndPaging_ShowTheRowsTheServiceReturns()
    {
        var (root, odata) = await SharedKestrelAsync();
        await using var explorer = await chromium.OpenAsync(root);
        await explorer.GotoAsync();

        // The demo needs no credentials and accepts none: nothing on the page offers them.
        await Expect(explorer.Page.Locator("#auth")).ToBeHiddenAsync();
        await Expect(explorer.Page.GetByRole(AriaRole.Button, new() { Name = "Credentials…" })).ToHaveCountAsync(0);

        await explorer.OpenSetAsync("transactions");
        await explorer.AddConditionAsync("currency", "= equals", "CHF");
        await explorer.AddConditionAsync("amount", "> greater than", "100");
        await explorer.SetPageSizeAsync(10);
        await explorer.RunAsync();

        var expected = await ExpectedRows.ReadAsync(odata, "transactions?$filter=currency eq 'CHF' and amount gt 100&$count=true", pageSize: 10, pages: 2);
        Assert.True(expected.Count > 20, $"The demo should have more than two pages of CHF transactions over 100; it has {expected.Count}.");
        await Expect(explorer.Status).ToContainTextAsync($"Rows 1–10 of {ExpectedRows.Number(expected.Count)} ·");
        Assert.Equal(expected.Pages[0], await explorer.RowsAsync());
        var screenshot = await explorer.ScreenshotAsync("explorer-filtered");
        output.WriteLine("Screenshot of the filtered rows: " + screenshot);

        var url = await explorer.Page.GetByLabel("OData URL").InputValueAsync();
        Assert.Contains("$filter=currency eq 'CHF' and amount gt 100", Uri.UnescapeDataString(url), StringComparison.Ordinal);
        Assert.Contains("$count=true", url, StringComparison.Ordinal);

        // Copy URL puts exactly that URL on the clipboard.
        await explorer.Page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = root.GetLeftPart(UriPartial.Authority) });
        await explorer.Page.GetByRole(AriaRole.Button, new() { Name = "Copy URL" }).ClickAsync();
        await Expect(explorer.Page.Locator("#copy-status")).ToHaveTextAsync("Copied the URL.");
        Assert.Equal(url, await explorer.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));

        await explorer.Page.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
        await Expect(explorer.Status).ToContainTextAsync($"Rows 11–20 of {ExpectedRows.Number(expected.Count)} · page 2");
        Assert.Equal(expected.Pages[1], await explorer.RowsAsync());
        Assert.Equal(Enumerable.Range(11, 10).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), await explorer.Page.Locator("#results-table tbody th").AllTextContentsAsync());

        await explorer.Page.GetByRole(AriaRole.Button, new() { Name = "Previous page" }).ClickAsync();
        await Expect(explorer.Status).ToContainTextAsync("Rows 1–10 of");
        Assert.Equal(expected.Pages[0], await explorer.RowsAsync());
        await Expect(explorer.Page.GetByRole(AriaRole.Button, new() { Name = "Previous page" })).ToBeDisabledAsync();
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task NarrowWindow_ScrollsOnlyInsideTheResultsTable()
    {
        var (root, odata) = await SharedKestrelAsync();
        await using var explorer = await chromium.OpenAsync(root, width: 390, height: 844);
        await explorer.GotoAsync();
        await explorer.OpenSetAsync("bank_customers");
        await explorer.AddConditionAsync("segment", "= equals", "retail");
        await explorer.AddConditionAsync("email", "is not null");
        await explorer.RunAsync();

        var expected = await ExpectedRows.ReadAsync(odata, "bank_customers?$filter=segment eq 'retail' and email ne null&$count=true", pageSize: 25, pages: 1, binary: ["photo"]);
        Assert.True(expected.Count > 25, $"The demo should have more than a page of retail customers with an e-mail address; it has {expected.Count}.");
        await Expect(explorer.Status).ToContainTextAsync($"of {ExpectedRows.Number(expected.Count)} ·");
        Assert.Equal(expected.Pages[0].Select(r => r["customer_id"]), await explorer.ColumnAsync("customer_id"));

        var widths = await explorer.Page.EvaluateAsync<int[]>(
            "() => [document.documentElement.scrollWidth, window.innerWidth, document.getElementById('results-scroll').scrollWidth, document.getElementById('results-scroll').clientWidth]");
        Assert.True(widths[0] <= widths[1], $"The page scrolls sideways at 390 px: it is {widths[0]} px wide in a {widths[1]} px window.");
        Assert.True(widths[2] > widths[3], $"The results table should scroll inside its own box at 390 px (content {widths[2]} px, box {widths[3]} px).");

        // Every control a person needs is inside the window.
        var outside = await explorer.Page.EvaluateAsync<string[]>(
            """
            () => [...document.querySelectorAll('button, input, select, textarea, summary, a')]
              .filter(e => e.offsetParent !== null && !e.closest('#results-scroll') && !e.closest('dialog'))
              .filter(e => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth + 0.5; })
              .map(e => e.id || e.textContent.trim() || e.outerHTML.slice(0, 60))
            """);
        Assert.True(outside.Length == 0, "Controls reach outside the 390 px window: " + string.Join(", ", outside));
        output.WriteLine("Screenshot at 390 px: " + await explorer.ScreenshotAsync("explorer-narrow"));
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task ColumnHeading_SortsByThatColumn_AscendingThenDescending()
    {
        var (root, odata) = await SharedKestrelAsync();
        await using var explorer = await chromium.OpenAsync(root);
        var page = explorer.Page;
        await explorer.GotoAsync();
        await explorer.OpenSetAsync("products");
        var heading = page.Locator("#results-table th[data-column=unit_price]");

        await heading.GetByRole(AriaRole.Button).ClickAsync();
        await Expect(heading).ToHaveAttributeAsync("aria-sort", "ascending");
        var ascending = await ExpectedRows.ReadAsync(odata, "products?$orderby=unit_price asc&$count=true", pageSize: 25, pages: 1);
        Assert.Equal(ascending.Pages[0], await explorer.RowsAsync());
        await Expect(heading.GetByRole(AriaRole.Button)).ToBeFocusedAsync();

        await page.Keyboard.PressAsync("Enter");
        await Expect(heading).ToHaveAttributeAsync("aria-sort", "descending");
        var descending = await ExpectedRows.ReadAsync(odata, "products?$orderby=unit_price desc&$count=true", pageSize: 25, pages: 1);
        Assert.Equal(descending.Pages[0], await explorer.RowsAsync());
        await Expect(page.Locator("#order-rows .order-direction")).ToHaveValueAsync("desc");
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task Keyboard_ChoosesASetBuildsAFilterAndRunsItWithEnter()
    {
        var (root, odata) = await SharedKestrelAsync();
        await using var explorer = await chromium.OpenAsync(root);
        var page = explorer.Page;
        await explorer.GotoAsync();

        await page.GetByLabel("Find a set").FocusAsync();
        await page.Keyboard.TypeAsync("erp_cust");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#sets-list a").First).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#set-title")).ToHaveTextAsync("erp_customers");
        await Expect(page.Locator("#set-title")).ToBeFocusedAsync();

        // The tab order from the title: the columns panel, then the filter's "Add a condition".
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Add a condition" })).ToBeFocusedAsync();
        Assert.NotEqual("none", await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle"));
        await page.Keyboard.PressAsync("Enter");
        var row = page.Locator("#filter-rows .condition").First;
        await Expect(row.GetByLabel("Column")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("n"); // a closed select picks the option typed: the only column starting with n
        await Expect(row.GetByLabel("Column")).ToHaveValueAsync("name");
        await page.Keyboard.PressAsync("Tab");
        await Expect(row.GetByLabel("Operator")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("c");
        await Expect(row.GetByLabel("Operator")).ToHaveValueAsync("contains");
        await page.Keyboard.PressAsync("Tab");
        await Expect(row.GetByLabel("Value")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("Novák");
        await page.Keyboard.PressAsync("Enter");

        var expected = await ExpectedRows.ReadAsync(odata, "erp_customers?$filter=contains(name,'Novák')&$count=true", pageSize: 25, pages: 1);
        Assert.True(expected.Count > 0, "The demo should have customers named Novák.");
        await Expect(explorer.Status).ToContainTextAsync($"of {ExpectedRows.Number(expected.Count)} ·");
        Assert.Equal(expected.Pages[0], await explorer.RowsAsync());
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task ODataError_IsShownNextToTheFilter_WithTheServersMessage()
    {
        var (root, odata) = await SharedKestrelAsync();
        await using var explorer = await chromium.OpenAsync(root);
        var page = explorer.Page;
        await explorer.GotoAsync();
        await explorer.OpenSetAsync("products");

        const string Bad = "nmae eq 'Formula'";
        using var response = await odata.GetAsync("products?$filter=" + Uri.EscapeDataString(Bad));
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("$filter", error.GetProperty("target").GetString());
        var message = error.GetProperty("message").GetString()!;

        await page.GetByLabel("$filter expression").FillAsync(Bad);
        await page.GetByLabel("$filter expression").PressAsync("Enter");
        var filterError = page.Locator("#filter-box #filter-error");
        await Expect(filterError).ToBeVisibleAsync();
        await Expect(filterError).ToContainTextAsync(message);
        await Expect(page.GetByLabel("$filter expression")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#results-error")).ToContainTextAsync("see the message at Filter");
        output.WriteLine("Screenshot of the error: " + await explorer.ScreenshotAsync("explorer-filter-error"));

        // Fixing it clears the message.
        await page.GetByLabel("$filter expression").FillAsync("name eq 'nothing like this'");
        await explorer.RunAsync();
        await Expect(explorer.Status).ToContainTextAsync("No rows");
        await Expect(filterError).ToBeHiddenAsync();
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task ValueTheExplorerCannotQuote_IsMarkedOnItsCondition_WithoutARequest()
    {
        var (root, _) = await SharedKestrelAsync();
        await using var explorer = await chromium.OpenAsync(root);
        var page = explorer.Page;
        await explorer.GotoAsync();
        await explorer.OpenSetAsync("products");
        var sent = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/odata/products?", StringComparison.Ordinal))
            {
                sent.Add(request.Url);
            }
        };

        await explorer.AddConditionAsync("unit_price", "> greater than", "12,50");
        await explorer.RunAsync();
        var row = page.Locator("#filter-rows .condition").First;
        await Expect(row.Locator(".field-error")).ToContainTextAsync("Enter a number");
        await Expect(row.GetByLabel("Value")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(row.GetByLabel("Value")).ToBeFocusedAsync();
        Assert.Empty(sent);
        explorer.AssertNoBrowserProblems();
    }

    [Theory]
    [InlineData("products", "sku", "= equals", "A&B+C=D", "sku eq 'A&B+C=D'")]
    [InlineData("products", "sku", "= equals", "Größe/Ü#1", "sku eq 'Größe/Ü#1'")]
    [InlineData("bank_customers", "full_name", "contains", "O'Neil", "contains(full_name,'O''Neil')")]
    [InlineData("cards", "expires_on", "≥ greater or equal", "2027-01-01", "expires_on ge 2027-01-01")]
    [InlineData("transactions", "booked_at", "< less than", "2023-01-02T00:00:00+01:00", "booked_at lt 2023-01-02T00:00:00+01:00")]
    public async Task SpecialValues_ReachTheServerIntact(string set, string column, string operatorLabel, string value, string filter)
    {
        var (root, odata) = await SharedKestrelAsync();
        await using var explorer = await chromium.OpenAsync(root);
        await explorer.GotoAsync();
        await explorer.OpenSetAsync(set);
        await explorer.AddConditionAsync(column, operatorLabel, value);
        await explorer.RunAsync();

        var expected = await ExpectedRows.ReadAsync(odata, $"{set}?$filter={Uri.EscapeDataString(filter)}&$count=true", pageSize: 25, pages: 1, binary: ["photo"]);
        Assert.True(expected.Count > 0, $"The demo should have rows for {filter}.");
        await Expect(explorer.Status).ToContainTextAsync($"of {ExpectedRows.Number(expected.Count)} ·");
        Assert.Equal(expected.Pages[0], await explorer.RowsAsync());

        // The URL the page shows is one a client can use as it is.
        var url = await explorer.Page.GetByLabel("OData URL").InputValueAsync();
        var again = await ExpectedRows.ReadAsync(odata, url, pageSize: 25, pages: 1);
        Assert.Equal(expected.Count, again.Count);
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task Values_NullEmptyBinaryAndDecimals_AreRenderedDistinctly()
    {
        var (root, odata) = await SharedKestrelAsync();
        await using var explorer = await chromium.OpenAsync(root);
        var page = explorer.Page;
        await explorer.GotoAsync();
        await explorer.OpenSetAsync("bank_customers");
        await explorer.AddConditionAsync("photo", "is not null");
        await explorer.AddConditionAsync("email", "is null");
        await explorer.SetPageSizeAsync(10);
        await explorer.RunAsync();

        var expected = await ExpectedRows.ReadAsync(odata, "bank_customers?$filter=photo ne null and email eq null&$count=true", pageSize: 10, pages: 1, binary: ["photo"]);
        await Expect(explorer.Status).ToContainTextAsync($"of {ExpectedRows.Number(expected.Count)} ·");
        Assert.All(await explorer.ColumnClassesAsync("email"), c => Assert.Equal("value-null", c));
        Assert.Equal(expected.Pages[0], await explorer.RowsAsync());
        Assert.All(await explorer.ColumnAsync("photo"), p => Assert.Matches("^[0-9,]+ bytes? · [0-9a-f]{2}( [0-9a-f]{2})*( …)?$", p));

        // The page's own renderer: NULL, the text "null" and the empty string look different.
        var rendered = await page.EvaluateAsync<string[][]>(
            """
            async () => {
              const { renderValue } = await import('./explorer/values.js');
              const text = { type: 'Edm.String' };
              return [null, 'null', '', ' padded '].map(v => { const { node } = renderValue(v, text); return [node.className, node.textContent]; });
            }
            """);
        Assert.Equal(["value-null", "NULL"], rendered[0]);
        Assert.Equal(["value-text", "null"], rendered[1]);
        Assert.Equal(["value-empty", "empty"], rendered[2]);
        Assert.Equal(["value-text value-padded", " padded "], rendered[3]);

        // Decimals keep every digit (the page asks for IEEE754Compatible=true).
        await page.GotoAsync("#/accounts");
        await Expect(page.Locator("#set-title")).ToHaveTextAsync("accounts");
        await Expect(explorer.Status).ToContainTextAsync("page 1");
        var accounts = await ExpectedRows.ReadAsync(odata, "accounts?$count=true", pageSize: 10, pages: 1);
        Assert.Equal(accounts.Pages[0].Select(r => r["interest_rate"]), await explorer.ColumnAsync("interest_rate"));
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task Literals_AreWrittenTheODataWay_InTheBrowser()
    {
        var (root, _) = await SharedKestrelAsync();
        await using var explorer = await chromium.OpenAsync(root);
        await explorer.GotoAsync();
        var cases = new (string Type, string Input, string Expected)[]
        {
            ("Edm.String", "O'Neil", "'O''Neil'"),
            ("Edm.String", "", "''"),
            ("Edm.Int64", "9223372036854775807", "9223372036854775807"),
            ("Edm.Int64", "9223372036854775808", "error"),
            ("Edm.Int16", "+42", "42"),
            ("Edm.Decimal", "12345678901234567890.123456789", "12345678901234567890.123456789"),
            ("Edm.Decimal", ".5", "0.5"),
            ("Edm.Decimal", "1,5", "error"),
            ("Edm.Double", "1e-3", "1e-3"),
            ("Edm.Double", "INF", "INF"),
            ("Edm.Date", "2024-02-29", "2024-02-29"),
            ("Edm.Date", "2023-02-29", "error"),
            ("Edm.DateTimeOffset", "2024-01-31T14:30Z", "2024-01-31T14:30:00Z"),
            ("Edm.DateTimeOffset", "2024-01-31 14:30:05.123+01:00", "2024-01-31T14:30:05.123+01:00"),
            ("Edm.DateTimeOffset", "2024-01-31", "2024-01-31T00:00:00Z"),
            ("Edm.DateTimeOffset", "2024-01-31T14:30", "error"),
            ("Edm.Guid", "0001B4C0-EBAE-4D62-A1AA-0002AE980A3D", "0001b4c0-ebae-4d62-a1aa-0002ae980a3d"),
            ("Edm.Guid", "'0001b4c0-ebae-4d62-a1aa-0002ae980a3d'", "error"),
            ("Edm.TimeOfDay", "07:05", "07:05:00"),
            ("Edm.Binary", "iVBORw0KGgo=", "binary'iVBORw0KGgo'"),
            ("Edm.Binary", "+/8=", "binary'-_8'"),
            ("Edm.Binary", "0x89504e47", "binary'iVBORw'"),
            ("Edm.Boolean", "TRUE", "true"),
        };
        var results = await explorer.Page.EvaluateAsync<string[]>(
            """
            async cases => {
              const { toLiteral } = await import('./explorer/odata.js');
              return cases.map(([type, input]) => { const r = toLiteral({ name: 'p', type }, input); return r.error ? 'error' : r.literal; });
            }
            """, cases.Select(c => new[] { c.Type, c.Input }).ToArray());
        for (var i = 0; i < cases.Length; i++)
        {
            Assert.True(cases[i].Expected == results[i], $"{cases[i].Type} '{cases[i].Input}': expected {cases[i].Expected}, the page wrote {results[i]}");
        }

        var encoded = await explorer.Page.EvaluateAsync<string>(
            """
            async () => {
              const { queryString } = await import('./explorer/odata.js');
              return queryString({ filter: "a eq 'x&y=z+1#2%3/4?'", select: ['a', 'b'], orderby: [{ name: 'a', desc: true }] });
            }
            """);
        Assert.Equal("$filter=a%20eq%20'x%26y%3Dz%2B1%232%253%2F4%3F'&$select=a,b&$orderby=a%20desc&$count=true", encoded);
        explorer.AssertNoBrowserProblems();
    }
}
