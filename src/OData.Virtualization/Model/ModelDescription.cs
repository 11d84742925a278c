using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.OData.Edm;

namespace OData.Virtualization.Model;

/// <summary>
/// What a client syncs from a published model, and nothing else: the entity sets, their keys, their properties (EDM
/// type, nullability, MaxLength, precision, scale) and navigation properties. Two descriptions are compared after a
/// refresh (<see cref="ModelChanges"/>), and one is the content of the model lock file.
/// </summary>
internal sealed record ModelDescription(IReadOnlyDictionary<string, SetDescription> Sets)
{
    private static readonly JsonDocumentOptions s_read = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>A short hash of the description: equal descriptions have equal ids.</summary>
    public string Id => Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(ToJson())).AsSpan(0, 12));

    public static ModelDescription Of(PublishedModel model)
    {
        var sets = new SortedDictionary<string, SetDescription>(StringComparer.Ordinal);
        foreach (var set in model.Sets.Values)
        {
            var properties = set.Columns.Select(Describe).ToList();
            var navigations = set.Navigations
                .Select(n => new NavigationDescription(n.Name, n.Target.Name, n.IsCollection))
                .OrderBy(n => n.Name, StringComparer.Ordinal)
                .ToList();
            sets[set.Name] = new SetDescription(set.Name, set.Key.Select(k => k.PropertyName).ToList(), properties, navigations);
        }

        return new ModelDescription(sets);
    }

    /// <summary>The lock file's text: indented, entity sets in name order, properties in column order.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("about", "The published OData model pinned by OData:ModelLock:Path. A refresh that would change it is held back until an administrator accepts it (POST /admin/model/accept), which rewrites this file.");
            json.WriteNumber("version", 1);
            json.WriteStartArray("entitySets");
            foreach (var set in Sets.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("name", set.Name);
                json.WriteStartArray("key");
                foreach (var key in set.Key)
                {
                    json.WriteStringValue(key);
                }

                json.WriteEndArray();
                json.WriteStartArray("properties");
                foreach (var property in set.Properties)
                {
                    json.WriteStartObject();
                    json.WriteString("name", property.Name);
                    json.WriteString("type", property.Type);
                    json.WriteBoolean("nullable", property.Nullable);
                    WriteOptional(json, "maxLength", property.MaxLength);
                    WriteOptional(json, "precision", property.Precision);
                    WriteOptional(json, "scale", property.Scale);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                if (set.Navigations.Count > 0)
                {
                    json.WriteStartArray("navigations");
                    foreach (var navigation in set.Navigations)
                    {
                        json.WriteStartObject();
                        json.WriteString("name", navigation.Name);
                        json.WriteString("target", navigation.Target);
                        json.WriteBoolean("collection", navigation.Collection);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Reads a lock file's text; a <see cref="FormatException"/> says what is wrong with it.</summary>
    public static ModelDescription FromJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, s_read);
            var sets = new SortedDictionary<string, SetDescription>(StringComparer.Ordinal);
            foreach (var set in Required(document.RootElement, "entitySets").EnumerateArray())
            {
                var name = Text(set, "name");
                var key = Required(set, "key").EnumerateArray().Select(k => k.GetString() ?? throw new FormatException($"entity set '{name}' has a null key name")).ToList();
                var properties = Required(set, "properties").EnumerateArray().Select(p => new PropertyDescription(Text(p, "name"), Text(p, "type"), Required(p, "nullable").GetBoolean())
                {
                    MaxLength = Optional(p, "maxLength"),
                    Precision = Optional(p, "precision"),
                    Scale = Optional(p, "scale"),
                }).ToList();
                var navigations = set.TryGetProperty("navigations", out var list)
                    ? list.EnumerateArray().Select(n => new NavigationDescription(Text(n, "name"), Text(n, "target"), Required(n, "collection").GetBoolean())).ToList()
                    : [];
                if (!sets.TryAdd(name, new SetDescription(name, key, properties, navigations)))
                {
                    throw new FormatException($"the entity set '{name}' is listed twice");
                }
            }

            return new ModelDescription(sets);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"it is not valid JSON ({ex.Message})", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new FormatException($"a value has the wrong type ({ex.Message})", ex);
        }
    }

    private static PropertyDescription Describe(PublishedColumn column)
    {
        var type = column.EdmProperty.Type;
        var element = type.IsCollection() ? type.AsCollection().ElementType() : type;
        var name = type.IsCollection() ? "Collection(" + element.FullName() + ")" : element.FullName();
        int? maxLength = null, precision = null, scale = null;
        if (element.IsString())
        {
            var text = element.AsString();
            maxLength = text.IsUnbounded ? null : text.MaxLength;
        }
        else if (element.IsDecimal())
        {
            var number = element.AsDecimal();
            (precision, scale) = (number.Precision, number.Scale);
        }

        return new PropertyDescription(column.PropertyName, name, column.IsNullable) { MaxLength = maxLength, Precision = precision, Scale = scale };
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
    }

    private static JsonElement Required(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new FormatException($"'{name}' is missing in {Where(element)}");

    private static string Text(JsonElement element, string name) => Required(element, name).GetString()!;

    private static int? Optional(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

    private static string Where(JsonElement element)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? $"'{name.GetString()}'" : "the file";
}

/// <summary>One published entity set as a client sees it.</summary>
internal sealed record SetDescription(string Name, IReadOnlyList<string> Key, IReadOnlyList<PropertyDescription> Properties, IReadOnlyList<NavigationDescription> Navigations);

/// <summary>One property: its EDM type name (<c>Edm.String</c>, <c>Collection(Edm.Int32)</c>) and facets.</summary>
internal sealed record PropertyDescription(string Name, string Type, bool Nullable)
{
    public int? MaxLength { get; init; }

    public int? Precision { get; init; }

    public int? Scale { get; init; }

    /// <summary>The type with its facets, as a person reads it: <c>Edm.String(40)</c>, <c>Edm.Decimal(12,2)</c>.</summary>
    public string TypeText => Type + (MaxLength is { } length ? $"({length})" : Precision is { } p ? $"({p}{(Scale is { } s ? "," + s : string.Empty)})" : string.Empty);
}

/// <summary>One navigation property: its target set and whether it leads to a collection.</summary>
internal sealed record NavigationDescription(string Name, string Target, bool Collection);
