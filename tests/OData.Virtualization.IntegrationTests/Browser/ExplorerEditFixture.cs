using System.Text;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Writes;
using OData.Virtualization.Security;

namespace OData.Virtualization.IntegrationTests.Browser;

/// <summary>
/// The write tests' PostgreSQL tables (<see cref="WriteFixture.PostgresDdl"/>) in a database of their own, served on real
/// Kestrel for a browser: <c>ledgers</c> open to every write and <c>strict_ledgers</c> to updates with a required
/// If-Match; <c>admin</c> may make all of them, <c>reader</c> none (it reads <c>ledgers</c>).
/// </summary>
public sealed class ExplorerEditFixture : IAsyncLifetime
{
    public const string AdminKey = WriteFixture.AdminKey;
    public const string ReaderKey = WriteFixture.ReaderKey;

    private ScratchDatabase? _database;
    private InProcessServer? _server;

    /// <summary>The server root, where the explorer page is.</summary>
    public Uri Root { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _database = await ScratchDatabase.CreateAsync("explorer_edit_" + Guid.NewGuid().ToString("N")[..8], WriteFixture.PostgresDdl);
        var settings = InProcessServer.PostgresSettings("w", _database.ConnectionString);
        settings["OData:Sources:w:EntitySets:public.ledgers:Writes:Insert"] = "true";
        settings["OData:Sources:w:EntitySets:public.ledgers:Writes:Update"] = "true";
        settings["OData:Sources:w:EntitySets:public.ledgers:Writes:Delete"] = "true";
        settings["OData:Sources:w:EntitySets:public.strict_ledgers:Writes:Update"] = "true";
        settings["OData:Sources:w:EntitySets:public.strict_ledgers:Writes:RequireIfMatch"] = "true";
        const string Security = "OData:Security:";
        settings[Security + "AllowAnonymous"] = "false";
        settings[Security + "ApiKeys:admin:KeyHash"] = SecretHasher.HashApiKey(AdminKey);
        settings[Security + "ApiKeys:admin:Roles:0"] = "admin";
        settings[Security + "ApiKeys:reader:KeyHash"] = SecretHasher.HashApiKey(ReaderKey);
        settings[Security + "ApiKeys:reader:Roles:0"] = "reader";
        settings[Security + "Policies:0:Roles:0"] = "admin";
        settings[Security + "Policies:0:EntitySets:ledgers:Writes:0"] = "insert";
        settings[Security + "Policies:0:EntitySets:ledgers:Writes:1"] = "update";
        settings[Security + "Policies:0:EntitySets:ledgers:Writes:2"] = "delete";
        settings[Security + "Policies:0:EntitySets:strict_ledgers:Writes:0"] = "update";
        settings[Security + "Policies:1:Roles:0"] = "reader";
        settings[Security + "Policies:1:EntitySets:ledgers:RowFilter"] = "true";
        _server = new InProcessServer(settings);
        Root = _server.StartKestrel();
    }

    /// <summary>Creates a row through the OData service as <c>admin</c> (so that no cached page hides it); returns its id.</summary>
    public async Task<int> CreateAsync(string json)
    {
        using var client = new HttpClient { BaseAddress = new Uri(Root, "odata/") };
        client.DefaultRequestHeaders.Add("X-API-Key", AdminKey);
        using var response = await client.PostAsync("ledgers", new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetInt32();
    }

    /// <summary>Runs <paramref name="sql"/> on the database directly: another writer than the server.</summary>
    public Task<int> ExecuteAsync(string sql, params object?[] parameters) => _database!.ExecuteAsync(sql, parameters);

    /// <summary>One row of <c>ledgers</c> as text (every column, as PostgreSQL writes a row), or null when it is not there.</summary>
    public async Task<string?> RowAsync(int id)
        => (await _database!.QueryAsync($"SELECT l::text FROM ledgers l WHERE id = {id}", r => r.GetString(0))).SingleOrDefault();

    /// <summary>One value of <c>ledgers</c> as text.</summary>
    public async Task<string?> ValueAsync(string sql)
        => (await _database!.QueryAsync(sql, r => r.IsDBNull(0) ? null : Convert.ToString(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture))).SingleOrDefault();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
