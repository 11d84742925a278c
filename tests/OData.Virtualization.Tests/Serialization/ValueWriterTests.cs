using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using OData.Virtualization.Model;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Tests.Serialization;

/// <summary>
/// Values as OData JSON (OData JSON Format 4.01 §7.1): Int64 and Decimal as strings under <c>IEEE754Compatible=true</c>,
/// <c>INF</c>/<c>-INF</c>/<c>NaN</c> for special floating-point values, base64url binary, ISO 8601 dates, times,
/// timestamps and durations; raw text for <c>/$value</c>; and the canonical .NET value read from a data reader.
/// </summary>
public sealed class ValueWriterTests
{
    private static readonly Guid s_guid = Guid.Parse("0BADC0DE-1234-4ABC-8DEF-0123456789AB");

    // ---- numbers ------------------------------------------------------------------------------

    [Theory]
    [InlineData(9_007_199_254_740_993L, "9007199254740993", "\"9007199254740993\"")] // 2^53 + 1: not exact as a JSON double
    [InlineData(long.MinValue, "-9223372036854775808", "\"-9223372036854775808\"")]
    [InlineData(0L, "0", "\"0\"")]
    public void WriteBoxed_Int64_NumberOrStringUnderIeee754Compatible(long value, string plain, string ieee)
    {
        Assert.Equal(plain, Json(value, Type(ValueKind.Int64)));
        Assert.Equal(ieee, Json(value, Type(ValueKind.Int64), ieee754Compatible: true));
    }

    [Fact]
    public void WriteBoxed_Int32AndInt16_AreNumbersEvenUnderIeee754Compatible()
    {
        Assert.Equal("-2147483648", Json(int.MinValue, Type(ValueKind.Int32), ieee754Compatible: true));
        Assert.Equal("-32768", Json((short)-32768, Type(ValueKind.Int16), ieee754Compatible: true));
    }

    [Fact]
    public void WriteBoxed_Decimal_KeepsTheDeclaredScale_AndIsAStringUnderIeee754Compatible()
    {
        var money = Type(ValueKind.Decimal) with { Precision = 12, Scale = 2 };

        Assert.Equal("1234.50", Json(1234.5m, money));
        Assert.Equal("\"1234.50\"", Json(1234.5m, money, ieee754Compatible: true));
        Assert.Equal("0.00", Json(0m, money));
        Assert.Equal("-7.10", Json(-7.1m, money));
    }

    [Fact]
    public void WriteBoxed_DecimalWithoutDeclaredScale_KeepsItsOwnDigits()
    {
        Assert.Equal("1.50", Json(1.50m, Type(ValueKind.Decimal)));
        Assert.Equal("\"79228162514264337593543950335\"", Json(decimal.MaxValue, Type(ValueKind.Decimal), ieee754Compatible: true));
    }

    [Theory]
    [InlineData("123456789012345678901234567890.123", false, "123456789012345678901234567890.123")]
    [InlineData("123456789012345678901234567890.123", true, "\"123456789012345678901234567890.123\"")]
    [InlineData("-0.5", false, "-0.5")]
    [InlineData("NaN", false, "\"NaN\"")]
    [InlineData("NaN", true, "\"NaN\"")]
    [InlineData("Infinity", false, "\"INF\"")]
    [InlineData("Infinity", true, "\"INF\"")]
    [InlineData("-Infinity", true, "\"-INF\"")]
    public void WriteBoxed_NumericBeyondSystemDecimalAsText_IsExactAndSpecialValuesAreODataStrings(string text, bool ieee, string expected)
    {
        var huge = Type(ValueKind.Decimal) with { ReadAsText = true };

        var json = Json(text, huge, ieee);

        Assert.Equal(expected, json);
        ParsesAsJson(json);
    }

