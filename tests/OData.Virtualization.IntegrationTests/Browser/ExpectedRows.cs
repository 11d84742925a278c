using System.Globalization;
using System.Text.Json;

namespace OData.Virtualization.IntegrationTests.Browser;

/// <summary>
/// What the OData service itself returns for a query, read with HttpClient the way the page reads it (decimals and
/// 64-bit integers as strings, server-driven pages), and turned into the texts the page should show in its cells.
/// </summary>
public sealed record ExpectedRows(long Count, IReadOnlyList<IReadOnlyList<Dictionary<string, string>>> Pages)
{
    public const string Accept = "application/json;odata.metadata=minimal;IEEE754Compatible=true";

    /// <summary>
    /// The first <paramref name="pages"/> pages of <paramref name="url"/> at <paramref name="pageSize"/> rows a page;
    /// <paramref name="binary"/> names the Edm.Binary columns (shown as their length and first bytes).
    /// </summary>
    public static async Task<ExpectedRows> ReadAsync(HttpClient odata, string url, int pageSize, int pages, IReadOnlyCollection<string>? binary = null)
    {
        var result = new List<IReadOnlyList<Dictionary<string, string>>>();
        long count = -1;
        string? next = url;
        while (next is not null && result.Count < pages)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, next);
            request.Headers.TryAddWithoutValidation("Accept", Accept);
            request.Headers.TryAddWithoutValidation("Prefer", "odata.maxpagesize=" + pageSize.ToString(CultureInfo.InvariantCulture));
            using var response = await odata.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"GET {next}: {(int)response.StatusCode} {body}");
            using var json = JsonDocument.Parse(body);
            if (count < 0)
            {
                var total = json.RootElement.GetProperty("@odata.count");
                count = total.ValueKind == JsonValueKind.String ? long.Parse(total.GetString()!, CultureInfo.InvariantCulture) : total.GetInt64();
            }

            result.Add(json.RootElement.GetProperty("value").EnumerateArray()
                .Select(row => row.EnumerateObject().Where(p => !p.Name.Contains('@', StringComparison.Ordinal)).ToDictionary(p => p.Name, p => binary?.Contains(p.Name) == true && p.Value.ValueKind == JsonValueKind.String ? DescribeBinary(p.Value.GetString()!) : CellText(p.Value)))
                .ToList());
            next = json.RootElement.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
        }

        return new ExpectedRows(count, result);
    }

    /// <summary>The text a cell shows for a JSON value (binary columns aside): NULL for null, every digit as sent.</summary>
    public static string CellText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "NULL",
        JsonValueKind.String => value.GetString() is { Length: > 0 } text ? text : "empty",
        _ => value.GetRawText(),
    };

    /// <summary>How the page shows a base64 value: "12 bytes · 89 50 4e 47 0d 0a 1a 0a …".</summary>
    public static string DescribeBinary(string base64)
    {
        var text = base64.Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        var bytes = Convert.FromBase64String(text);
        var hex = string.Join(" ", bytes.Take(8).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        return string.Create(CultureInfo.InvariantCulture, $"{bytes.Length:N0} {(bytes.Length == 1 ? "byte" : "bytes")} · {hex}{(bytes.Length > 8 ? " …" : string.Empty)}");
    }

    /// <summary>"1,234": how the page writes counts.</summary>
    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
