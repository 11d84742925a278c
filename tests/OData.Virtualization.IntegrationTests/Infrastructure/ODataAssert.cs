using System.Net;
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

    /// <summary>Asserts an OData error with the given status and returns its <c>error</c> object.</summary>
    public static async Task<JsonElement> GetErrorAsync(this HttpClient client, string url, HttpStatusCode expected)
    {
        using var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"GET {url}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.DoesNotContain("SELECT", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error").Clone();
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("code").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        return error;
    }
}
