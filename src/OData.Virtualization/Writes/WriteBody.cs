using System.Globalization;
using System.Text.Json;
using System.Xml;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Writes;

/// <summary>How a write's body is applied: a new row, the properties sent (PATCH), or every property (PUT).</summary>
internal enum WriteKind
{
    Insert,
    Patch,
    Replace,
}

/// <summary>
/// A write's JSON body read against what the caller sees of the set: each property sent, checked and converted to the
/// value the dialect binds — before any SQL. A mistake is a 400 whose <c>target</c> names the property.
/// </summary>
internal static class WriteBody
{
    /// <summary>Bodies nest no deeper than this (an entity is one object of values).</summary>
    private const int MaxDepth = 8;

    /// <summary>
    /// Reads <paramref name="body"/> for <paramref name="kind"/> on <paramref name="set"/>; <paramref name="key"/> is the
    /// URL's key for a PATCH or PUT (a body may repeat it, never change it).
    /// </summary>
    public static IReadOnlyList<(PublishedColumn Column, object? Value)> Read(ReadOnlyMemory<byte> body, PublishedSet set, WriteKind kind, IReadOnlyList<(PublishedColumn Column, object Value)>? key)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException ex)
        {
            throw ODataProblem.BadRequest($"The body is not valid JSON ({ex.Message.Split(" Path:")[0].TrimEnd('.')}). Send one JSON object of property values, for example {{\"name\": \"…\"}}.");
        }

        using (document)
        {
            try
            {
                return ReadObject(document, set, kind, key);
            }
            catch (InvalidOperationException)
            {
                // System.Text.Json transcodes names and strings when they are read: bytes that are not UTF-8 fail there.
                throw ODataProblem.BadRequest("The body is not valid UTF-8 text. Send JSON encoded as UTF-8.");
            }
        }
    }

    private static IReadOnlyList<(PublishedColumn Column, object? Value)> ReadObject(JsonDocument document, PublishedSet set, WriteKind kind, IReadOnlyList<(PublishedColumn Column, object Value)>? key)
    {
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw ODataProblem.BadRequest("The body must be one JSON object of property values, for example {\"name\": \"…\"}.");
        }

        var values = new List<(PublishedColumn Column, object? Value)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var name = property.Name;
            if (name.StartsWith('@') || name.Contains('@', StringComparison.Ordinal))
            {
                continue; // an annotation (@odata.type, @odata.etag, name@odata.type): not a value
            }

            if (!seen.Add(name))
            {
                throw Problem($"'{name}' appears twice in the body. Send each property once.", name);
            }

            var column = set.FindColumn(name);
            if (column is null)
            {
                if (set.Navigations.Any(n => n.Name == name))
                {
                    throw Problem($"'{name}' is a navigation property: related entities are written through their own entity set, not inside this one.", name);
                }

                var hint = Suggestions.Closest(name, set.Columns.Select(c => c.PropertyName)) is { } closest ? $" Did you mean '{closest}'?" : string.Empty;
                throw Problem($"'{set.Name}' has no property '{name}'.{hint}", name);
            }

            var keyValue = key?.FirstOrDefault(k => ReferenceEquals(k.Column, column) || k.Column.PropertyName == column.PropertyName);
            if (kind != WriteKind.Insert && keyValue is { Column: not null } given)
            {
                // PATCH and PUT may repeat the key (clients send the whole entity back); it must be the URL's.
                var sent = Convert(property.Value, column);
                if (!KeyEquals(sent, given.Value))
                {
                    throw Problem($"'{name}' is part of the key: it cannot be changed. The URL names the row; send the key as it is, or leave it out.", name);
                }

                continue;
            }

            if (column.Mask is not null)
            {
                throw Problem($"'{name}' is shown to you masked: you cannot write it.", name);
            }

            if (column.Generation == ColumnGeneration.Always)
            {
                throw Problem($"'{name}' is computed by the database (an identity or generated column): leave it out.", name);
            }

            values.Add((column, Convert(property.Value, column)));
        }

        if (kind != WriteKind.Patch)
        {
            // A new row, or a whole one: every column without a default must have a value.
            foreach (var column in set.Columns)
            {
                var isKey = key?.Any(k => k.Column.PropertyName == column.PropertyName) == true;
                if (!column.IsNullable && column.Generation == ColumnGeneration.None && !isKey && column.Mask is null
                    && !values.Any(v => ReferenceEquals(v.Column, column)))
                {
                    throw Problem($"'{column.PropertyName}' is required: it cannot be null and has no default. Send a value for it.", column.PropertyName);
                }
            }
        }

        return values;
    }

    private static bool KeyEquals(object? sent, object given) => sent switch
    {
        null => false,
        string text => string.Equals(text, given as string, StringComparison.Ordinal),
        _ => Equals(sent, given) || (IsInteger(sent) && IsInteger(given) && System.Convert.ToDecimal(sent, CultureInfo.InvariantCulture) == System.Convert.ToDecimal(given, CultureInfo.InvariantCulture)),
    };

    private static bool IsInteger(object value) => value is byte or short or int or long or decimal;

    /// <summary>One JSON value as the column's published type, or a 400 saying what was expected.</summary>
    public static object? Convert(JsonElement value, PublishedColumn column)
    {
        var name = column.PropertyName;
        var type = column.Type;
        if (value.ValueKind == JsonValueKind.Null)
        {
            return column.IsNullable ? null : throw Problem($"'{name}' cannot be null.", name);
        }

        if (type.IsCollection)
        {
            throw Problem($"'{name}' is a collection: writing collection properties is not supported yet. Leave it out.", name);
        }

        try
        {
            return type.Kind switch
            {
                ValueKind.Boolean when value.ValueKind is JsonValueKind.True or JsonValueKind.False => value.GetBoolean(),
                ValueKind.Byte => Integer(value, name, byte.MinValue, byte.MaxValue),
                ValueKind.Int16 => Integer(value, name, short.MinValue, short.MaxValue),
                ValueKind.Int32 => Integer(value, name, int.MinValue, int.MaxValue),
                ValueKind.Int64 => Integer(value, name, long.MinValue, long.MaxValue),
                ValueKind.Decimal => Decimal(value, column),
                ValueKind.Double => Number(value, name),
                ValueKind.Single => (float)Number(value, name),
                ValueKind.String when value.ValueKind == JsonValueKind.String => Text(value.GetString()!, column),
                ValueKind.Date when value.ValueKind == JsonValueKind.String => DateOnly.ParseExact(value.GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture),
                ValueKind.TimeOfDay when value.ValueKind == JsonValueKind.String => TimeOnly.Parse(value.GetString()!, CultureInfo.InvariantCulture),
                ValueKind.DateTimeOffset or ValueKind.DateTime when value.ValueKind == JsonValueKind.String => Instant(value.GetString()!, name),
                ValueKind.Guid when value.ValueKind == JsonValueKind.String => Guid.ParseExact(value.GetString()!, "D"),
                ValueKind.Binary when value.ValueKind == JsonValueKind.String => Binary(value.GetString()!, column),
                ValueKind.Duration when value.ValueKind == JsonValueKind.String => XmlConvert.ToTimeSpan(value.GetString()!),
                _ => throw Problem($"'{name}' is {Expected(column)}; the body has {Describe(value)}.", name),
            };
        }
        catch (FormatException)
        {
            throw Problem($"'{name}' is {Expected(column)}; '{Shorten(value.ToString())}' is not.", name);
        }
    }

    private static object Integer(JsonElement value, string name, long min, long max)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number >= min && number <= max ? number : throw Problem($"'{name}' holds whole numbers from {min} to {max}; {number} is out of range.", name);
        }

        // IEEE754Compatible clients send 64-bit integers as strings.
        if (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number) && number >= min && number <= max)
        {
            return number;
        }

        throw Problem($"'{name}' is a whole number from {min} to {max}; the body has {Describe(value)}.", name);
    }

    private static decimal Decimal(JsonElement value, PublishedColumn column)
    {
        var name = column.PropertyName;
        var text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString()!,
            _ => throw Problem($"'{name}' is {Expected(column)}; the body has {Describe(value)}.", name),
        };
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            throw Problem($"'{name}' is {Expected(column)}; '{Shorten(text)}' is not one (or has more digits than a write can carry).", name);
        }

        if (column.Type.Scale is { } scale && number.Scale > scale && decimal.Round(number, scale) != number)
        {
            throw Problem($"'{name}' keeps {scale} decimal places; {Shorten(text)} has more. Round it first.", name);
        }

        if (column.Type.Precision is { } precision && column.Type.Scale is { } s && Math.Abs(decimal.Truncate(number)).ToString(CultureInfo.InvariantCulture).TrimStart('0').Length > precision - s)
        {
            throw Problem($"'{name}' holds at most {precision - s} digits before the decimal point; {Shorten(text)} is too large.", name);
        }

        return number;
    }

    private static double Number(JsonElement value, string name)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number))
        {
            return number;
        }

        // The JSON format writes the special values as strings.
        return value.ValueKind == JsonValueKind.String ? value.GetString() switch
        {
            "NaN" => double.NaN,
            "INF" => double.PositiveInfinity,
            "-INF" => double.NegativeInfinity,
            var text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => throw Problem($"'{name}' is a number; the body has {Describe(value)}.", name),
        } : throw Problem($"'{name}' is a number; the body has {Describe(value)}.", name);
    }

    private static string Text(string text, PublishedColumn column)
    {
        var length = text.EnumerateRunes().Count();
        if (column.Type.MaxLength is { } max && length > max)
        {
            throw Problem($"'{column.PropertyName}' holds at most {max} characters; the body has {length}.", column.PropertyName);
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw Problem($"'{column.PropertyName}' cannot hold the NUL character (U+0000).", column.PropertyName);
        }

        return text;
    }

    private static DateTimeOffset Instant(string text, string name)
    {
        // An instant needs its offset: a time without one would mean whatever the server's zone is.
        if (!DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant)
            || !(text.EndsWith('Z') || text.Length > 6 && text[^6] is '+' or '-'))
        {
            throw Problem($"'{name}' is a date and time with its offset, for example 2024-05-01T09:30:00Z; '{Shorten(text)}' is not.", name);
        }

        return instant;
    }

    private static byte[] Binary(string text, PublishedColumn column)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var bytes = System.Convert.FromBase64String(base64);
        if (column.Type.MaxLength is { } max && bytes.Length > max)
        {
            throw Problem($"'{column.PropertyName}' holds at most {max} bytes; the body has {bytes.Length}.", column.PropertyName);
        }

        return bytes;
    }

    private static string Expected(PublishedColumn column) => column.Type.Kind switch
    {
        ValueKind.Boolean => "true or false",
        ValueKind.Decimal => "a decimal number",
        ValueKind.String => "text",
        ValueKind.Date => "a date (yyyy-mm-dd)",
        ValueKind.TimeOfDay => "a time of day (hh:mm:ss)",
        ValueKind.DateTimeOffset or ValueKind.DateTime => "a date and time with its offset (2024-05-01T09:30:00Z)",
        ValueKind.Guid => "a GUID (8-4-4-4-12 hexadecimal digits)",
        ValueKind.Binary => "base64url-encoded bytes",
        ValueKind.Duration => "a duration (ISO 8601, for example PT1H30M)",
        _ => "a number",
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the text '{Shorten(value.GetString()!)}'",
        JsonValueKind.Number => $"the number {Shorten(value.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static ODataProblem Problem(string message, string target) => ODataProblem.BadRequest(message, target);
}
