using System.Net;
using System.Text.Json;
using Microsoft.OData.Edm;
using OData.Virtualization.IntegrationTests.Infrastructure;

namespace OData.Virtualization.IntegrationTests.Generality;

/// <summary>The hostile-schema sweep, shared by the PostgreSQL and MariaDB hostile schemas.</summary>
internal static class EverythingSweep
{
    /// <summary>Every set and property of <paramref name="model"/>: read, ordered both ways, filtered by each value, echoed exactly, read by key.</summary>
    /// <param name="unfindable">A value a source documents it cannot find by itself (its echo is not checked; the caller asserts what happens instead).</param>
    public static async Task<List<string>> ReadOrderFilterAndEchoAsync(HttpClient client, OData.Virtualization.Model.PublishedModel model, Func<string, string, JsonElement, bool>? unfindable = null)
    {
        var failures = new List<string>();
        foreach (var set in model.Sets.Values)
        {
            var rows = await client.GetValuesAsync($"{set.Name}?$top=50");
            foreach (var property in set.EdmType.StructuralProperties())
            {
                if (property.Type.IsCollection())
                {
                    continue;
                }

                var name = property.Name;
                foreach (var direction in new[] { "asc", "desc" })
                {
                    using var ordered = await client.GetAsync($"{set.Name}?$orderby={Uri.EscapeDataString(name)} {direction}&$top=5");
                    if (ordered.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Add($"{set.Name} $orderby={name} {direction}: {(int)ordered.StatusCode} {await ordered.Content.ReadAsStringAsync()}");
                    }
                }

                foreach (var row in rows)
                {
                    var value = row.GetProperty(name);
                    var literal = Literal(value, property.Type);
                    if (literal is null || unfindable?.Invoke(set.Name, name, value) == true)
                    {
                        continue;
                    }

                    var url = $"{set.Name}?$filter={Uri.EscapeDataString(name)} eq {Uri.EscapeDataString(literal)}";
                    using var response = await client.GetAsync(url);
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Add($"{url}: {(int)response.StatusCode} {body}");
                        continue;
                    }

                    var matches = JsonDocument.Parse(body).RootElement.GetProperty("value").EnumerateArray().ToList();
                    if (!matches.Any(m => m.GetRawText() == row.GetRawText()))
                    {
                        failures.Add($"{url}: the row it came from is missing or changed ({row.GetRawText()})");
                    }

                    if (matches.Any(m => m.GetProperty(name).GetRawText() != value.GetRawText()))
                    {
                        failures.Add($"{url}: a returned row does not echo the filtered value");
                    }
                }
            }

            // Every row can be read back by its key.
            foreach (var row in rows)
            {
                var key = string.Join(",", set.Key.Select(k => (set.Key.Count == 1 ? string.Empty : k.PropertyName + "=") + Uri.EscapeDataString(Literal(row.GetProperty(k.PropertyName), k.EdmProperty.Type)!)));
                using var byKey = await client.GetAsync($"{set.Name}({key})");
                var body = await byKey.Content.ReadAsStringAsync();
                if (byKey.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"{set.Name}({key}): {(int)byKey.StatusCode} {body}");
                }
            }
        }

        return failures;
    }

    public static string? Literal(JsonElement value, IEdmTypeReference type)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return "null";
        }

        return type.PrimitiveKind() switch
        {
            EdmPrimitiveTypeKind.String => "'" + value.GetString()!.Replace("'", "''", StringComparison.Ordinal) + "'",
            EdmPrimitiveTypeKind.Boolean => value.GetBoolean() ? "true" : "false",
            EdmPrimitiveTypeKind.Int16 or EdmPrimitiveTypeKind.Int32 or EdmPrimitiveTypeKind.Int64 or EdmPrimitiveTypeKind.Byte => value.GetRawText(),
            // The URI parser converts decimal literals to System.Decimal: beyond 28 digits it refuses them (a 400, tested below).
            EdmPrimitiveTypeKind.Decimal => value.GetRawText().Count(char.IsAsciiDigit) <= 28 ? value.GetRawText() : null,
            EdmPrimitiveTypeKind.Double or EdmPrimitiveTypeKind.Single => value.ValueKind == JsonValueKind.Number ? value.GetRawText() : null,
            EdmPrimitiveTypeKind.Guid or EdmPrimitiveTypeKind.Date or EdmPrimitiveTypeKind.TimeOfDay or EdmPrimitiveTypeKind.DateTimeOffset => value.GetString(),
            EdmPrimitiveTypeKind.Duration => "duration'" + value.GetString() + "'",
            EdmPrimitiveTypeKind.Binary => "binary'" + value.GetString() + "'",
            _ => null,
        };
    }
}
