using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Endpoints;

public abstract class SmokeTests(ServerFixture fixture)
{
    [Fact]
    public async Task ServiceDocument_ListsSeedSets()
    {
        var sets = await fixture.Client.GetValuesAsync("");
        var names = sets.Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Contains("erp_customers", names);
        Assert.Contains("transactions", names);
        Assert.DoesNotContain("audit_log", names);
    }

    [Fact]
    public async Task Customers_Top2WithCount_ReturnsTwoRowsAndTotal()
    {
        var json = await fixture.Client.GetJsonAsync("erp_customers?$top=2&$count=true");
        Assert.True(json.TryGetProperty("@odata.count", out _), json.ToString());
        Assert.Equal(2000, json.GetProperty("@odata.count").GetInt64());
        Assert.Equal(2, json.GetProperty("value").GetArrayLength());
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSmokeTests(PostgresFixture fixture) : SmokeTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteSmokeTests(SqliteFixture fixture) : SmokeTests(fixture);
