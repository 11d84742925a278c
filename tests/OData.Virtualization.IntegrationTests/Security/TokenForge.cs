using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// Bearer tokens made by hand, byte for byte, so that every part can be wrong on purpose: header, claims, their JSON
/// types, segments, signature and key. <see cref="Cases"/> names each malformed or forged form; <see cref="Valid"/>
/// is the control that the same forge makes correctly.
/// </summary>
internal sealed class TokenForge(byte[] signingKey)
{
    private static readonly byte[] s_otherKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>The names of the forms that must all be refused with a 401.</summary>
    public static readonly string[] Cases =
    [
        "alg none, no signature", "alg None", "alg NONE", "alg none, the valid signature kept", "no alg",
        "kid to /dev/null, signed with an empty key", "kid with SQL, signed with its text", "jku to another host", "jwk of the attacker (oct)",
        "jwk of the attacker (RSA)", "x5u to another host", "x5c self-signed", "alg RS256 with the HMAC key as the public key",
        "typ dpop+jwt", "typ logout+jwt", "typ secevent+jwt", "typ JWE",
        "exp as a string", "exp as a date string", "exp as an object", "exp as true", "exp missing", "exp in the past",
        "iss of another issuer", "aud of another service", "aud as an object", "aud as a number", "aud as [object]", "iss as an array", "sub as an object", "sub as a number",
        "roles as a number", "roles as an object", "roles as [number]", "roles as [object]", "roles as true",
        "huge: 300 KB of claims, validly signed", "huge: 100 KB of garbage", "huge: 10,000 segments",
        "non-base64 segments", "non-base64 signature", "base64 with padding and +/", "whitespace inside", "non-ASCII segments",
        "payload not JSON", "payload a JSON array", "header not JSON",
        "one segment", "two segments", "four segments", "five segments (JWE shape)", "empty segments", "empty signature",
        "HS256 with another key", "HS256 with the key's base64 text", "HS256 with the first 16 bytes of the key", "HS384 with another key",
        "nbf in the future", "two tokens",
    ];

    public string Valid() => Sign(Header(), Claims());

