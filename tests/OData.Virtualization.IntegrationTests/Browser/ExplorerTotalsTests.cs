using System.Globalization;
using Microsoft.Playwright;
using OData.Virtualization.IntegrationTests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OData.Virtualization.IntegrationTests.Browser;

/// <summary>
/// The explorer's "Group and total" builder in a real browser: it sends <c>$apply</c> over the rows the query's filter
/// selects, and shows the groups as a table and as an inline-SVG bar chart (a figure with a caption, bars a keyboard
/// walks and a screen reader reads). Expected groups come from the OData service itself, read with HttpClient.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class ExplorerTotalsTests(SqliteFixture fixture, Chromium chromium, ITestOutputHelper output) : IClassFixture<Chromium>
{
    [Fact]
    public async Task GroupAndTotal_ShowsTheServersGroups_AsATableAndABarChart()
    {
        var server = await fixture.KestrelAsync();
        await using var explorer = await chromium.OpenAsync(server.Root);
        await explorer.GotoAsync();
        await explorer.OpenSetAsync("transactions");
        await explorer.AddConditionAsync("amount", "> greater than", "100");
        await explorer.RunAsync();
        await Expect(explorer.Status).ToContainTextAsync("page 1");

        var page = explorer.Page;
        await page.GetByLabel("Group by").SelectOptionAsync("category");
        await page.GetByLabel("Total", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Sum" });
        await page.GetByLabel("of the column").SelectOptionAsync("amount");
        await page.GetByRole(AriaRole.Button, new() { Name = "Group and total" }).ClickAsync();
        await Expect(page.Locator("#totals-status")).ToContainTextAsync("group");

        // What the service answers for the same $apply.
        var expected = await server.Client.GetValuesAsync("transactions?$apply=filter(amount gt 100)/groupby((category),aggregate(amount with sum as total))&$orderby=total desc&$top=50");
        Assert.True(expected.Count > 1, "the demo should have several categories");
        var url = Uri.UnescapeDataString(await page.Locator("#totals-url").TextContentAsync() ?? string.Empty);
        Assert.Contains("$apply=filter(amount gt 100)/groupby((category),aggregate(amount with sum as total))", url, StringComparison.Ordinal);

        // The table: one row per group, largest first, with the server's numbers.
        var cells = await page.Locator("#totals-table tbody tr").EvaluateAllAsync<string[][]>("rows => rows.map(r => [...r.children].map(c => c.textContent))");
        Assert.Equal(expected.Select(e => e.GetProperty("category").GetString()), cells.Select(c => c[0]));
        Assert.Equal(expected.Select(e => Total(e).ToString(CultureInfo.InvariantCulture)), cells.Select(c => decimal.Parse(c[1], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)));

        // The chart: a figure with a caption, one bar per group, each named by its label and value, longest first.
        var figure = page.GetByRole(AriaRole.Figure);
        await Expect(figure).ToBeVisibleAsync();
        await Expect(page.Locator("#totals-chart figcaption")).ToContainTextAsync("Sum of amount by category");
        var bars = page.Locator("#totals-chart").GetByRole(AriaRole.Listitem);
        await Expect(bars).ToHaveCountAsync(expected.Count);
        var first = expected[0];
        await Expect(bars.First).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("^" + first.GetProperty("category").GetString() + ": "));
        var widths = await page.Locator("#totals-chart rect.chart-rect").EvaluateAllAsync<double[]>("rects => rects.map(r => Number(r.getAttribute('width')))");
        Assert.Equal(widths.OrderByDescending(w => w), widths);
        Assert.True(widths[0] > widths[^1], "bars are drawn to scale");

        // Keyboard: the first bar takes the focus, the arrow keys walk the bars.
        await bars.First.FocusAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(bars.Nth(1)).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("End");
        await Expect(bars.Last).ToBeFocusedAsync();

        output.WriteLine("Screenshot of the chart: " + await explorer.ScreenshotAsync("explorer-group-and-total"));

        // A mistake the server refuses is shown next to the builder: the number of rows needs no column; a sum of text
        // is not offered at all.
        await page.GetByLabel("Total", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Sum" });
        Assert.DoesNotContain("category", await page.GetByLabel("of the column").Locator("option").AllTextContentsAsync());
        explorer.AssertNoBrowserProblems();
    }

    private static decimal Total(System.Text.Json.JsonElement row)
    {
        var total = row.GetProperty("total");
        return total.ValueKind == System.Text.Json.JsonValueKind.String ? decimal.Parse(total.GetString()!, CultureInfo.InvariantCulture) : total.GetDecimal();
    }
}
