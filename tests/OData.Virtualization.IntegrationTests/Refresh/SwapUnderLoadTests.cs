using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using OData.Virtualization.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace OData.Virtualization.IntegrationTests.Refresh;

/// <summary>
/// Requests running while the model is swapped again and again all succeed with the right rows: eight clients read
/// pages, entities, counts, a cached set, the Salesforce profile and whole next-link walks while columns are added and
/// the model refreshed a dozen times. (Only additive changes: a query that runs between a DROP COLUMN and the refresh
/// meets a column the model still has — that is the 503 SchemaChanged case, not the swap's.)
/// </summary>
public sealed class SwapUnderLoadTests(ITestOutputHelper output)
{
    private const int Swaps = 12;
    private const int Clients = 8;

    [Fact]
    public async Task ManyRefreshes_WhileClientsRead_NoFailureAndNoWrongRow()
    {
        await using var database = await ScratchDatabase.CreateAsync("refresh_load", """
            CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, grp integer NOT NULL);
            INSERT INTO items SELECT i, 'item ' || i, i % 10 FROM generate_series(1, 100) AS i;
            CREATE TABLE cached (id integer PRIMARY KEY, name text NOT NULL);
            INSERT INTO cached SELECT i, 'cached ' || i FROM generate_series(1, 100) AS i;
            """);
        await using var server = await RefreshServer.StartAsync(database.ConnectionString, s =>
        {
            // Every request on items plans and runs its SQL; cached is served from the cache between misses.
            s["OData:Sources:src:EntitySets:public.items:CacheTtlSeconds"] = "0";
            s["OData:Cache:DefaultTtlSeconds"] = "1";
        });
        var startGeneration = server.Models.Snapshot.Generation;
        var failures = new ConcurrentQueue<string>();
        var requests = 0;
        using var stop = new CancellationTokenSource();

        var clients = Enumerable.Range(0, Clients).Select(worker => Task.Run(async () =>
        {
            for (var i = worker; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    var failure = await CheckAsync(server.Client, i % 7);
                    if (failure is not null)
                    {
                        failures.Enqueue(failure);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException)
                {
                    failures.Enqueue(ex.Message);
                }

                Interlocked.Increment(ref requests);
            }
        })).ToList();

        for (var swap = 1; swap <= Swaps; swap++)
        {
            await database.ExecuteAsync($"ALTER TABLE items ADD COLUMN c{swap} integer DEFAULT {swap}" + (swap % 3 == 0 ? $"; ALTER TABLE cached ADD COLUMN c{swap} integer" : string.Empty));
            Assert.Equal("Published", (await server.RefreshAsync()).GetProperty("outcome").GetString());
            Assert.NotNull(server.Models.Current.Sets["items"].FindColumn("c" + swap.ToString(CultureInfo.InvariantCulture)));
            Assert.Equal("Unchanged", (await server.RefreshAsync()).GetProperty("outcome").GetString()); // and one that finds nothing new
            await Task.Delay(50);
        }

        await Task.Delay(200);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        output.WriteLine($"{requests} requests by {Clients} clients during {Swaps} swaps and {Swaps} unchanged refreshes; {failures.Count} failed.");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {requests} requests failed during the swaps, for example: {string.Join(" | ", failures.Take(5))}");
        Assert.True(requests > 200, $"only {requests} requests ran during the swaps");
        Assert.Equal(startGeneration + Swaps, server.Models.Snapshot.Generation);
        var columns = await server.PropertiesAsync("items");
        Assert.Equal(["id", "name", "grp", .. Enumerable.Range(1, Swaps).Select(i => "c" + i.ToString(CultureInfo.InvariantCulture))], columns);
    }

    /// <summary>One request of kind <paramref name="kind"/>; null when its answer is right, else what was wrong.</summary>
    private static async Task<string?> CheckAsync(HttpClient client, int kind)
    {
        switch (kind)
        {
            case 0:
            {
                var (rows, error) = await RowsAsync(client, "items?$filter=grp eq 3&$orderby=id");
                return error ?? Expect("filter", rows.Select(r => (r.GetProperty("id").GetInt32(), r.GetProperty("name").GetString())),
                    Enumerable.Range(0, 10).Select(i => (i * 10 + 3, (string?)("item " + (i * 10 + 3)))));
            }

            case 1:
            {
                var (response, body) = await client.SendAsync(HttpMethod.Get, "items(42)");
                using (response)
                {
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        return $"items(42): {(int)response.StatusCode} {body}";
                    }
                }

                var row = JsonDocument.Parse(body).RootElement;
                return row.GetProperty("id").GetInt32() == 42 && row.GetProperty("name").GetString() == "item 42" ? null : "items(42): " + body;
            }

            case 2:
            {
                var (response, body) = await client.SendAsync(HttpMethod.Get, "items/$count?$filter=grp lt 5");
                using (response)
                {
                    return response.StatusCode == HttpStatusCode.OK && body == "50" ? null : $"count: {(int)response.StatusCode} {body}";
                }
            }

            case 3:
            {
                var (rows, error) = await RowsAsync(client, "items?$select=id,name&$top=5&$orderby=id desc");
                return error ?? Expect("top", rows.Select(r => r.GetProperty("id").GetInt32()), [100, 99, 98, 97, 96]);
            }

            case 4:
            {
                // A whole walk, its links minted on one model and followed on the next.
                var ids = new List<int>();
                string? link = "items?$select=id&$orderby=id";
                while (link is not null)
                {
                    var (response, body) = await client.SendAsync(HttpMethod.Get, link, ("Prefer", "odata.maxpagesize=20"));
                    using (response)
                    {
                        if (response.StatusCode != HttpStatusCode.OK)
                        {
                            return $"walk {link}: {(int)response.StatusCode} {body}";
                        }
                    }

                    var page = JsonDocument.Parse(body).RootElement;
                    ids.AddRange(page.GetProperty("value").EnumerateArray().Select(r => r.GetProperty("id").GetInt32()));
                    link = page.TryGetProperty("@odata.nextLink", out var next) ? next.GetString() : null;
                }

                return Expect("walk", ids, Enumerable.Range(1, 100));
            }

            case 5:
            {
                var (rows, error) = await RowsAsync(client, "cached?$filter=id le 10&$orderby=id");
                return error ?? Expect("cached", rows.Select(r => (r.GetProperty("id").GetInt32(), r.GetProperty("name").GetString())),
                    Enumerable.Range(1, 10).Select(i => (i, (string?)("cached " + i))));
            }

            default:
            {
                var (rows, error) = await RowsAsync(client, "/salesforce/items?$select=id,name&$filter=id eq 7&$count=true");
                return error ?? Expect("salesforce", rows.Select(r => r.GetProperty("name").GetString()), ["item 7"]);
            }
        }
    }

    private static async Task<(List<JsonElement> Rows, string? Error)> RowsAsync(HttpClient client, string url)
    {
        var (response, body) = await client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return ([], $"{url}: {(int)response.StatusCode} {body}");
            }
        }

        return (JsonDocument.Parse(body).RootElement.GetProperty("value").EnumerateArray().ToList(), null);
    }

    private static string? Expect<T>(string what, IEnumerable<T> actual, IEnumerable<T> expected)
    {
        var got = actual.ToList();
        return got.SequenceEqual(expected) ? null : $"{what}: wrong rows {string.Join(",", got.Take(12))}";
    }
}
