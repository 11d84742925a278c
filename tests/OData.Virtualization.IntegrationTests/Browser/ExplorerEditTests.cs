using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OData.Virtualization.IntegrationTests.Browser;

/// <summary>
/// Editing rows in the explorer (issue 13) in Chromium, against PostgreSQL tables opened to writes: a new row, an edit
/// of one field, a refused value shown at its field, a delete confirmed or cancelled, a stale edit, and no controls where
/// the caller may not write. Every outcome is checked in the table itself, not only on the page.
/// </summary>
public sealed class ExplorerEditTests(ExplorerEditFixture fixture, Chromium chromium, ITestOutputHelper output)
    : IClassFixture<ExplorerEditFixture>, IClassFixture<Chromium>
{
    [Fact]
    public async Task NewRow_IsCreated_ShownAndInTheTable()
    {
        await using var explorer = await SignedInAsync(ExplorerEditFixture.AdminKey, "ledgers");
        var page = explorer.Page;
        var newRow = page.GetByRole(AriaRole.Button, new() { Name = "New row" });
        await newRow.ClickAsync();

        var form = page.Locator("#edit-dialog");
        await Expect(form).ToBeVisibleAsync();
        await Expect(form.GetByRole(AriaRole.Heading)).ToHaveTextAsync("New row in ledgers");
        await Expect(form.GetByLabel("id", new() { Exact = true })).ToBeFocusedAsync(); // the identity BY DEFAULT may be given
        await Expect(form.GetByLabel("doubled", new() { Exact = true })).Not.ToBeEditableAsync(); // generated: the database's
        await Expect(form.GetByLabel("created_at", new() { Exact = true })).ToHaveAttributeAsync("type", "datetime-local");
        await form.GetByLabel("branch", new() { Exact = true }).FillAsync("basel");
        await form.GetByLabel("name", new() { Exact = true }).FillAsync("made-in-browser");
        await form.GetByLabel("amount", new() { Exact = true }).FillAsync("42.5");
        await form.GetByLabel("note", new() { Exact = true }).FillAsync("from the page");
        output.WriteLine("Screenshot of the form: " + await explorer.ScreenshotAsync("explorer-edit-new-row"));
        await form.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();

        await Expect(form).ToBeHiddenAsync();
        await Expect(page.Locator("#edit-status")).ToContainTextAsync("Created ledgers");
        var row = Row(page, "made-in-browser");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Edit" })).ToBeFocusedAsync();
        Assert.Equal("basel|42.50|from the page|open|85.00", await fixture.ValueAsync(
            "SELECT branch || '|' || amount || '|' || note || '|' || status || '|' || doubled FROM ledgers WHERE name = 'made-in-browser'"));
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task Edit_OneField_SendsOnlyItWithTheTag_AndLeavesTheOtherColumns()
    {
        var id = await fixture.CreateAsync("""{"branch":"zurich","name":"edit-me","amount":7,"note":"before","iban":"CH00"}""");
        var before = await fixture.RowAsync(id);
        await using var explorer = await SignedInAsync(ExplorerEditFixture.AdminKey, "ledgers");
        var page = explorer.Page;
        var patches = new List<(string? Body, string? IfMatch)>();
        page.Request += (_, request) =>
        {
            if (request.Method == "PATCH")
            {
                patches.Add((request.PostData, request.Headers.GetValueOrDefault("if-match")));
            }
        };

        var edit = Row(page, "edit-me").GetByRole(AriaRole.Button, new() { Name = "Edit" });
        await edit.ClickAsync();
        var form = page.Locator("#edit-dialog");
        await Expect(form.GetByRole(AriaRole.Button, new() { Name = "Save" })).ToBeEnabledAsync(); // the row was read again
        await Expect(form.GetByLabel("id", new() { Exact = true })).Not.ToBeEditableAsync(); // the key
        await Expect(form.GetByLabel("branch", new() { Exact = true })).ToBeFocusedAsync();
        await Expect(form.GetByLabel("note", new() { Exact = true })).ToHaveValueAsync("before");
        await form.GetByLabel("note", new() { Exact = true }).FillAsync("after");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Expect(form).ToBeHiddenAsync();
        await Expect(page.Locator("#edit-status")).ToContainTextAsync($"Saved ledgers {id}");
        Assert.Equal(["after"], await NotesOnThePageAsync(page, "edit-me"));
        await Expect(edit).ToBeFocusedAsync();
        Assert.Equal(before!.Replace(",before,", ",after,", StringComparison.Ordinal), await fixture.RowAsync(id));

        var (body, ifMatch) = Assert.Single(patches);
        Assert.Equal("""{"note":"after"}""", body);
        Assert.StartsWith("W/\"", ifMatch, StringComparison.Ordinal);
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task AValueTheServerRefuses_IsShownAtItsField_AndNothingIsWritten()
    {
        var id = await fixture.CreateAsync("""{"branch":"zurich","name":"too-long","note":"keep"}""");
        var before = await fixture.RowAsync(id);
        await using var explorer = await SignedInAsync(ExplorerEditFixture.AdminKey, "ledgers");
        var page = explorer.Page;
        var edit = Row(page, "too-long").GetByRole(AriaRole.Button, new() { Name = "Edit" });
        await edit.ClickAsync();
        var form = page.Locator("#edit-dialog");
        await Expect(form.GetByRole(AriaRole.Button, new() { Name = "Save" })).ToBeEnabledAsync();
        var name = form.GetByLabel("name", new() { Exact = true });
        await name.FillAsync(new string('x', 25));
        await form.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Expect(name).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(name).ToBeFocusedAsync();
        var describedBy = (await name.GetAttributeAsync("aria-describedby"))!.Split(' ');
        var message = string.Join(" ", await Task.WhenAll(describedBy.Select(d => page.Locator("#" + d).TextContentAsync())));
        Assert.Contains("holds at most 20 characters", message, StringComparison.Ordinal);
        await Expect(form.Locator("#edit-error")).ToContainTextAsync("see the marked field");
        await Expect(form.GetByLabel("note", new() { Exact = true })).Not.ToHaveAttributeAsync("aria-invalid", "true");
        output.WriteLine("Screenshot of the refused value: " + await explorer.ScreenshotAsync("explorer-edit-refused-value"));
        Assert.Equal(before, await fixture.RowAsync(id));

        // Escape closes the form; the focus goes back to the row's Edit button; still nothing written.
        await page.Keyboard.PressAsync("Escape");
        await Expect(form).ToBeHiddenAsync();
        await Expect(edit).ToBeFocusedAsync();
        Assert.Equal(before, await fixture.RowAsync(id));
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task Delete_AsksFirst_CancelKeepsTheRow_ConfirmDeletesIt()
    {
        var keep = await fixture.CreateAsync("""{"branch":"basel","name":"keep-me"}""");
        var gone = await fixture.CreateAsync("""{"branch":"basel","name":"delete-me"}""");
        await using var explorer = await SignedInAsync(ExplorerEditFixture.AdminKey, "ledgers");
        var page = explorer.Page;
        var confirm = page.GetByRole(AriaRole.Alertdialog);

        var deleteKeep = Row(page, "keep-me").GetByRole(AriaRole.Button, new() { Name = "Delete" });
        await deleteKeep.ClickAsync();
        await Expect(confirm).ToContainTextAsync($"Delete the row {keep} of ledgers?");
        await Expect(confirm.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeFocusedAsync();
        output.WriteLine("Screenshot of the confirmation: " + await explorer.ScreenshotAsync("explorer-edit-delete"));
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(confirm).ToBeHiddenAsync();
        await Expect(deleteKeep).ToBeFocusedAsync();
        await Expect(Row(page, "keep-me")).ToHaveCountAsync(1);
        Assert.NotNull(await fixture.RowAsync(keep));

        await Row(page, "delete-me").GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(confirm).ToBeHiddenAsync();
        await Expect(page.Locator("#edit-status")).ToContainTextAsync($"Deleted ledgers {gone}");
        await Expect(Row(page, "delete-me")).ToHaveCountAsync(0);
        await Expect(Row(page, "keep-me")).ToHaveCountAsync(1);
        Assert.Null(await fixture.RowAsync(gone));
        Assert.NotNull(await fixture.RowAsync(keep));
        explorer.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task WhatTheCallerMayNotWrite_HasNoControls()
    {
        // A reader of a writable set: no New row, no Edit, no Delete, no actions column.
        await using (var reader = await SignedInAsync(ExplorerEditFixture.ReaderKey, "ledgers"))
        {
            await Expect(reader.Page.Locator("#results-table tbody tr").First).ToBeVisibleAsync();
            await Expect(reader.Page.GetByRole(AriaRole.Button, new() { Name = "New row" })).ToBeHiddenAsync();
            await Expect(reader.Page.Locator("#results-table tbody button")).ToHaveCountAsync(0);
            await Expect(reader.Page.Locator("#results-table th.row-actions")).ToHaveCountAsync(0);
            reader.AssertNoBrowserProblems();
        }

        // Updates only (strict_ledgers): Edit on each row, no New row and no Delete.
        await using var admin = await SignedInAsync(ExplorerEditFixture.AdminKey, "strict_ledgers");
        await Expect(admin.Page.Locator("#results-table").GetByRole(AriaRole.Button, new() { Name = "Edit" })).ToHaveCountAsync(1);
        await Expect(admin.Page.Locator("#results-table").GetByRole(AriaRole.Button, new() { Name = "Delete" })).ToHaveCountAsync(0);
        await Expect(admin.Page.GetByRole(AriaRole.Button, new() { Name = "New row" })).ToBeHiddenAsync();
        admin.AssertNoBrowserProblems();
    }

    [Fact]
    public async Task AStaleEdit_Shows412_OverwritesNothing_AndReloadingLetsItThrough()
    {
        var id = await fixture.CreateAsync("""{"branch":"zurich","name":"stale-me","note":"v1"}""");
        await using var explorer = await SignedInAsync(ExplorerEditFixture.AdminKey, "ledgers");
        var page = explorer.Page;
        await Row(page, "stale-me").GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        var form = page.Locator("#edit-dialog");
        await Expect(form.GetByRole(AriaRole.Button, new() { Name = "Save" })).ToBeEnabledAsync();
        var note = form.GetByLabel("note", new() { Exact = true });
        await Expect(note).ToHaveValueAsync("v1");

        await fixture.ExecuteAsync($"UPDATE ledgers SET note = 'theirs' WHERE id = {id}"); // someone else, meanwhile
        await note.FillAsync("mine");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(form.Locator("#edit-error")).ToContainTextAsync("changed since you read it");
        await Expect(form).ToBeVisibleAsync();
        Assert.Equal("theirs", await fixture.ValueAsync($"SELECT note FROM ledgers WHERE id = {id}"));

        // Reloading shows their value; a change made on it goes through.
        await form.GetByRole(AriaRole.Button, new() { Name = "Reload the row" }).ClickAsync();
        await Expect(note).ToHaveValueAsync("theirs");
        await note.FillAsync("mine, on theirs");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(form).ToBeHiddenAsync();
        Assert.Equal("mine, on theirs", await fixture.ValueAsync($"SELECT note FROM ledgers WHERE id = {id}"));
        explorer.AssertNoBrowserProblems();
    }

    /// <summary>A 401 to a save (a key revoked meanwhile) asks for credentials, and the save goes through after them.</summary>
    [Fact]
    public async Task ASaveAnswered401_AsksForCredentials_ThenWrites()
    {
        var id = await fixture.CreateAsync("""{"branch":"zurich","name":"sign-in-again","note":"v1"}""");
        await using var explorer = await SignedInAsync(ExplorerEditFixture.AdminKey, "ledgers");
        var page = explorer.Page;
        var refused = false;
        await page.RouteAsync(new System.Text.RegularExpressions.Regex($@"/odata/ledgers\({id}\)$"), async route =>
        {
            if (route.Request.Method == "PATCH" && !refused)
            {
                refused = true;
                await route.FulfillAsync(new()
                {
                    Status = 401,
                    Headers = new Dictionary<string, string> { ["WWW-Authenticate"] = "ApiKey header=\"X-API-Key\"" },
                    ContentType = "application/json",
                    Body = """{"error":{"code":"Unauthorized","message":"The API key was not accepted."}}""",
                });
                return;
            }

            await route.ContinueAsync();
        });
        await Row(page, "sign-in-again").GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        var form = page.Locator("#edit-dialog");
        await Expect(form.GetByRole(AriaRole.Button, new() { Name = "Save" })).ToBeEnabledAsync();
        await form.GetByLabel("note", new() { Exact = true }).FillAsync("v2");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        var signIn = page.Locator("#auth-dialog");
        await Expect(signIn).ToContainTextAsync("To write, sign in again");
        Assert.Equal("v1", await fixture.ValueAsync($"SELECT note FROM ledgers WHERE id = {id}"));
        await signIn.Locator("#auth-key").FillAsync(ExplorerEditFixture.AdminKey);
        await signIn.GetByRole(AriaRole.Button, new() { Name = "Use these credentials" }).ClickAsync();
        await Expect(form).ToBeHiddenAsync();
        Assert.True(refused);
        Assert.Equal("v2", await fixture.ValueAsync($"SELECT note FROM ledgers WHERE id = {id}"));
        explorer.AssertNoBrowserProblems();
    }

    /// <summary>What the form shows but cannot send, and what the database fills in: only for a set the caller may write.</summary>
    [Fact]
    public async Task Sources_NameTheReadOnlyAndDefaultedProperties_OfWritableSetsOnly()
    {
        Assert.Equal("doubled / id,amount,status,created_at", await SourcesAsync(ExplorerEditFixture.AdminKey, "ledgers"));
        Assert.Equal(" / ", await SourcesAsync(ExplorerEditFixture.AdminKey, "strict_ledgers"));
        Assert.Null(await SourcesAsync(ExplorerEditFixture.ReaderKey, "ledgers"));
    }

    /// <summary>"readOnly / defaulted" of a set in explorer/sources, each a comma-separated list; null without them.</summary>
    private async Task<string?> SourcesAsync(string key, string set)
    {
        using var client = new HttpClient { BaseAddress = fixture.Root };
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        using var json = JsonDocument.Parse(await client.GetStringAsync("explorer/sources"));
        var entry = json.RootElement.GetProperty("sources").EnumerateArray().SelectMany(s => s.GetProperty("entitySets").EnumerateArray())
            .Single(e => e.GetProperty("name").GetString() == set);
        static string Names(JsonElement array) => string.Join(",", array.EnumerateArray().Select(n => n.GetString()));
        return entry.TryGetProperty("readOnly", out var readOnly) ? $"{Names(readOnly)} / {Names(entry.GetProperty("defaulted"))}" : null;
    }

    /// <summary>The page on <paramref name="set"/>, signed in with an API key through the page's own prompt.</summary>
    private async Task<ExplorerPage> SignedInAsync(string key, string set)
    {
        var explorer = await chromium.OpenAsync(fixture.Root);
        var page = explorer.Page;
        await page.GotoAsync("#/" + set);
        await Expect(explorer.Dialog).ToBeVisibleAsync();
        await explorer.Dialog.GetByRole(AriaRole.Radio, new() { Name = "API key" }).CheckAsync();
        await explorer.Dialog.Locator("#auth-key").FillAsync(key);
        await explorer.Dialog.GetByRole(AriaRole.Button, new() { Name = "Use these credentials" }).ClickAsync();
        await Expect(page.Locator("#set-title")).ToHaveTextAsync(set);
        await Expect(explorer.Status).ToContainTextAsync("page 1");
        return explorer;
    }

    private static ILocator Row(IPage page, string name)
        => page.Locator("#results-table tbody tr").Filter(new() { Has = page.Locator("td", new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(name) + "$") }) });

    private static async Task<string[]> NotesOnThePageAsync(IPage page, string name)
        => JsonSerializer.Deserialize<string[]>(await page.EvaluateAsync<string>(
            """
            name => {
              const headers = [...document.querySelectorAll('#results-table thead th')];
              const at = column => headers.findIndex(th => th.dataset.column === column);
              return JSON.stringify([...document.querySelectorAll('#results-table tbody tr')]
                .filter(tr => tr.children[at('name')].textContent === name)
                .map(tr => tr.children[at('note')].textContent));
            }
            """, name))!;
}