    public string Make(string name)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var valid = Valid();
        var (h, p, s) = (valid.Split('.')[0], valid.Split('.')[1], valid.Split('.')[2]);
        return name switch
        {
            "alg none, no signature" => Segments(Header(alg: "none"), Claims()) + ".",
            "alg None" => Segments(Header(alg: "None"), Claims()) + ".",
            "alg NONE" => Segments(Header(alg: "NONE"), Claims()) + ".",
            "alg none, the valid signature kept" => Segments(Header(alg: "none"), Claims()) + "." + s,
            "no alg" => Sign(new Dictionary<string, object?> { ["typ"] = "JWT" }, Claims()),
            "kid to /dev/null, signed with an empty key" => Sign(Header(extra: ("kid", "../../../../../../dev/null")), Claims(), []),
            "kid with SQL, signed with its text" => Sign(Header(extra: ("kid", "x' UNION SELECT 'forged")), Claims(), Encoding.UTF8.GetBytes("forged")),
            "jku to another host" => Sign(Header(extra: ("jku", "https://evil.example.test/jwks.json")), Claims(), s_otherKey),
            "jwk of the attacker (oct)" => Sign(Header(extra: ("jwk", new Dictionary<string, object?> { ["kty"] = "oct", ["k"] = Base64UrlEncoder.Encode(s_otherKey) })), Claims(), s_otherKey),
            "jwk of the attacker (RSA)" => SignRsa(rsa => Header(alg: "RS256", extra: ("jwk", Jwk(rsa)))),
            "x5u to another host" => SignRsa(_ => Header(alg: "RS256", extra: ("x5u", "https://evil.example.test/cert.pem"))),
            "x5c self-signed" => SignRsa(rsa => Header(alg: "RS256", extra: ("x5c", new[] { Convert.ToBase64String(SelfSigned(rsa)) }))),
            "alg RS256 with the HMAC key as the public key" => Sign(Header(alg: "RS256"), Claims()),
            "typ dpop+jwt" => Sign(Header(typ: "dpop+jwt"), Claims()),
            "typ logout+jwt" => Sign(Header(typ: "logout+jwt"), Claims()),
            "typ secevent+jwt" => Sign(Header(typ: "secevent+jwt"), Claims()),
            "typ JWE" => Sign(Header(typ: "JWE"), Claims()),
            "exp as a string" => Sign(Header(), Claims(("exp", (now + 600).ToString(System.Globalization.CultureInfo.InvariantCulture)))),
            "exp as a date string" => Sign(Header(), Claims(("exp", "2099-01-01T00:00:00Z"))),
            "exp as an object" => Sign(Header(), Claims(("exp", new Dictionary<string, object?> { ["value"] = now + 600 }))),
            "exp as true" => Sign(Header(), Claims(("exp", true))),
            "exp missing" => Sign(Header(), Claims(("exp", null))),
            "exp in the past" => Sign(Header(), Claims(("exp", now - 600), ("nbf", now - 1200), ("iat", now - 1200))),
            "iss of another issuer" => Sign(Header(), Claims(("iss", "https://evil.example.test/"))),
            "aud of another service" => Sign(Header(), Claims(("aud", "api://some-other-service"))),
            "aud as an object" => Sign(Header(), Claims(("aud", new Dictionary<string, object?> { ["value"] = SecureBankFixture.Audience }))),
            "aud as a number" => Sign(Header(), Claims(("aud", 42))),
            "aud as [object]" => Sign(Header(), Claims(("aud", new object[] { new Dictionary<string, object?> { ["value"] = SecureBankFixture.Audience } }))),
            "iss as an array" => Sign(Header(), Claims(("iss", new[] { SecureBankFixture.Issuer }))),
            "sub as an object" => Sign(Header(), Claims(("sub", new Dictionary<string, object?> { ["id"] = "oidc-risk" }))),
            "sub as a number" => Sign(Header(), Claims(("sub", 12345))),
            "roles as a number" => Sign(Header(), Claims(("roles", 7))),
            "roles as an object" => Sign(Header(), Claims(("roles", new Dictionary<string, object?> { ["risk"] = true }))),
            "roles as [number]" => Sign(Header(), Claims(("roles", new[] { 1, 2 }))),
            "roles as [object]" => Sign(Header(), Claims(("roles", new object[] { new Dictionary<string, object?> { ["name"] = "risk" } }))),
            "roles as true" => Sign(Header(), Claims(("roles", true))),
            "huge: 300 KB of claims, validly signed" => Sign(Header(), Claims(("padding", new string('x', 300_000)))),
            "huge: 100 KB of garbage" => new string('A', 50_000) + "." + new string('B', 50_000) + "." + new string('C', 100),
            "huge: 10,000 segments" => string.Join('.', Enumerable.Repeat("eyJ9", 10_000)),
            "non-base64 segments" => "!!!.@@@.###",
            "non-base64 signature" => h + "." + p + ".%%%***",
            "base64 with padding and +/" => h + "=." + p.Replace('-', '+').Replace('_', '/') + "==." + s,
            "whitespace inside" => h + ". " + p + "." + s,
            "non-ASCII segments" => "äöü.é€.ß",
            "payload not JSON" => Sign(Header(), "this is not JSON"),
            "payload a JSON array" => Sign(Header(), "[1,2,3]"),
            "header not JSON" => Base64UrlEncoder.Encode("{alg:HS256") + "." + p + "." + s,
            "one segment" => h,
            "two segments" => h + "." + p,
            "four segments" => valid + "." + s,
            "five segments (JWE shape)" => Base64UrlEncoder.Encode("{\"alg\":\"dir\",\"enc\":\"A256GCM\"}") + "..AAAA.BBBB.CCCC",
            "empty segments" => "..",
            "empty signature" => h + "." + p + ".",
            "HS256 with another key" => Sign(Header(), Claims(), s_otherKey),
            "HS256 with the key's base64 text" => Sign(Header(), Claims(), Encoding.UTF8.GetBytes(Convert.ToBase64String(signingKey))),
            "HS256 with the first 16 bytes of the key" => Sign(Header(), Claims(), signingKey[..16]),
            "HS384 with another key" => Sign(Header(alg: "HS384"), Claims(), s_otherKey),
            "nbf in the future" => Sign(Header(), Claims(("nbf", now + 600), ("iat", now + 600), ("exp", now + 1200))),
            "two tokens" => valid + " " + valid,
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such case"),
        };
    }

    private static Dictionary<string, object?> Header(string alg = "HS256", string? typ = "JWT", (string Name, object? Value)? extra = null)
    {
        var header = new Dictionary<string, object?> { ["alg"] = alg };
        if (typ is not null)
        {
            header["typ"] = typ;
        }

        if (extra is { } e)
        {
            header[e.Name] = e.Value;
        }

        return header;
    }

    /// <summary>A valid token's claims (role risk: every row), with some replaced (or removed, by a null value).</summary>
    private static Dictionary<string, object?> Claims(params (string Name, object? Value)[] replaced)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object?>
        {
            ["sub"] = "oidc-risk",
            ["roles"] = new[] { "risk" },
            ["iss"] = SecureBankFixture.Issuer,
            ["aud"] = SecureBankFixture.Audience,
            ["iat"] = now - 60,
            ["nbf"] = now - 60,
            ["exp"] = now + 600,
        };
        foreach (var (name, value) in replaced)
        {
            if (value is null)
            {
                claims.Remove(name);
            }
            else
            {
                claims[name] = value;
            }
        }

        return claims;
    }

    private static string Segments(object header, object payload)
        => Base64UrlEncoder.Encode(Json(header)) + "." + Base64UrlEncoder.Encode(Json(payload));

    private static string Json(object value) => value as string ?? JsonSerializer.Serialize(value);

    private string Sign(object header, object payload, byte[]? key = null)
    {
        var input = Segments(header, payload);
        var alg = header is Dictionary<string, object?> h && h.TryGetValue("alg", out var a) ? a as string : "HS256";
        var bytes = Encoding.ASCII.GetBytes(input);
        var k = key ?? signingKey;
        var signature = alg switch
        {
            "HS384" => HMACSHA384.HashData(k, bytes),
            "HS512" => HMACSHA512.HashData(k, bytes),
            _ => HMACSHA256.HashData(k, bytes),
        };
        return input + "." + Base64UrlEncoder.Encode(signature);
    }

    private static string SignRsa(Func<RSA, Dictionary<string, object?>> header)
    {
        using var rsa = RSA.Create(2048);
        var input = Segments(header(rsa), Claims());
        var signature = rsa.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return input + "." + Base64UrlEncoder.Encode(signature);
    }

    private static Dictionary<string, object?> Jwk(RSA rsa)
    {
        var parameters = rsa.ExportParameters(false);
        return new Dictionary<string, object?> { ["kty"] = "RSA", ["e"] = Base64UrlEncoder.Encode(parameters.Exponent), ["n"] = Base64UrlEncoder.Encode(parameters.Modulus) };
    }

    private static byte[] SelfSigned(RSA rsa)
    {
        var request = new CertificateRequest("CN=issuer.example.test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.Export(X509ContentType.Cert);
    }
}