    [Fact]
    public void WriteBoxed_NumericNegativeInfinityAsText_IsMinusInfString()
    {
        var json = Json("-Infinity", Type(ValueKind.Decimal) with { ReadAsText = true });

        Assert.Equal("\"-INF\"", json);
        ParsesAsJson(json);
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "\"INF\"")]
    [InlineData(double.NegativeInfinity, "\"-INF\"")]
    [InlineData(double.NaN, "\"NaN\"")]
    public void WriteBoxed_SpecialDoubles_AreODataStrings(double value, string expected)
    {
        Assert.Equal(expected, Json(value, Type(ValueKind.Double)));
        Assert.Equal(expected, Json(value, Type(ValueKind.Double), ieee754Compatible: true));
        Assert.Equal(expected, Json((float)value, Type(ValueKind.Single)));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(-1e300)]
    [InlineData(5e-324)]
    [InlineData(123456.789)]
    public void WriteBoxed_FiniteDouble_IsAJsonNumberThatRoundTrips(double value)
    {
        var json = Json(value, Type(ValueKind.Double), ieee754Compatible: true);

        Assert.Equal(value, JsonDocument.Parse(json).RootElement.GetDouble());
    }

    [Fact]
    public void WriteBoxed_Single_IsItsShortestTextNotTheWidenedDouble()
    {
        Assert.Equal("1.16", Json(1.16f, Type(ValueKind.Single)));
        Assert.Equal("-0.1", Json(-0.1f, Type(ValueKind.Single)));
    }

    // ---- text, identifiers, binary --------------------------------------------------------------

    [Fact]
    public void WriteBoxed_StringBooleanGuid_AreJsonStringsAndLiterals()
    {
        Assert.Equal("\"Zürich \\\"quoted\\\" \\\\ line\\nbreak\"", Json("Zürich \"quoted\" \\ line\nbreak", Type(ValueKind.String)));
        Assert.Equal("true", Json(true, Type(ValueKind.Boolean)));
        Assert.Equal("\"0badc0de-1234-4abc-8def-0123456789ab\"", Json(s_guid, Type(ValueKind.Guid)));
    }

    [Theory]
    [InlineData(new byte[] { 0xFB, 0xFF, 0xBF }, "-_-_")] // "+/+/" in base64: the URL-safe alphabet
    [InlineData(new byte[] { 1 }, "AQ")] // "AQ==" in base64: no padding
    [InlineData(new byte[] { 1, 2 }, "AQI")]
    [InlineData(new byte[0], "")]
    public void WriteBoxed_Binary_IsBase64Url(byte[] value, string expected)
        => Assert.Equal("\"" + expected + "\"", Json(value, Type(ValueKind.Binary)));

    [Fact]
    public void WriteBoxed_LargeBinary_IsBase64UrlToo()
    {
        var bytes = Enumerable.Range(0, 5_000).Select(i => (byte)(i * 31)).ToArray();
        var expected = Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Assert.Equal("\"" + expected + "\"", Json(bytes, Type(ValueKind.Binary)));
    }

    // ---- dates, times, durations ----------------------------------------------------------------

    [Fact]
    public void WriteBoxed_Date_IsYearMonthDay()
    {
        Assert.Equal("\"2025-06-30\"", Json(new DateOnly(2025, 6, 30), Type(ValueKind.Date)));
        Assert.Equal("\"0001-01-01\"", Json(new DateOnly(1, 1, 1), Type(ValueKind.Date)));
    }

    [Fact]
    public void WriteBoxed_TimeOfDay_FractionOnlyWhenThereIsOne()
    {
        Assert.Equal("\"13:45:30\"", Json(new TimeOnly(13, 45, 30), Type(ValueKind.TimeOfDay)));
        Assert.Equal("\"13:45:30.5\"", Json(new TimeOnly(13, 45, 30, 500), Type(ValueKind.TimeOfDay)));
        Assert.Equal("\"00:00:00.0000001\"", Json(new TimeOnly(1), Type(ValueKind.TimeOfDay)));
    }

    [Fact]
    public void WriteBoxed_DateTimeOffset_UtcAsZOtherOffsetsKept()
    {
        var type = Type(ValueKind.DateTimeOffset);

        Assert.Equal("\"2025-06-30T12:34:56Z\"", Json(new DateTimeOffset(2025, 6, 30, 12, 34, 56, TimeSpan.Zero), type));
        Assert.Equal("\"2025-06-30T12:34:56.25Z\"", Json(new DateTimeOffset(2025, 6, 30, 12, 34, 56, 250, TimeSpan.Zero), type));
        Assert.Equal("\"2025-06-30T12:34:56+05:30\"", Json(new DateTimeOffset(2025, 6, 30, 12, 34, 56, TimeSpan.FromMinutes(330)), type));
        Assert.Equal("\"1999-12-31T23:00:00-08:00\"", Json(new DateTimeOffset(1999, 12, 31, 23, 0, 0, TimeSpan.FromHours(-8)), type));
    }

    [Fact]
    public void WriteBoxed_DateTimeWithoutZone_IsWrittenAsUtc()
        => Assert.Equal("\"2025-06-30T12:34:56Z\"", Json(new DateTime(2025, 6, 30, 12, 34, 56, DateTimeKind.Unspecified), Type(ValueKind.DateTime)));

    [Theory]
    [InlineData(1, 2, 3, 4, 0, "P1DT2H3M4S")]
    [InlineData(0, 1, 30, 0, 0, "PT1H30M")]
    [InlineData(0, 0, 0, 1, 500, "PT1.5S")]
    [InlineData(0, 0, 0, 0, 0, "PT0S")]
    [InlineData(-2, 0, 0, 0, 0, "-P2D")]
    public void WriteBoxed_Duration_IsIso8601(int days, int hours, int minutes, int seconds, int milliseconds, string expected)
        => Assert.Equal("\"" + expected + "\"", Json(new TimeSpan(days, hours, minutes, seconds, milliseconds), Type(ValueKind.Duration)));

    // ---- null and collections --------------------------------------------------------------------

    [Fact]
    public void WriteBoxed_Null_IsNullButANullCollectionIsEmpty()
    {
        Assert.Equal("null", Json(null, Type(ValueKind.String)));
        Assert.Equal("[]", Json(null, Type(ValueKind.String) with { IsCollection = true }));
    }

    [Fact]
    public void WriteBoxed_Collections_EachElementAsItsKind()
    {
        Assert.Equal("[1,2,3]", Json(new[] { 1, 2, 3 }, Collection(ValueKind.Int32)));
        Assert.Equal("[\"9007199254740993\",\"-1\"]", Json(new[] { 9_007_199_254_740_993L, -1L }, Collection(ValueKind.Int64), ieee754Compatible: true));
        Assert.Equal("[1.50,null]", Json(new decimal?[] { 1.5m, null }, Collection(ValueKind.Decimal) with { Scale = 2 }));
        Assert.Equal("[\"a\",null,\"\"]", Json(new[] { "a", null, string.Empty }, Collection(ValueKind.String)));
        Assert.Equal("[\"INF\",0.5]", Json(new[] { double.PositiveInfinity, 0.5 }, Collection(ValueKind.Double)));
        Assert.Equal("[]", Json(Array.Empty<int>(), Collection(ValueKind.Int32)));
    }

    [Fact]
    public void WriteBoxed_CollectionsOfProviderDateTimes_AreDatesOrUtcInstants()
    {
        // A provider hands arrays of date and timestamp as DateTime[]: each element is written as the element type.
        var times = new[] { new DateTime(2025, 6, 30, 0, 0, 0, DateTimeKind.Unspecified), new DateTime(2025, 7, 1, 8, 30, 0, DateTimeKind.Utc) };

        Assert.Equal("[\"2025-06-30\",\"2025-07-01\"]", Json(times, Collection(ValueKind.Date)));
        Assert.Equal("[\"2025-06-30T00:00:00Z\",\"2025-07-01T08:30:00Z\"]", Json(times, Collection(ValueKind.DateTimeOffset)));
    }

    // ---- raw values for /$value ------------------------------------------------------------------

    [Fact]
    public void FormatRaw_EveryKind_IsItsPlainTextWithoutQuotes()
    {
        Assert.Equal("O'Brien \"x\"", ValueWriter.FormatRaw("O'Brien \"x\"", Type(ValueKind.String)));
        Assert.Equal("true", ValueWriter.FormatRaw(true, Type(ValueKind.Boolean)));
        Assert.Equal("false", ValueWriter.FormatRaw(false, Type(ValueKind.Boolean)));
        Assert.Equal("42", ValueWriter.FormatRaw(42, Type(ValueKind.Int32)));
        Assert.Equal("9007199254740993", ValueWriter.FormatRaw(9_007_199_254_740_993L, Type(ValueKind.Int64)));
        Assert.Equal("1234.50", ValueWriter.FormatRaw(1234.5m, Type(ValueKind.Decimal) with { Scale = 2 }));
        Assert.Equal("0.1", ValueWriter.FormatRaw(0.1, Type(ValueKind.Double)));
        Assert.Equal("1.16", ValueWriter.FormatRaw(1.16f, Type(ValueKind.Single)));
        Assert.Equal("0badc0de-1234-4abc-8def-0123456789ab", ValueWriter.FormatRaw(s_guid, Type(ValueKind.Guid)));
        Assert.Equal("2025-06-30", ValueWriter.FormatRaw(new DateOnly(2025, 6, 30), Type(ValueKind.Date)));
        Assert.Equal("13:45:30", ValueWriter.FormatRaw(new TimeOnly(13, 45, 30), Type(ValueKind.TimeOfDay)));
        Assert.Equal("13:45:30.5", ValueWriter.FormatRaw(new TimeOnly(13, 45, 30, 500), Type(ValueKind.TimeOfDay)));
        Assert.Equal("P1DT2H3M4S", ValueWriter.FormatRaw(new TimeSpan(1, 2, 3, 4), Type(ValueKind.Duration)));
    }

    [Fact]
    public void FormatRaw_Timestamps_UtcAsZOtherOffsetsKept()
    {
        var type = Type(ValueKind.DateTimeOffset);

        Assert.Equal("2025-06-30T12:34:56Z", ValueWriter.FormatRaw(new DateTimeOffset(2025, 6, 30, 12, 34, 56, TimeSpan.Zero), type));
        Assert.Equal("2025-06-30T12:34:56.25Z", ValueWriter.FormatRaw(new DateTimeOffset(2025, 6, 30, 12, 34, 56, 250, TimeSpan.Zero), type));
        Assert.Equal("2025-06-30T12:34:56+05:30", ValueWriter.FormatRaw(new DateTimeOffset(2025, 6, 30, 12, 34, 56, TimeSpan.FromMinutes(330)), type));
        Assert.Equal("2025-06-30T12:34:56.0000001-08:00", ValueWriter.FormatRaw(new DateTimeOffset(2025, 6, 30, 12, 34, 56, TimeSpan.FromHours(-8)).AddTicks(1), type));
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "INF")]
    [InlineData(double.NegativeInfinity, "-INF")]
    [InlineData(double.NaN, "NaN")]
    public void FormatRaw_SpecialDoubles_AreODataLiterals(double value, string expected)
    {
        Assert.Equal(expected, ValueWriter.FormatRaw(value, Type(ValueKind.Double)));
        Assert.Equal(expected, ValueWriter.FormatRaw((float)value, Type(ValueKind.Single)));
    }

    [Fact]
    public void FormatRaw_UnderACommaDecimalCulture_StaysInvariant()
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            Assert.Equal("1234.50", ValueWriter.FormatRaw(1234.5m, Type(ValueKind.Decimal) with { Scale = 2 }));
            Assert.Equal("0.5", ValueWriter.FormatRaw(0.5, Type(ValueKind.Double)));
            Assert.Equal("-1234567", ValueWriter.FormatRaw(-1234567, Type(ValueKind.Int32)));
            Assert.Equal("2025-06-30", ValueWriter.FormatRaw(new DateOnly(2025, 6, 30), Type(ValueKind.Date)));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    // ---- from a data reader (SQLite, the embedded engine) ----------------------------------------

    /// <summary>A SQLite expression, the published type of its column, the value read, and the JSON written plain and IEEE754-compatible.</summary>
    public static TheoryData<string, string, object?, string, string> ReaderCases() => new()
    {
        { "'abc'", "String", "abc", "\"abc\"", "\"abc\"" },
        { "42", "Int32", 42, "42", "42" },
        { "-7", "Int16", -7, "-7", "-7" },
        { "9007199254740993", "Int64", 9_007_199_254_740_993L, "9007199254740993", "\"9007199254740993\"" },
        { "1234.5", "Decimal(2)", 1234.50m, "1234.50", "\"1234.50\"" },
        { "12", "Decimal(2)", 12.00m, "12.00", "\"12.00\"" },
        { "1", "Boolean", true, "true", "true" },
        { "0", "Boolean", false, "false", "false" },
        { "0.25", "Double", 0.25, "0.25", "0.25" },
        { "9e999", "Double", double.PositiveInfinity, "\"INF\"", "\"INF\"" },
        { "-9e999", "Double", double.NegativeInfinity, "\"-INF\"", "\"-INF\"" },
        { "0.5", "Single", 0.5f, "0.5", "0.5" },
        { "x'FBFFBF'", "Binary", new byte[] { 0xFB, 0xFF, 0xBF }, "\"-_-_\"", "\"-_-_\"" },
        { "'0badc0de-1234-4abc-8def-0123456789ab'", "Guid", s_guid, "\"0badc0de-1234-4abc-8def-0123456789ab\"", "\"0badc0de-1234-4abc-8def-0123456789ab\"" },
        { "'2025-06-30'", "Date", new DateOnly(2025, 6, 30), "\"2025-06-30\"", "\"2025-06-30\"" },
        { "'2025-06-30 00:00:00'", "Date", new DateOnly(2025, 6, 30), "\"2025-06-30\"", "\"2025-06-30\"" },
        { "'13:45:30.5'", "TimeOfDay", new TimeOnly(13, 45, 30, 500), "\"13:45:30.5\"", "\"13:45:30.5\"" },
        { "'2025-06-30 12:34:56'", "DateTime", new DateTimeOffset(2025, 6, 30, 12, 34, 56, TimeSpan.Zero), "\"2025-06-30T12:34:56Z\"", "\"2025-06-30T12:34:56Z\"" },
        { "'2025-06-30T12:34:56.125+00:00'", "DateTimeOffset", new DateTimeOffset(2025, 6, 30, 12, 34, 56, 125, TimeSpan.Zero), "\"2025-06-30T12:34:56.125Z\"", "\"2025-06-30T12:34:56.125Z\"" },
        { "'2025-06-30T12:34:56+05:30'", "DateTimeOffset", new DateTimeOffset(2025, 6, 30, 12, 34, 56, TimeSpan.FromMinutes(330)), "\"2025-06-30T12:34:56+05:30\"", "\"2025-06-30T12:34:56+05:30\"" },
        { "5400.5", "Duration", TimeSpan.FromSeconds(5400.5), "\"PT1H30M0.5S\"", "\"PT1H30M0.5S\"" },
        { "NULL", "String", null, "null", "null" },
        { "NULL", "Int64", null, "null", "null" },
        { "NULL", "Int32[]", null, "[]", "[]" },
    };

    [Theory]
    [MemberData(nameof(ReaderCases))]
    public void ReadBoxedAndWrite_FromSqlite_CanonicalValueAndODataJson(string expression, string typeName, object? expected, string plain, string ieee)
    {
        var type = ParseType(typeName);
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT " + expression;
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());

        var value = ValueWriter.ReadBoxed(reader, 0, type);

        if (expected is null)
        {
            Assert.Null(value);
        }
        else
        {
            Assert.NotNull(value);
            Assert.True(expected.GetType() == value.GetType(), $"Expected a {expected.GetType().Name}, read a {value.GetType().Name}");
            Assert.Equal(expected, value);
            if (expected is DateTimeOffset dto)
            {
                Assert.Equal(dto.Offset, ((DateTimeOffset)value).Offset);
            }
        }

        // The streaming path (typed getters) and the buffered path (boxed value) write the same JSON.
        Assert.Equal(plain, JsonFromReader(reader, type, ieee754Compatible: false));
        Assert.Equal(ieee, JsonFromReader(reader, type, ieee754Compatible: true));
        Assert.Equal(plain, Json(value, type));
        Assert.Equal(ieee, Json(value, type, ieee754Compatible: true));
    }

    [Fact]
    public void ReadBoxed_DecimalColumn_RestoresTheDeclaredScaleSqliteDropped()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE t (amount NUMERIC(10,2)); INSERT INTO t VALUES (1234.50), (7), (0.1); SELECT amount FROM t";
        using var reader = command.ExecuteReader();

        var read = new List<string>();
        while (reader.Read())
        {
            read.Add(((decimal)ValueWriter.ReadBoxed(reader, 0, Type(ValueKind.Decimal) with { Precision = 10, Scale = 2 })!).ToString(CultureInfo.InvariantCulture));
        }

        Assert.Equal(new[] { "1234.50", "7.00", "0.10" }, read);
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static ColumnType Type(ValueKind kind) => ColumnType.Of(kind);

    private static ColumnType Collection(ValueKind kind) => ColumnType.Of(kind) with { IsCollection = true };

    private static ColumnType ParseType(string name) => name switch
    {
        "Decimal(2)" => Type(ValueKind.Decimal) with { Precision = 12, Scale = 2 },
        _ when name.EndsWith("[]", StringComparison.Ordinal) => Collection(Enum.Parse<ValueKind>(name[..^2])),
        _ => Type(Enum.Parse<ValueKind>(name)),
    };

    private static string Json(object? value, ColumnType type, bool ieee754Compatible = false)
        => Render(writer => ValueWriter.WriteBoxed(writer, value, type, ieee754Compatible));

    private static string JsonFromReader(SqliteDataReader reader, ColumnType type, bool ieee754Compatible)
        => Render(writer => ValueWriter.Write(writer, reader, 0, type, ieee754Compatible));

    /// <summary>With the writer options of the response (relaxed escaping, no validation: a wrong token would pass).</summary>
    private static string Render(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, StreamingJsonWriter.Options))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void ParsesAsJson(string json)
    {
        using var document = JsonDocument.Parse("[" + json + "]");
        Assert.Equal(1, document.RootElement.GetArrayLength());
    }
}
