using System.Text.Json;
using System.Text.RegularExpressions;
using OData.Virtualization.Hosting;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Endpoints;

/// <summary>
/// The queries a newcomer tries first: the README's <c>curl</c> examples, read from README.md itself so that README and
/// test cannot drift, run against the demo exactly as a fresh clone serves it. Each returns rows, and every column it
/// selects has a value in every row (a first query full of <c>null</c> looks broken). The start-up banner prints the
/// same queries.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed partial class ReadmeExampleTests(SqliteFixture fixture)
{
    /// <summary>The URLs under the service root of every <c>curl 'http://localhost:5000/odata/…'</c> in README.md.</summary>
    private static IReadOnlyList<string> ReadmeQueries()
    {
        var readme = File.ReadAllText(Path.Combine(PostgresCluster.RepositoryRoot(), "README.md"));
        return [.. CurlExample().Matches(readme).Select(m => m.Groups[1].Value)];
    }

    [Fact]
    public void TheBanner_PrintsTheReadmesQueries()
    {
        var queries = ReadmeQueries();
        Assert.True(queries.Count >= 2, "README.md should show at least two curl examples against http://localhost:5000/odata/.");
        Assert.Equal(queries, fixture.Services.GetSampleQueries());
    }

    [Fact]
    public async Task EveryReadmeQuery_ReturnsRows_WithAValueInEverySelectedColumn()
    {
        foreach (var query in ReadmeQueries())
        {
            var json = await fixture.Client.GetJsonAsync(query);
            var rows = json.GetProperty("value").EnumerateArray().ToList();
            Assert.True(rows.Count > 0, $"{query} returned no rows.");
            var selected = Selected(query);
            foreach (var row in rows)
            {
                var columns = selected ?? [.. row.EnumerateObject().Where(p => !p.Name.Contains('@', StringComparison.Ordinal)).Select(p => p.Name)];
                foreach (var column in columns)
                {
                    Assert.True(
                        row.TryGetProperty(column, out var value) && value.ValueKind != JsonValueKind.Null,
                        $"{query}: '{column}' is null or missing in {row}. Choose a README example whose every selected column has a value.");
                }
            }

            if (query.Contains("$count=true", StringComparison.Ordinal))
            {
                Assert.True(json.GetProperty("@odata.count").GetInt64() >= rows.Count, query);
            }
        }
    }

    /// <summary>The columns of the query's <c>$select</c>, or null when it selects every column.</summary>
    private static string[]? Selected(string query)
    {
        var question = query.IndexOf('?', StringComparison.Ordinal);
        foreach (var option in question < 0 ? [] : query[(question + 1)..].Split('&'))
        {
            var decoded = Uri.UnescapeDataString(option);
            if (decoded.StartsWith("$select=", StringComparison.Ordinal))
            {
                return decoded["$select=".Length..].Split(',', StringSplitOptions.TrimEntries);
            }
        }

        return null;
    }

    [GeneratedRegex(@"curl '(?:http://localhost:5000/odata/)([^']+)'")]
    private static partial Regex CurlExample();
}
