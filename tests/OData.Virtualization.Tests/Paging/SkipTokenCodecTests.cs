using System.Buffers.Text;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using OData.Virtualization.Configuration;
using OData.Virtualization.Paging;
using OData.Virtualization.Query;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Paging;

/// <summary>
/// Signed <c>$skiptoken</c>s: every value kind a paging position can hold survives the trip exactly (type included),
/// and anything the service did not issue for this query is a 400, never a silent restart or another query's page.
/// </summary>
public sealed class SkipTokenCodecTests
{
    private static readonly byte[] s_key = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 7))];
    private static readonly byte[] s_otherKey = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 11))];

    private static SkipTokenCodec Codec => new(s_key);

    // ---- round trip -----------------------------------------------------------------------------

    [Fact]
    public void Decode_EncodedToken_ReturnsFingerprintReturnedAndPageSize()
    {
        var token = new SkipToken("abc.def", 5_000_000_000L, 250, [42]);

        var decoded = Codec.Decode(Codec.Encode(token));

        Assert.Equal(("abc.def", 5_000_000_000L, 250), (decoded.Fingerprint, decoded.Returned, decoded.PageSize));
    }

    [Fact]
    public void Decode_EveryValueKind_KeepsValueAndExactType()
    {
        var guid = Guid.Parse("0badc0de-1234-4abc-8def-0123456789ab");
        object?[] values =
        [
            "O'Brien \"quoted\" ünïcödé 🙂 . / + =",
            string.Empty,
            int.MinValue,
            long.MaxValue,
            (short)-32768,
            123456789012345678.901234567m,
            -0.000000001m,
            0.1 + 0.2,
            1e-300,
            3.4028235E+38f,
            1.16f,
            true,
            false,
            guid,
            new DateOnly(1, 1, 1),
            new DateOnly(2025, 6, 30),
            new TimeOnly(23, 59, 59).Add(TimeSpan.FromTicks(9_999_999)),
            new DateTimeOffset(2025, 6, 30, 12, 34, 56, TimeSpan.FromMinutes(330)).AddTicks(1234567),
            new DateTimeOffset(1999, 12, 31, 23, 0, 0, TimeSpan.FromHours(-8)),
            new DateTime(2025, 6, 30, 12, 34, 56, DateTimeKind.Utc).AddTicks(1),
            new DateTime(2025, 6, 30, 12, 34, 56, DateTimeKind.Unspecified),
            TimeSpan.FromDays(-3).Add(TimeSpan.FromTicks(-17)),
            new byte[] { 0, 1, 62, 63, 250, 255 },
            Array.Empty<byte>(),
            null,
        ];

        var decoded = Codec.Decode(Codec.Encode(new SkipToken("f", 0, 10, values))).After;

        Assert.Equal(values.Length, decoded.Count);
        for (var i = 0; i < values.Length; i++)
        {
            var expected = values[i];
            var actual = decoded[i];
            if (expected is null)
            {
                Assert.Null(actual);
                continue;
            }

            Assert.NotNull(actual);
            Assert.True(expected.GetType() == actual.GetType(), $"Value {i}: expected a {expected.GetType().Name}, got a {actual.GetType().Name}");
            Assert.Equal(expected, actual);
            switch (expected)
            {
                case decimal d:
                    // The scale is part of the value a decimal key compares with (1.50 is not written as 1.5).
                    Assert.Equal(decimal.GetBits(d), decimal.GetBits((decimal)actual));
                    break;
                case DateTimeOffset dto:
                    Assert.Equal(dto.Offset, ((DateTimeOffset)actual).Offset);
                    break;
                case DateTime dt:
                    Assert.Equal(dt.Kind, ((DateTime)actual).Kind);
                    break;
            }
        }
    }

    [Fact]
    public void Decode_DecimalScale_IsKept()
    {
        var decoded = Codec.Decode(Codec.Encode(new SkipToken("f", 0, 10, [1.50m, 100m, 0.00m])));

        Assert.Equal(new[] { "1.50", "100", "0.00" }, decoded.After.Select(v => ((decimal)v!).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Decode_SpecialDoublesAndFloats_AreKeptBitForBit()
    {
        object?[] values = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon, double.MaxValue, float.NaN, float.NegativeInfinity, -0.0f];

        var decoded = Codec.Decode(Codec.Encode(new SkipToken("f", 0, 10, values))).After;

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits((double)values[i]!), BitConverter.DoubleToInt64Bits((double)decoded[i]!));
        }

        for (var i = 6; i < values.Length; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits((float)values[i]!), BitConverter.SingleToInt32Bits((float)decoded[i]!));
        }
    }

    [Fact]
    public void Encode_AnyPosition_IsUrlSafeWithoutEscaping()
    {
        var text = Codec.Encode(new SkipToken("q/+=?&#", 1, 1, ["a&b=c d/e?f#g+h", new byte[] { 251, 255, 191 }, null]));

        Assert.Matches("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$", text);
        Assert.Equal(text, Uri.EscapeDataString(text));
    }

    [Fact]
    public void Encode_ValueOfATypeNoColumnHas_ThrowsBeforeMintingALink()
        => Assert.Throws<InvalidOperationException>(() => Codec.Encode(new SkipToken("f", 0, 10, [new object()])));

    // ---- refused tokens -------------------------------------------------------------------------

    [Fact]
    public void Decode_TokenSignedWithAnotherKey_Is400InvalidSkipToken()
    {
        var foreign = new SkipTokenCodec(s_otherKey).Encode(new SkipToken("f", 0, 10, [1]));

        var problem = AssertInvalid(() => Codec.Decode(foreign));

        Assert.Contains("signature", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_PayloadChangedButSignatureKept_Is400()
    {
        // A client that raises "rows already returned" to get past its $top, or moves the position, keeps the old MAC.
        var text = Codec.Encode(new SkipToken("f", 40, 10, [7]));
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var json = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text.AsSpan(0, dot)));
        Assert.Contains("\"n\":40", json, StringComparison.Ordinal);
        var forged = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.Replace("\"n\":40", "\"n\":0", StringComparison.Ordinal))) + text[dot..];

        AssertInvalid(() => Codec.Decode(forged));
    }

    [Fact]
    public void Decode_SignatureOfAnotherToken_Is400()
    {
        var first = Codec.Encode(new SkipToken("f", 10, 10, [1]));
        var second = Codec.Encode(new SkipToken("f", 20, 10, [2]));
        var spliced = first[..first.IndexOf('.', StringComparison.Ordinal)] + second[second.IndexOf('.', StringComparison.Ordinal)..];

        AssertInvalid(() => Codec.Decode(spliced));
    }

    [Fact]
    public void Decode_EveryCharacterChanged_Is400()
    {
        var text = Codec.Encode(new SkipToken("fingerprint", 10, 10, ["Smith", 7]));
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '.')
            {
                continue;
            }

            var changed = text[..i] + (text[i] == 'A' ? 'B' : 'A') + text[(i + 1)..];
            try
            {
                var decoded = Codec.Decode(changed);

                // Only a change in the unused low bits of a last base64 character decodes to the same bytes.
                Assert.Equal(("fingerprint", 10L), (decoded.Fingerprint, decoded.Returned));
                Assert.Equal(new object?[] { "Smith", 7 }, decoded.After);
            }
            catch (ODataProblem problem)
            {
                Assert.Equal((400, "InvalidSkipToken"), (problem.Status, problem.Code));
            }
        }
    }

    [Fact]
    public void Decode_SignatureTruncated_Is400()
    {
        var text = Codec.Encode(new SkipToken("f", 0, 10, [1]));

        AssertInvalid(() => Codec.Decode(text[..^4]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData(".abc")]
    [InlineData("abc.")]
    [InlineData("a.b.c")]
    [InlineData("!!!!.????")]
    [InlineData("eyJmIjoiIn0.%%%")]
    [InlineData("1")]
    [InlineData("null")]
    public void Decode_Malformed_Is400(string text)
        => AssertInvalid(() => Codec.Decode(text));

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"f\":\"x\",\"n\":0,\"p\":10}")]
    [InlineData("{\"f\":\"x\",\"n\":\"zero\",\"p\":10,\"v\":[]}")]
    [InlineData("{\"f\":\"x\",\"n\":0,\"p\":10,\"v\":[[\"?\",\"1\"]]}")]
    [InlineData("{\"f\":\"x\",\"n\":0,\"p\":10,\"v\":[[\"i\",\"seven\"]]}")]
    [InlineData("{\"f\":\"x\",\"n\":0,\"p\":10,\"v\":[[\"D\",\"30/06/2025\"]]}")]
    public void Decode_SignedButUnreadable_Is400NotAServerError(string json)
    {
        // Signed as the service signs (HMAC-SHA256 over the payload, first 16 bytes): only the content is wrong.
        var payload = Encoding.UTF8.GetBytes(json);
        var mac = System.Security.Cryptography.HMACSHA256.HashData(s_key, payload).AsSpan(0, 16);
        var text = Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(mac);

        var problem = AssertInvalid(() => Codec.Decode(text));

        Assert.Contains("cannot be read", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_Refused_SaysWhatToDoAndLeaksNothing()
    {
        var problem = AssertInvalid(() => Codec.Decode(new SkipTokenCodec(s_otherKey).Encode(new SkipToken("secret-fingerprint", 0, 10, ["secret-value"]))));

        Assert.Contains("first page", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", problem.Message, StringComparison.Ordinal);
    }

    // ---- keys -----------------------------------------------------------------------------------

    [Fact]
    public void CreateCodec_SameConfiguredKey_ContinuesAnotherInstancesLinks()
    {
        var options = new PagingOptions { SkipTokenKey = "a paging key of at least thirty-two characters" };
        var issuer = SkipTokenKeys.CreateCodec(options, NullLogger.Instance);
        var other = SkipTokenKeys.CreateCodec(options, NullLogger.Instance);

        var decoded = other.Decode(issuer.Encode(new SkipToken("f", 3, 10, ["x"])));

        Assert.Equal(new object?[] { "x" }, decoded.After);
    }

    [Fact]
    public void CreateCodec_KeyChanged_RefusesLinksOfTheOldKey()
    {
        var before = SkipTokenKeys.CreateCodec(new PagingOptions { SkipTokenKey = "a paging key of at least thirty-two characters" }, NullLogger.Instance);
        var after = SkipTokenKeys.CreateCodec(new PagingOptions { SkipTokenKey = "a paging key of at least thirty-two characterS" }, NullLogger.Instance);

        AssertInvalid(() => after.Decode(before.Encode(new SkipToken("f", 3, 10, ["x"]))));
    }

    [Fact]
    public void CreateCodec_NoConfiguredKey_EachProcessRefusesTheOthersLinks()
    {
        var first = SkipTokenKeys.CreateCodec(new PagingOptions(), NullLogger.Instance);
        var second = SkipTokenKeys.CreateCodec(new PagingOptions(), NullLogger.Instance);
        var token = first.Encode(new SkipToken("f", 3, 10, ["x"]));

        Assert.Equal(new object?[] { "x" }, first.Decode(token).After);
        AssertInvalid(() => second.Decode(token));
    }

    // ---- fingerprints ---------------------------------------------------------------------------

    [Fact]
    public void Fingerprint_SameText_SameShortUrlSafeValue_OtherTextAnother()
    {
        var a = SkipTokenCodec.Fingerprint("customers\n$filter=score gt 5");
        var b = SkipTokenCodec.Fingerprint("customers\n$filter=score gt 5");
        var c = SkipTokenCodec.Fingerprint("customers\n$filter=score gt 6");

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(16, a.Length); // 12 bytes of SHA-256
        Assert.Matches("^[A-Za-z0-9_-]+$", a); // no '.': the planner appends the order shape after one
    }

    [Fact]
    public void Plan_TokenOfTheSameQuery_ContinuesAfterItsPosition()
    {
        const string url = "customers?$filter=score gt 5&$orderby=name";
        var planner = new PagePlanner(new ChangeableOptions(), Codec);
        var query = CompilerHarness.Sqlite.Plan(url);
        var first = planner.Plan(Request(null), query, url, "scope-a");
        var token = Codec.Encode(new SkipToken(first.Fingerprint, 1_000, first.PageSize!.Value, ["Smith", 7]));

        var next = planner.Plan(Request(token), query, url, "scope-a");

        Assert.Equal(1_000, next.Returned);
        Assert.Equal(new object?[] { "Smith", 7 }, next.Query.Paging!.After!);
    }

    [Theory]
    [InlineData("customers?$filter=score gt 6&$orderby=name", "scope-a")]
    [InlineData("customers?$filter=score gt 5&$orderby=city", "scope-a")]
    [InlineData("customers?$filter=score gt 5&$orderby=name&$top=50", "scope-a")]
    [InlineData("customers?$filter=score gt 5&$orderby=name", "scope-b")]
    public void Plan_TokenOfAnotherQueryOrScope_Is400(string otherUrl, string otherScope)
    {
        const string url = "customers?$filter=score gt 5&$orderby=name";
        var planner = new PagePlanner(new ChangeableOptions(), Codec);
        var issuedFor = planner.Plan(Request(null), CompilerHarness.Sqlite.Plan(otherUrl), otherUrl, otherScope);
        var token = Codec.Encode(new SkipToken(issuedFor.Fingerprint, 100, 100, ["Smith", 7]));

        var problem = Assert.Throws<ODataProblem>(() => planner.Plan(Request(token), CompilerHarness.Sqlite.Plan(url), url, "scope-a"));

        Assert.Equal((400, "InvalidSkipToken", "$skiptoken"), (problem.Status, problem.Code, problem.Target));
        Assert.Contains("another query", problem.Message, StringComparison.Ordinal);
    }

    private static HttpRequest Request(string? skipToken)
    {
        var context = new DefaultHttpContext();
        if (skipToken is not null)
        {
            context.Request.QueryString = QueryString.Create("$skiptoken", skipToken);
        }

        return context.Request;
    }

    private static ODataProblem AssertInvalid(Func<object> decode)
    {
        var problem = Assert.Throws<ODataProblem>(decode);
        Assert.Equal((400, "InvalidSkipToken", "$skiptoken"), (problem.Status, problem.Code, problem.Target));
        return problem;
    }
}
