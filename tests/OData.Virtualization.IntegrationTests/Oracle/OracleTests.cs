using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OData.UriParser;
using OData.Virtualization.Hosting;
using OData.Virtualization.IntegrationTests.Infrastructure;
using OData.Virtualization.Model;

namespace OData.Virtualization.IntegrationTests.Oracle;

/// <summary>
/// The oracle suite: each case of <see cref="OracleCases"/> is sent to the server, and the keys it returns are compared
/// with the same <c>$filter</c>/<c>$orderby</c>/<c>$top</c>/<c>$skip</c> evaluated by <see cref="OracleEvaluator"/> over
/// the same rows read directly from the database: in order when the case orders or pages, as a set otherwise (the
/// number of rows included), and with <c>$top</c>/<c>$skip</c> also <c>@odata.count</c> with the oracle's count of the
/// whole filtered set. Every <c>@odata.nextLink</c> is followed, so long results also check keyset paging.
/// </summary>
public abstract class OracleTests(ServerFixture fixture)
{
    [Theory]
    [MemberData(nameof(OracleCases.All), MemberType = typeof(OracleCases))]
    public async Task Query_MatchesOracle(string set, string? filter, string? orderBy, int? top, int? skip)
    {
        var model = fixture.Services.GetRequiredService<ModelHost>().Current;
        Assert.True(model.Sets.TryGetValue(set, out var published), $"The set '{set}' is not published on {fixture.Dialect}.");
        var slice = OracleCases.Slice(set);
        var fullFilter = (filter, slice?.Filter) switch
        {
            (null, null) => null,
            (null, var s) => s,
            (var f, null) => f,
            (var f, var s) => $"({f}) and {s}",
        };

        if (Adapt(set, fullFilter) is not { } adapted)
        {
            // The case cannot be asked of this source's types: a client asking it anyway is told so.
            var refused = await fixture.Client.GetAsync(set + "?$filter=" + Uri.EscapeDataString(fullFilter!));
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("\"error\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            return;
        }

        fullFilter = adapted.Length == 0 ? null : adapted;
        var keyProperties = published.Key.Select(k => k.PropertyName).ToList();
        var rows = await OracleRows.LoadAsync(fixture, published, slice?.Sql);
        var dialect = published.Source.Provider switch
        {
            Sources.SourceProvider.PostgreSql => OracleDialect.PostgreSql,
            Sources.SourceProvider.MySql => OracleDialect.MySql,
            _ => OracleDialect.Sqlite,
        };
        var (expected, expectedCount) = Evaluate(model, published, rows, dialect, fullFilter, orderBy, top, skip, keyProperties);

        var url = Url(set, fullFilter, orderBy, top, skip, keyProperties);
        var (actual, actualCount) = await fixture.Client.GetAllKeysAsync(url, keyProperties);

        var ordered = orderBy is not null || top is not null || skip is not null;
        var problems = Compare(expected, actual, ordered);
        var countAsked = top is not null || skip is not null;
        if ((countAsked || actualCount is not null) && actualCount != expectedCount)
        {
            problems.Insert(0, $"@odata.count: server {actualCount?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}, oracle {expectedCount}");
        }

        if (problems.Count > 0)
        {
            Assert.Fail($"{fixture.Dialect}: GET {Uri.UnescapeDataString(url)}{Environment.NewLine}" +
                        $"server returned {actual.Count} rows, the oracle {expected.Count}{Environment.NewLine}" +
                        string.Join(Environment.NewLine, problems));
        }
    }

    /// <summary>
    /// The case's filter in the terms of this source's published types ("" for no filter), or null when it cannot be
    /// written in them (then the server must answer 400).
    /// </summary>
    protected virtual string? Adapt(string set, string? filter) => filter ?? string.Empty;

    private static (List<string> Keys, long Count) Evaluate(
        PublishedModel model,
        PublishedSet set,
        IReadOnlyList<IReadOnlyDictionary<string, object?>> rows,
        OracleDialect dialect,
        string? filter,
        string? orderBy,
        int? top,
        int? skip,
        IReadOnlyList<string> keyProperties)
    {
        var edmSet = model.EdmModel.EntityContainer.FindEntitySet(set.Name);
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        if (filter is not null)
        {
            options["$filter"] = filter;
        }

        if (orderBy is not null)
        {
            options["$orderby"] = orderBy;
        }

        var parser = new ODataQueryOptionParser(model.EdmModel, edmSet.EntityType, edmSet, options)
        {
            Resolver = new ODataUriResolver { EnableCaseInsensitive = true },
        };
        var filterClause = parser.ParseFilter();
        var orderClause = parser.ParseOrderBy();

        var oracle = new OracleEvaluator(dialect, DateTimeOffset.UtcNow);
        var matching = filterClause is null
            ? rows
            : rows.Where(row => OracleEvaluator.IsTrue(oracle.Evaluate(filterClause.Expression, row))).ToList();

        var terms = new List<(SingleValueNode, bool)>();
        for (var clause = orderClause; clause is not null; clause = clause.ThenBy)
        {
            terms.Add((clause.Expression, clause.Direction == OrderByDirection.Descending));
        }

        // Without $orderby the server still orders by the key: only $top/$skip make that order observable.
        IEnumerable<IReadOnlyDictionary<string, object?>> ordered = terms.Count == 0 && top is null && skip is null
            ? matching
            : oracle.Order(matching, terms, keyProperties);
        if (skip is { } s)
        {
            ordered = ordered.Skip(s);
        }

        if (top is { } t)
        {
            ordered = ordered.Take(t);
        }

        var keys = ordered.Select(row => string.Join("|", keyProperties.Select(k => KeyText(row[k])))).ToList();
        return (keys, matching.Count);
    }

    private static string KeyText(object? value) => value switch
    {
        null => "null",
        Guid g => g.ToString("D"),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    private static string Url(string set, string? filter, string? orderBy, int? top, int? skip, IReadOnlyList<string> keyProperties)
    {
        var query = new List<string>();
        if (filter is not null)
        {
            query.Add("$filter=" + Uri.EscapeDataString(filter));
        }

        if (orderBy is not null)
        {
            query.Add("$orderby=" + Uri.EscapeDataString(orderBy));
        }

        if (top is not null)
        {
            query.Add("$top=" + top.Value.ToString(CultureInfo.InvariantCulture));
        }

        if (skip is not null)
        {
            query.Add("$skip=" + skip.Value.ToString(CultureInfo.InvariantCulture));
        }

        query.Add("$select=" + string.Join(",", keyProperties));
        if (top is not null || skip is not null)
        {
            // The count (of the whole filtered set) says something the page does not; without paging options the
            // rows themselves are the whole set, and a count on every page of a long result only costs time.
            query.Add("$count=true");
        }

        return set + "?" + string.Join("&", query);
    }

    private static List<string> Compare(List<string> expected, List<string> actual, bool ordered)
    {
        var problems = new List<string>();
        var missing = expected.Except(actual, StringComparer.Ordinal).ToList();
        var extra = actual.Except(expected, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            problems.Add($"missing from the server's result ({missing.Count}): {Sample(missing)}");
        }

        if (extra.Count > 0)
        {
            problems.Add($"not in the oracle's result ({extra.Count}): {Sample(extra)}");
        }

        if (actual.Count != actual.Distinct(StringComparer.Ordinal).Count())
        {
            problems.Add("the server returned a key more than once");
        }

        if (problems.Count == 0 && ordered && !expected.SequenceEqual(actual, StringComparer.Ordinal))
        {
            var first = Enumerable.Range(0, expected.Count).First(i => !string.Equals(expected[i], actual[i], StringComparison.Ordinal));
            problems.Add($"the order differs first at position {first}: " +
                         $"server [{Sample(actual.Skip(Math.Max(0, first - 2)).Take(6).ToList())}], " +
                         $"oracle [{Sample(expected.Skip(Math.Max(0, first - 2)).Take(6).ToList())}]");
        }

        return problems;
    }

    private static string Sample(List<string> keys)
    {
        var text = new StringBuilder();
        foreach (var key in keys.Take(10))
        {
            text.Append(text.Length == 0 ? string.Empty : ", ").Append('\'').Append(key).Append('\'');
        }

        return keys.Count > 10 ? text + ", …" : text.ToString();
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresOracleTests(PostgresFixture fixture) : OracleTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class SqliteOracleTests(SqliteFixture fixture) : OracleTests(fixture);

/// <summary>
/// The oracle on MariaDB. Two PostgreSQL types have no MySQL counterpart, and the cases that use their literals are
/// asked in the published types instead (decision 64): a uuid is <c>CHAR(36)</c>, an Edm.String, so a GUID literal is
/// quoted (lower-case text orders as PostgreSQL's uuid does); <c>TIME</c> is an Edm.Duration (decision 93), so a time
/// of day is the duration since midnight, and <c>hour</c>/<c>minute</c>/<c>second</c> of it are refused with 400.
/// </summary>
[Collection(MySql.MariaDbSeedCollection.Name)]
public sealed partial class MariaDbOracleTests(MySql.MariaDbSeedFixture fixture) : OracleTests(fixture)
{
    protected override string? Adapt(string set, string? filter)
    {
        if (filter is null)
        {
            return string.Empty;
        }

        if (set == "warehouses" && TimePart().IsMatch(filter))
        {
            return null;
        }

        // Only warehouses has TIME columns; time(ordered_at) elsewhere is a TimeOfDay and keeps its literal.
        var quoted = Guid().Replace(filter, m => "'" + m.Value + "'");
        return set != "warehouses" ? quoted : TimeOfDay().Replace(quoted, m =>
        {
            var time = TimeSpan.Parse(m.Value, CultureInfo.InvariantCulture);
            return "duration'" + System.Xml.XmlConvert.ToString(time) + "'";
        });
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\b(hour|minute|second)\(")]
    private static partial System.Text.RegularExpressions.Regex TimePart();

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<!['\w-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w'-])")]
    private static partial System.Text.RegularExpressions.Regex Guid();

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![\w:'T-])\d\d:\d\d:\d\d(\.\d+)?(?![\w:'Z+-])")]
    private static partial System.Text.RegularExpressions.Regex TimeOfDay();
}
