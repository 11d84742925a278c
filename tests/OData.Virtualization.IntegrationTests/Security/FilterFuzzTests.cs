using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OData;
using Microsoft.OData.UriParser;
using OData.Virtualization.Hosting;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.IntegrationTests.Oracle;
using OData.Virtualization.Model;
using Xunit.Abstractions;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// The fuzz test: 10,000+ generated <c>$filter</c> expressions (<see cref="FilterFuzzer"/>, fixed seed) over
/// <c>erp_customers</c>, <c>products</c> and <c>transactions</c>, sent by a principal whose policy limits each set to
/// some rows. No answer may be a 5xx; every 200 must equal the independent oracle (<see cref="OracleEvaluator"/>)
/// evaluated over the rows the policy allows, read directly from PostgreSQL; an invalid expression is a 4xx.
/// A further 1,200 expressions per set also use navigation paths (one and two single-valued navigation properties away)
/// and <c>any</c>/<c>all</c>/<c>any()</c>/<c>Nav/$count</c> over its collection navigation properties; the oracle follows
/// the relationships in C# (<see cref="OracleNavigation"/>) over the related rows the policy allows (suppliers outside
/// France, the orders of customers up to 1000), so a hidden related row must act as absent.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class FilterFuzzTests(PostgresFixture fixture, ITestOutputHelper output)
{
    private const int Seed = 20261129;
    private const int ExpressionsPerSet = 3400;

    /// <summary>Expressions per set that also use navigation paths and lambdas (where the set has relationships).</summary>
    private const int NavigatingExpressionsPerSet = 1200;

    /// <summary>(set, the policy's row filter, the same rows in SQL for the oracle's slice).</summary>
    private static readonly (string Set, string RowFilter, string Sql)[] s_sets =
    [
        ("erp_customers", "customer_id le 1500", "\"customer_id\" <= 1500"),
        ("products", "discontinued eq false", "\"discontinued\" = false"),
        ("transactions", "transaction_id le 2000", "\"transaction_id\" <= 2000"),
    ];

    /// <summary>
    /// Row filters of sets reached through navigation paths and lambdas only (every other set is granted whole): a
    /// related row outside them must act as absent.
    /// </summary>
    private static readonly (string Set, string RowFilter, string Sql)[] s_related =
    [
        ("suppliers", "country ne 'FR'", "\"country\" IS DISTINCT FROM 'FR'"),
        ("sales_orders", "customer_id le 1000", "\"customer_id\" <= 1000"),
    ];

    [Fact]
    public async Task TenThousandGeneratedFilters_NeverAnswer5xx_AndEvery200EqualsTheOracle()
    {
        var key = OData.Virtualization.Security.SecretHasher.NewApiKey();
        await using var factory = await fixture.StartAnotherAsync(settings =>
        {
            settings["OData:Cache:DefaultTtlSeconds"] = "0";
            settings["OData:Limits:RequestsPerMinute"] = "0";
            settings["OData:Limits:ConcurrentRequests"] = "0";
            settings["OData:Security:AllowAnonymous"] = "false";
            settings["OData:Security:ApiKeys:fuzzer:KeyHash"] = key.Hash;
            settings["OData:Security:Policies:0:Principals:0"] = "fuzzer";
            settings["OData:Security:Policies:0:EntitySets:*:RowFilter"] = string.Empty;
            foreach (var (set, rowFilter, _) in s_sets.Concat(s_related))
            {
                settings[$"OData:Security:Policies:0:EntitySets:{set}:RowFilter"] = rowFilter;
            }
        });
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("http://localhost/odata/") });
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-API-Key", key.Key);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Prefer", "odata.maxpagesize=2000");

        var model = fixture.Services.GetRequiredService<ModelHost>().Current;
        var cases = new List<FuzzCase>();
        var slices = s_sets.Concat(s_related).ToDictionary(s => s.Set, s => s.Sql, StringComparer.Ordinal);
        var navigations = new List<PublishedNavigation>();
        foreach (var (setName, _, sql) in s_sets)
        {
            var set = model.Sets[setName];
            var rows = await OracleRows.LoadAsync(fixture, set, sql);
            Assert.True(rows.Count is > 100 and <= 2000, $"{setName}: {rows.Count} rows in the slice");

            var own = Properties(set, prefix: string.Empty);
            var fuzzer = new FilterFuzzer(Seed + setName.Length, own);
            for (var i = 0; i < ExpressionsPerSet; i++)
            {
                cases.Add(new FuzzCase(set, rows, fuzzer.Next()));
            }

            // Then, from a stream of their own (the expressions above stay as they were): the set's own properties, those
            // one and two single-valued navigation properties away, and lambdas over its collection navigation properties.
            var properties = new List<(string Name, FuzzKind Kind)>(own);
            foreach (var single in set.Navigations.Where(n => !n.IsCollection))
            {
                navigations.Add(single);
                properties.AddRange(Properties(single.Target, single.Name + "/"));
                foreach (var next in single.Target.Navigations.Where(n => !n.IsCollection))
                {
                    navigations.Add(next);
                    properties.AddRange(Properties(next.Target, single.Name + "/" + next.Name + "/"));
                }
            }

            var lambdas = set.Navigations.Where(n => n.IsCollection).Select(n => (n.Name, (IReadOnlyList<(string, FuzzKind)>)Properties(n.Target, string.Empty))).ToList();
            navigations.AddRange(set.Navigations.Where(n => n.IsCollection));
            var navigating = new FilterFuzzer(Seed + setName.Length + 1, properties, lambdas);
            for (var i = 0; i < NavigatingExpressionsPerSet; i++)
            {
                cases.Add(new FuzzCase(set, rows, navigating.Next(), Navigating: true));
            }
        }

        var related = await OracleNavigation.LoadAsync(fixture, navigations, target => slices.GetValueOrDefault(target.Name));
        var failures = new ConcurrentQueue<string>();
        var rejections = new ConcurrentQueue<string>();
        var answered = new ConcurrentQueue<string>();
        int valid = 0, rejected = 0, oracleRejected = 0, nonEmpty = 0;
        var watch = Stopwatch.StartNew();
        // The navigating expressions run two at a time: a lambda inside an 'or' over the seed's unindexed related tables is a
        // correlated subquery per row (seconds), and eight of them at once fill the set's share of the source's slots (503).
        async Task RunAllAsync(IEnumerable<FuzzCase> batch, int parallel) => await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (fuzz, cancellationToken) =>
        {
            var outcome = await RunAsync(client, model, related, fuzz, cancellationToken);
            switch (outcome.Kind)
            {
                case Outcome.Valid:
                    Interlocked.Increment(ref valid);
                    answered.Enqueue(fuzz.Filter);
                    if (outcome.Rows > 0)
                    {
                        Interlocked.Increment(ref nonEmpty);
                    }

                    break;
                case Outcome.Rejected:
                    Interlocked.Increment(ref rejected);
                    if (outcome.OracleAccepted)
                    {
                        Interlocked.Increment(ref oracleRejected);
                        rejections.Enqueue($"{fuzz.Set.Name}?$filter={fuzz.Filter} -> {outcome.Problem}");
                    }

                    break;
                default:
                    failures.Enqueue($"{fuzz.Set.Name}?$filter={fuzz.Filter}{Environment.NewLine}    {outcome.Problem}");
                    break;
            }
        });
        await RunAllAsync(cases.Where(c => !c.Navigating), 8);
        await RunAllAsync(cases.Where(c => c.Navigating), 2);

        output.WriteLine($"{cases.Count} expressions in {watch.Elapsed.TotalSeconds:F1} s: {valid} valid (200, {nonEmpty} with rows), {rejected} rejected with a 4xx ({oracleRejected} of them parsed by the oracle's parser too), {failures.Count} failures.");
        foreach (var rejection in rejections.Take(40))
        {
            output.WriteLine("  rejected although it parses: " + rejection);
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Count} generated filters failed (seed {Seed}):{Environment.NewLine}" + string.Join(Environment.NewLine, failures.Take(25)));
        var covered = answered.SelectMany(f => Families(f).Distinct()).CountBy(f => f, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
        output.WriteLine("Answered expressions per operator and function: " + string.Join(", ", s_families.Select(f => $"{f} {covered.GetValueOrDefault(f)}")));
        var missing = s_families.Where(f => !covered.ContainsKey(f)).ToList();
        Assert.True(missing.Count == 0, $"no expression the server answered (and the oracle confirmed) used {string.Join(", ", missing)}: the fuzz does not test them");
        Assert.True(valid > cases.Count / 2, $"only {valid} of {cases.Count} expressions were valid: the fuzz is not meaningful");
        Assert.True(nonEmpty > valid / 5, $"only {nonEmpty} of {valid} valid expressions matched any row");
    }

    /// <summary>
    /// What <see cref="FilterFuzzer"/> claims to generate: comparison, logical and arithmetic operators (negation too),
    /// <c>in</c> lists, <c>null</c>, and the string and date functions.
    /// </summary>
    private static readonly string[] s_families =
    [
        "eq", "ne", "gt", "ge", "lt", "le", "and", "or", "not", "add", "sub", "mul", "div", "mod", "negation", "in", "null",
        "contains()", "startswith()", "endswith()", "tolower()", "toupper()", "trim()", "concat()", "substring()", "length()", "indexof()",
        "year()", "month()", "day()", "hour()", "minute()", "second()", "date()", "any()", "all()", "count", "navigation path",
    ];

    /// <summary>The operators and functions (<see cref="s_families"/>) <paramref name="filter"/> uses, outside its string literals.</summary>
    private static IEnumerable<string> Families(string filter)
    {
        var code = StringLiteral().Replace(filter, "''");
        foreach (Match word in Word().Matches(code))
        {
            yield return word.Groups[2].Success ? word.Groups[1].Value + "()" : word.Groups[1].Value;
        }

        if (Negation().IsMatch(code))
        {
            yield return "negation";
        }

        if (NavigationPath().IsMatch(code))
        {
            yield return "navigation path";
        }
    }

    /// <summary>A path through a navigation property from the set's own rows (not a lambda's <c>x/…</c>, not <c>Nav/any(</c>).</summary>
    [GeneratedRegex(@"(?<![\w/])(?!x/)[A-Za-z_]\w*/[A-Za-z_]\w*\b(?!\()")]
    private static partial Regex NavigationPath();

    [GeneratedRegex("'(?:[^']|'')*'")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\b([a-z]+)\b(\()?")]
    private static partial Regex Word();

    /// <summary>A minus sign before a property name (not inside a number, date or GUID).</summary>
    [GeneratedRegex(@"(?<![\w)'])-(?=[A-Za-z_])")]
    private static partial Regex Negation();

    private static async Task<Result> RunAsync(HttpClient client, PublishedModel model, OracleNavigation related, FuzzCase fuzz, CancellationToken cancellationToken)
    {
        var set = fuzz.Set;
        var keyProperties = set.Key.Select(k => k.PropertyName).ToList();
        var url = $"{set.Name}?$filter={Uri.EscapeDataString(fuzz.Filter)}&$select={string.Join(",", keyProperties)}&$count=true";
        HttpResponseMessage response;
        string body;
        try
        {
            response = await client.GetAsync(url, cancellationToken);
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return Result.Failed("the request failed: " + ex.Message);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status >= 500 && status != 501)
            {
                return Result.Failed($"{status}: {ODataAssert.Shorten(body)}");
            }

            // The oracle: the same expression parsed against the same model and evaluated over the allowed rows.
            SingleValueNode? expression = null;
            string? parseError = null;
            try
            {
                var edmSet = model.EdmModel.EntityContainer.FindEntitySet(set.Name);
                var parser = new ODataQueryOptionParser(model.EdmModel, edmSet.EntityType, edmSet, new Dictionary<string, string> { ["$filter"] = fuzz.Filter })
                {
                    Resolver = new ODataUriResolver { EnableCaseInsensitive = true },
                };
                expression = parser.ParseFilter().Expression;
            }
            catch (Exception ex) when (ex is ODataException or OverflowException or FormatException)
            {
                parseError = ex.Message;
            }

            if (status != 200)
            {
                if (status is not (400 or 501))
                {
                    return Result.Failed($"{status} for an invalid or unsupported expression: {ODataAssert.Shorten(body)}");
                }

                try
                {
                    ODataAssert.AssertClientErrorOr501(response, body, "GET " + url);
                }
                catch (Exception ex) when (ex is Xunit.Sdk.XunitException or JsonException or KeyNotFoundException)
                {
                    return Result.Failed($"{status} without a proper OData error: {ex.Message}");
                }

                var message = JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("message").GetString();
                return new Result(Outcome.Rejected, 0, $"{status} {message}", parseError is null);
            }

            if (expression is null)
            {
                return Result.Failed($"the server answered 200 to what the URI parser rejects ({parseError}): {ODataAssert.Shorten(body)}");
            }

            List<string> expected;
            try
            {
                var oracle = new OracleEvaluator(OracleDialect.PostgreSql, DateTimeOffset.UtcNow) { Navigation = related };
                expected = fuzz.Rows.Where(row => OracleEvaluator.IsTrue(oracle.Evaluate(expression, row)))
                    .Select(row => string.Join("|", keyProperties.Select(k => KeyText(row[k]))))
                    .ToList();
            }
            catch (Exception ex) when (ex is NotSupportedException or InvalidCastException or OverflowException or DivideByZeroException or ArgumentException or InvalidOperationException)
            {
                return Result.Failed($"the server answered 200 but the oracle cannot evaluate it ({ex.GetType().Name}: {ex.Message})");
            }

            JsonElement json;
            try
            {
                json = JsonDocument.Parse(body).RootElement;
            }
            catch (JsonException ex)
            {
                return Result.Failed($"200 with a body that is not JSON ({ex.Message}): {ODataAssert.Shorten(body)}");
            }

            if (json.TryGetProperty("@odata.nextLink", out _))
            {
                return Result.Failed("the page is not the whole result (a nextLink at 2000 rows)");
            }

            var actual = json.GetProperty("value").EnumerateArray()
                .Select(row => string.Join("|", keyProperties.Select(k => row.GetProperty(k) is var v && v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText())))
                .ToList();
            var count = json.GetProperty("@odata.count").GetInt64();
            var missing = expected.Except(actual, StringComparer.Ordinal).ToList();
            var extra = actual.Except(expected, StringComparer.Ordinal).ToList();
            if (missing.Count > 0 || extra.Count > 0 || count != expected.Count || actual.Count != expected.Count)
            {
                return Result.Failed($"server {actual.Count} rows (count {count}), oracle {expected.Count}; missing {Sample(missing)}; extra {Sample(extra)}");
            }

            return new Result(Outcome.Valid, actual.Count, null, true);
        }
    }

    private static List<(string Name, FuzzKind Kind)> Properties(PublishedSet set, string prefix)
        => set.Columns.Select(c => (Name: prefix + c.PropertyName, Kind: Kind(c))).Where(p => p.Kind is not null).Select(p => (p.Name, p.Kind!.Value)).ToList();

    private static FuzzKind? Kind(PublishedColumn column)
    {
        if (column.Type.IsCollection)
        {
            return null;
        }

        return column.Type.Kind switch
        {
            ValueKind.Byte or ValueKind.Int16 or ValueKind.Int32 or ValueKind.Int64 => FuzzKind.Integer,
            ValueKind.Decimal => FuzzKind.Decimal,
            ValueKind.Single or ValueKind.Double => FuzzKind.Floating,
            ValueKind.String => FuzzKind.Text,
            ValueKind.Boolean => FuzzKind.Boolean,
            ValueKind.Date => FuzzKind.Date,
            ValueKind.DateTimeOffset or ValueKind.DateTime => FuzzKind.Instant,
            ValueKind.Guid => FuzzKind.Guid,
            _ => null,
        };
    }

    private static string KeyText(object? value) => value switch
    {
        null => "null",
        Guid g => g.ToString("D"),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    private static string Sample(List<string> keys) => keys.Count == 0 ? "-" : string.Join(", ", keys.Take(5)) + (keys.Count > 5 ? ", …" : string.Empty);

    private enum Outcome
    {
        Valid,
        Rejected,
        Failed,
    }

    private sealed record Result(Outcome Kind, int Rows, string? Problem, bool OracleAccepted)
    {
        public static Result Failed(string problem) => new(Outcome.Failed, 0, problem, false);
    }

    private sealed record FuzzCase(PublishedSet Set, IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows, string Filter, bool Navigating = false);
}
