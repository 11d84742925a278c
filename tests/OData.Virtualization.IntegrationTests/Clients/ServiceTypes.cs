using System.Globalization;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;

namespace OData.Virtualization.IntegrationTests.Clients;

/// <summary>
/// The property types of every entity set as the server's own <c>$metadata</c> declares them, and the comparison of a
/// row as a client read it with the row as the server wrote it: by value for the property's EDM type (a client
/// writes 12.50 as "12.5", an instant in another offset), exact otherwise.
/// </summary>
public sealed class ServiceTypes(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> propertiesBySet)
{
    public IReadOnlyCollection<string> EntitySets => (IReadOnlyCollection<string>)propertiesBySet.Keys;

    public IReadOnlyDictionary<string, string> Properties(string entitySet) => propertiesBySet[entitySet];

    public static async Task<ServiceTypes> ReadAsync(HttpClient server)
    {
        var document = XDocument.Parse(await server.GetStringAsync("$metadata"));
        XNamespace edm = "http://docs.oasis-open.org/odata/ns/edm";
        var types = document.Descendants(edm + "EntityType").ToDictionary(
            t => t.Attribute("Name")!.Value,
            t => (IReadOnlyDictionary<string, string>)t.Elements(edm + "Property").ToDictionary(p => p.Attribute("Name")!.Value, p => p.Attribute("Type")!.Value, StringComparer.Ordinal),
            StringComparer.Ordinal);
        var sets = document.Descendants(edm + "EntitySet").ToDictionary(
            s => s.Attribute("Name")!.Value,
            s => types[s.Attribute("EntityType")!.Value.Split('.')[^1]],
            StringComparer.Ordinal);
        return new ServiceTypes(sets);
    }

    /// <summary>Asserts the client's rows are the server's, in the same order, property by property.</summary>
    public void AssertSameRows(string entitySet, IReadOnlyList<JsonElement> server, IReadOnlyList<JsonElement> client, string what)
    {
        Assert.True(server.Count == client.Count, $"{what}: the client read {client.Count} rows, the server answers {server.Count}");
        for (var i = 0; i < server.Count; i++)
        {
            AssertSameRow(entitySet, server[i], client[i], $"{what}, row {i + 1}");
        }
    }

    public void AssertSameRow(string entitySet, JsonElement server, JsonElement client, string what)
    {
        var properties = Properties(entitySet);
        var served = server.EnumerateObject().Where(p => !p.Name.Contains('@', StringComparison.Ordinal)).ToList();
        var read = client.EnumerateObject().Where(p => !p.Name.Contains('@', StringComparison.Ordinal)).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        Assert.True(
            read.SetEquals(served.Select(p => p.Name)),
            $"{what}: the client has the properties [{string.Join(", ", read.Order(StringComparer.Ordinal))}], the server wrote [{string.Join(", ", served.Select(p => p.Name))}]");
        foreach (var property in served)
        {
            var type = properties[property.Name];
            var value = client.GetProperty(property.Name);
            Assert.True(
                SameValue(type, property.Value, value),
                $"{what}: {entitySet}.{property.Name} ({type}) is {value.GetRawText()} in the client, {property.Value.GetRawText()} from the server");
        }
    }

    private static bool SameValue(string type, JsonElement server, JsonElement client)
    {
        if (server.ValueKind == JsonValueKind.Null || client.ValueKind == JsonValueKind.Null)
        {
            return server.ValueKind == client.ValueKind;
        }

        if (type.StartsWith("Collection(", StringComparison.Ordinal))
        {
            var element = type["Collection(".Length..^1];
            return server.ValueKind == JsonValueKind.Array && client.ValueKind == JsonValueKind.Array
                && server.GetArrayLength() == client.GetArrayLength()
                && server.EnumerateArray().Zip(client.EnumerateArray()).All(pair => SameValue(element, pair.First, pair.Second));
        }

        switch (type)
        {
            case "Edm.Byte" or "Edm.SByte" or "Edm.Int16" or "Edm.Int32" or "Edm.Int64" or "Edm.Decimal" or "Edm.Double" or "Edm.Single":
                // A number, or its text under IEEE754Compatible=true (and as the typed client prints big numbers).
                return Number(server) is { } a && Number(client) is { } b && a == b;
            case "Edm.DateTimeOffset":
                return Instant(server) is { } x && Instant(client) is { } y && x == y;
            case "Edm.TimeOfDay":
                return TimeOnly.Parse(server.GetString()!, CultureInfo.InvariantCulture) == TimeOnly.Parse(client.GetString()!, CultureInfo.InvariantCulture);
            case "Edm.Duration":
                return XmlConvert.ToTimeSpan(server.GetString()!) == XmlConvert.ToTimeSpan(client.GetString()!);
            default:
                return server.ValueKind == client.ValueKind && (server.ValueKind == JsonValueKind.String
                    ? string.Equals(server.GetString(), client.GetString(), StringComparison.Ordinal)
                    : string.Equals(server.GetRawText(), client.GetRawText(), StringComparison.Ordinal));
        }
    }

    private static decimal? Number(JsonElement value)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString(),
            _ => null,
        };
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;
    }

    private static DateTimeOffset? Instant(JsonElement value)
        => value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var instant)
            ? instant.ToUniversalTime()
            : null;
}
