using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace OData.Virtualization.IntegrationTests.Infrastructure;

/// <summary>Small helpers for reading OData responses in tests.</summary>
public static class ODataAssert
{
    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"GET {url}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Single(response.Headers.GetValues("OData-Version"));
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Reads <c>value</c> of a collection response.</summary>
    public static async Task<List<JsonElement>> GetValuesAsync(this HttpClient client, string url)
    {
        var json = await client.GetJsonAsync(url);
        return json.GetProperty("value").EnumerateArray().ToList();
    }

    /// <summary>
    /// Reads a collection to its end, following <c>@odata.nextLink</c>, and returns each row's key (the values of
    /// <paramref name="keyProperties"/> as text, joined with <c>|</c>) in the order served, and <c>@odata.count</c> if present.
    /// </summary>
    public static async Task<(List<string> Keys, long? Count)> GetAllKeysAsync(this HttpClient client, string url, IReadOnlyList<string> keyProperties)
    {
        var keys = new List<string>();
        long? count = null;
        string? next = url;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (next is not null)
        {
            Assert.True(seen.Add(next), $"GET {url}: @odata.nextLink repeats {next}");
            var json = await client.GetJsonAsync(next);
            if (count is null && json.TryGetProperty("@odata.count", out var total))
            {
                count = total.ValueKind == JsonValueKind.String ? long.Parse(total.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : total.GetInt64();
            }

            foreach (var row in json.GetProperty("value").EnumerateArray())
            {
                keys.Add(string.Join("|", keyProperties.Select(p => KeyText(row.GetProperty(p)))));
            }

            next = json.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
        }

        return (keys, count);

        static string KeyText(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
    }

    /// <summary>Asserts an OData error with the given status and returns its <c>error</c> object.</summary>
    public static async Task<JsonElement> GetErrorAsync(this HttpClient client, string url, HttpStatusCode expected)
    {
        // The SQL check is case-sensitive (the compiler writes keywords in upper case): "$select" in a message or
        // target is not leaked SQL.
        var (response, body) = await client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            return AssertError(response, body, expected, "GET " + url);
        }
    }

    /// <summary>Power Query's (Power BI, Excel) Accept header, exactly as OData.Feed sends it.</summary>
    public const string PowerQueryAccept = "application/json;odata.metadata=minimal;q=1.0,application/json;odata=minimalmetadata;q=0.9,application/atomsvc+xml;q=0.8,application/atom+xml;q=0.8,application/xml;q=0.7,text/plain;q=0.7";

    /// <summary>A string key or literal as a client writes it into a URL: quoted, quotes doubled, percent-encoded.</summary>
    public static string StringLiteral(string value) => Uri.EscapeDataString("'" + value.Replace("'", "''", StringComparison.Ordinal) + "'");

    /// <summary>Sends a request with optional headers; returns the response (caller disposes) and its body as text.</summary>
    public static async Task<(HttpResponseMessage Response, string Body)> SendAsync(this HttpClient client, HttpMethod method, string url, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, url);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (method == HttpMethod.Post || method == HttpMethod.Put || method == HttpMethod.Patch)
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (response, body);
    }

    /// <summary>GETs <paramref name="url"/> and returns the raw body text (to compare exact JSON number text).</summary>
    public static async Task<string> GetTextAsync(this HttpClient client, string url, string? accept = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var headers = accept is null ? Array.Empty<(string, string)>() : [("Accept", accept)];
        var (response, body) = await client.SendAsync(HttpMethod.Get, url, headers);
        using (response)
        {
            Assert.True(expected == response.StatusCode, $"GET {url}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
            AssertSingleODataVersion(response, url);
            return body;
        }
    }

    /// <summary>Exactly one <c>OData-Version: 4.0</c> header (Power Query rejects a response without or with two).</summary>
    public static void AssertSingleODataVersion(HttpResponseMessage response, string url)
    {
        Assert.True(response.Headers.TryGetValues("OData-Version", out var values), $"{url}: no OData-Version header ({(int)response.StatusCode})");
        var list = values!.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries)).ToList();
        Assert.True(list is ["4.0"], $"{url}: OData-Version was [{string.Join("|", list)}]");
        Assert.False(response.Content.Headers.Contains("OData-Version"), $"{url}: OData-Version also among the content headers");
    }

    /// <summary>Asserts an OData error body in an already received response: no SQL, no stack trace, code and message set.</summary>
    public static JsonElement AssertError(HttpResponseMessage response, string body, HttpStatusCode expected, string what)
    {
        Assert.True(expected == response.StatusCode, $"{what}: expected {(int)expected}, got {(int)response.StatusCode}: {Shorten(body)}");
        return AssertErrorBody(response, body, what);
    }

    /// <summary>Asserts a 4xx OData error (any 4xx status) and returns its <c>error</c> object.</summary>
    public static JsonElement AssertClientError(HttpResponseMessage response, string body, string what)
    {
        var status = (int)response.StatusCode;
        Assert.True(status is >= 400 and < 500, $"{what}: expected a 4xx, got {status}: {Shorten(body)}");
        return AssertErrorBody(response, body, what);
    }

    /// <summary>Asserts a 4xx or a 501 (not supported) OData error and returns its <c>error</c> object.</summary>
    public static JsonElement AssertClientErrorOr501(HttpResponseMessage response, string body, string what)
    {
        var status = (int)response.StatusCode;
        Assert.True(status is (>= 400 and < 500) or 501, $"{what}: expected a 4xx or 501, got {status}: {Shorten(body)}");
        return AssertErrorBody(response, body, what);
    }

    private static JsonElement AssertErrorBody(HttpResponseMessage response, string body, string what)
    {
        AssertSingleODataVersion(response, what);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        // The compiler writes SQL keywords in upper case: any of these in a body is leaked SQL or a stack trace.
        // (Unless the client sent it: an error may quote the client's own text.)
        var sent = Uri.UnescapeDataString(what);
        foreach (var leak in new[] { "SELECT ", " FROM \"", " FROM (", " WHERE ", " AS t0", "Npgsql", "SqliteException", "PostgresException", "   at ", "Exception:" })
        {
            Assert.False(body.Contains(leak, StringComparison.Ordinal) && !sent.Contains(leak, StringComparison.Ordinal), $"{what}: the error body leaks '{leak}': {Shorten(body)}");
        }

        var error = JsonDocument.Parse(body).RootElement.GetProperty("error").Clone();
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("code").GetString()), $"{what}: error.code is empty: {body}");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), $"{what}: error.message is empty: {body}");
        return error;
    }

    /// <summary>GETs <paramref name="url"/> and returns the number in a <c>/$count</c> response.</summary>
    public static async Task<long> GetCountAsync(this HttpClient client, string url)
    {
        var (response, body) = await client.SendAsync(HttpMethod.Get, url);
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: expected 200, got {(int)response.StatusCode}: {Shorten(body)}");
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            AssertSingleODataVersion(response, url);
            return long.Parse(body, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public static string Shorten(string text) => text.Length <= 600 ? text : text[..600] + "…";

    public static MediaTypeHeaderValue? ContentType(this HttpResponseMessage response) => response.Content.Headers.ContentType;
}
