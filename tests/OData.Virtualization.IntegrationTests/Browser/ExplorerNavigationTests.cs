using System.Text.Json;
using Microsoft.Playwright;
using OData.Virtualization.IntegrationTests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OData.Virtualization.IntegrationTests.Browser;

/// <summary>
/// Following a relationship from a result row in a real browser: each row links to <c>Set(key)/Nav</c> for every
/// navigation property, the key written by the OData URL conventions. The demo's hostile product keys carry a quote,
/// a percent sign and a space (<c>O'Brien 50%</c>) and a slash, a hash and non-ASCII letters (<c>Größe/Ü#1</c>).
/// Expected rows come from the OData service itself, read with HttpClient at the URL the page says it used.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class ExplorerNavigationTests(SqliteFixture fixture, Chromium chromium, ITestOutputHelper output) : IClassFixture<Chromium>
{
    private const string Quoted = "O'Brien 50%";
    private const string Slashed = "Größe/Ü#1";

    [Fact]
    public async Task FollowRelationship_ToOneAndToManyFromHostileKeys_ShowsTheServersRowsAndGoesBack()
    {
        var server = await fixture.KestrelAsync();
        var serviceRoot = new Uri(server.Root, "odata/").ToString();
        await using var explorer = await chromium.OpenAsync(server.Root);
        var page = explorer.Page;
        await explorer.GotoAsync();

        // To one: the supplier of O'Brien 50%, followed with the keyboard.
        await explorer.OpenSetAsync("products");
        await explorer.AddConditionAsync("sku", "= equals", Quoted);
        await explorer.RunAsync();
        await Expect(explorer.Status).ToContainTextAsync("Rows 1–1 of 1 ·");
        var supplierLink = page.Locator("#results-table").GetByRole(AriaRole.Link, new() { Name = "supplier of " + Quoted, Exact = true });
        await supplierLink.FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        const string SupplierPath = "products('O''Brien%2050%25')/supplier";
        await Expect(page.Locator("#set-title")).ToHaveTextAsync("products → supplier");
        await Expect(explorer.Status).ToContainTextAsync("Rows 1–1 of 1 ·");
        Assert.Equal(serviceRoot + SupplierPath, await page.GetByLabel("OData URL").InputValueAsync());
        Assert.Equal(new[] { await EntityAsync(server.Client, SupplierPath) }, await explorer.RowsAsync());
        var trail = page.GetByRole(AriaRole.Navigation, new() { Name = "Relationship followed" });
        await Expect(trail).ToContainTextAsync("('O''Brien 50%')");

        // Back with the browser's history: the products again, with the query that found the row.
        await page.GoBackAsync();
        await Expect(page.Locator("#set-title")).ToHaveTextAsync("products");
        await Expect(trail).ToBeHiddenAsync();
        await Expect(explorer.Status).ToContainTextAsync("Rows 1–1 of 1 ·");
        await Expect(page.GetByLabel("$filter expression")).ToHaveValueAsync("sku eq 'O''Brien 50%'");
        Assert.Equal(Quoted, (await explorer.RowsAsync())[0]["sku"]);

        // To many, paged through the server's nextLink: the order lines of Größe/Ü#1, ten a page.
        await page.GetByRole(AriaRole.Button, new() { Name = "Clear query" }).ClickAsync();
        await explorer.AddConditionAsync("sku", "= equals", Slashed);
        await explorer.SetPageSizeAsync(10);
        await explorer.RunAsync();
        await Expect(explorer.Status).ToContainTextAsync("Rows 1–1 of 1 ·");
        await page.Locator("#results-table").GetByRole(AriaRole.Link, new() { Name = "order_lines of " + Slashed, Exact = true }).ClickAsync();

        const string LinesPath = "products('Gr%C3%B6%C3%9Fe%2F%C3%9C%231')/order_lines";
        var expected = await ExpectedRows.ReadAsync(server.Client, LinesPath + "?$count=true", pageSize: 10, pages: 2);
        Assert.True(expected.Count > 10, $"{Slashed} should have more than a page of order lines; it has {expected.Count}");
        await Expect(page.Locator("#set-title")).ToHaveTextAsync("products → order_lines");
        await Expect(explorer.Status).ToContainTextAsync($"Rows 1–10 of {ExpectedRows.Number(expected.Count)} · page 1");
        Assert.Equal(serviceRoot + LinesPath + "?$count=true", await page.GetByLabel("OData URL").InputValueAsync());
        Assert.Equal(expected.Pages[0], await explorer.RowsAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
        await Expect(explorer.Status).ToContainTextAsync($"Rows 11–20 of {ExpectedRows.Number(expected.Count)} · page 2");
        Assert.Equal(expected.Pages[1], await explorer.RowsAsync());
        await Expect(trail.GetByRole(AriaRole.Link, new() { Name = "products" })).ToBeVisibleAsync();
        output.WriteLine("Screenshot of a followed relationship: " + await explorer.ScreenshotAsync("explorer-follow-relationship"));

        // On from a row of the related rows, whose key is composite: the product of an order line, back where we started.
        var line = expected.Pages[1][0];
        var (orderId, lineNo) = (line["order_id"], line["line_no"]);
        await page.Locator("#results-table").GetByRole(AriaRole.Link, new() { Name = $"products of {orderId}, {lineNo}", Exact = true }).ClickAsync();
        var productPath = $"order_lines(order_id={orderId},line_no={lineNo})/products";
        await Expect(page.Locator("#set-title")).ToHaveTextAsync("order_lines → products");
        Assert.Equal(serviceRoot + productPath, await page.GetByLabel("OData URL").InputValueAsync());
        await Expect(explorer.Status).ToContainTextAsync("Rows 1–1 of 1 ·");
        var product = await EntityAsync(server.Client, productPath);
        Assert.Equal(Slashed, product["sku"]);
        Assert.Equal(new[] { product }, await explorer.RowsAsync());

        // Back: the related rows again, on the page that was left.
        await page.GoBackAsync();
        await Expect(page.Locator("#set-title")).ToHaveTextAsync("products → order_lines");
        await Expect(explorer.Status).ToContainTextAsync($"Rows 11–20 of {ExpectedRows.Number(expected.Count)} · page 2");
        Assert.Equal(expected.Pages[1], await explorer.RowsAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Previous page" }).ClickAsync();
        await Expect(explorer.Status).ToContainTextAsync("Rows 1–10 of");
        Assert.Equal(expected.Pages[0], await explorer.RowsAsync());
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task FollowAddress_WithAPathOutsideTheKey_IsRefused()
    {
        var server = await fixture.KestrelAsync();
        await using var explorer = await chromium.OpenAsync(server.Root);
        await explorer.GotoAsync("#/products('x')/../../explorer/sources('y')/supplier");

        await Expect(explorer.Page.Locator("#welcome-message")).ToContainTextAsync("There is no entity set");
        await Expect(explorer.Page.Locator("#set-view")).ToBeHiddenAsync();
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task KeyPredicate_WritesKeysByTheUrlConventions_AndTheServerFindsEachRow()
    {
        var server = await fixture.KestrelAsync();
        await using var explorer = await chromium.OpenAsync(server.Root);
        await explorer.GotoAsync();
        var predicates = await explorer.Page.EvaluateAsync<string[]>(
            """
            async () => {
              const { keyPredicate } = await import('./explorer/navigate.js');
              const sku = { name: 'sku', type: 'Edm.String' };
              const products = { key: ['sku'], properties: [sku] };
              const stock = { key: ['warehouse_code', 'sku'], properties: [{ name: 'warehouse_code', type: 'Edm.String' }, sku] };
              const lines = { key: ['order_id', 'line_no'], properties: [{ name: 'order_id', type: 'Edm.Int64' }, { name: 'line_no', type: 'Edm.Int32' }] };
              return [
                keyPredicate(products, { sku: "O'Brien 50%" }),
                keyPredicate(products, { sku: 'Größe/Ü#1' }),
                keyPredicate(products, { sku: 'A&B+C=D' }),
                keyPredicate(products, { sku: 'back\\slash %2F' }),
                keyPredicate(products, { sku: 'a?b c' }),
                keyPredicate(stock, { warehouse_code: 'DÜS1', sku: 'Größe/Ü#1' }),
                keyPredicate(lines, { order_id: '5000000384', line_no: 1 }),
                String(keyPredicate(products, { name: 'no key selected' })),
              ];
            }
            """);
        Assert.Equal(
            [
                "('O''Brien%2050%25')",
                "('Gr%C3%B6%C3%9Fe%2F%C3%9C%231')",
                "('A%26B%2BC%3DD')",
                "('back%5Cslash%20%252F')",
                "('a%3Fb%20c')",
                "(warehouse_code='D%C3%9CS1',sku='Gr%C3%B6%C3%9Fe%2F%C3%9C%231')",
                "(order_id=5000000384,line_no=1)",
                "null",
            ],
            predicates);

        // Each is a key the server reads back to the row it was written from.
        string[] sets = ["products", "products", "products", "products", "products", "stock_levels", "order_lines"];
        for (var i = 0; i < sets.Length; i++)
        {
            var row = await EntityAsync(server.Client, sets[i] + predicates[i]);
            Assert.True(row.Count > 0, $"{sets[i]}{predicates[i]}: no row");
        }

        Assert.Equal("O'Brien 50%", (await EntityAsync(server.Client, "products" + predicates[0]))["sku"]);
        Assert.Equal(@"back\slash %2F", (await EntityAsync(server.Client, "products" + predicates[3]))["sku"]);
        explorer.AssertNoBrowserProblems();
    }

    /// <summary>One entity as the service returns it for <paramref name="path"/>, as the texts the page shows.</summary>
    private static async Task<Dictionary<string, string>> EntityAsync(HttpClient odata, string path)
    {
        var body = await odata.GetTextAsync(path, ExpectedRows.Accept);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.EnumerateObject()
            .Where(p => !p.Name.Contains('@', StringComparison.Ordinal))
            .ToDictionary(p => p.Name, p => ExpectedRows.CellText(p.Value));
    }
}
