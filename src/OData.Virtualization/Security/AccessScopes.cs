using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.OData;
using Microsoft.OData.UriParser;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Model;
using OData.Virtualization.Publishing;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Security;

/// <summary>What one caller may see: the model projected for it, its identity in cache keys, its limits.</summary>
internal sealed class AccessScope(string id, string principal, PublishedModel model, MetadataWriter metadata, PrincipalLimitOptions limits)
{
    /// <summary>A hash of the effective rules: callers with identical rules share cache entries, no one else does.</summary>
    public string Id { get; } = id;

    public string Principal { get; } = principal;

    public PublishedModel Model { get; } = model;

    public MetadataWriter Metadata { get; } = metadata;

    public PrincipalLimitOptions Limits { get; } = limits;

    /// <summary>The most rows per page for this caller: its own limit, or a profile's (Salesforce: 2,000).</summary>
    public int? MaxPageSize { get; init; } = limits.MaxPageSize;

    /// <summary>
    /// Who may reuse a plan or a remembered cache key made for this caller: the same rules (<see cref="Id"/>), the
    /// same model, and the same limits — a plan made for a caller with a larger <c>MaxTop</c> or page size must never
    /// serve one with a smaller (found in review: a memo hit skipped the <c>$top</c> check of the second caller).
    /// </summary>
    public string MemoId => _memoId ??= string.Join('|', Id, Model.Stamp, Limits.MaxTop, Limits.MaxExpandDepth, Limits.MaxFilterNodes, Limits.MaxInListLength, MaxPageSize);

    private string? _memoId;

    /// <summary>
    /// <see cref="MemoId"/> under the options generation <paramref name="generation"/>: the scope of plans and remembered
    /// cache keys. Kept for the last generation asked for (a shared caller's scope serves many requests).
    /// </summary>
    public string MemoScope(int generation)
    {
        var last = _memoScope;
        if (last is not null && last.Generation == generation)
        {
            return last.Value;
        }

        var value = MemoId + "~" + generation.ToString(CultureInfo.InvariantCulture);
        _memoScope = new GenerationScope(generation, value);
        return value;
    }

    private GenerationScope? _memoScope;

    private sealed record GenerationScope(int Generation, string Value);

    /// <summary>Whether two limit sets are the same in every setting.</summary>
    public static bool SameLimits(PrincipalLimitOptions a, PrincipalLimitOptions b)
        => a.RequestsPerMinute == b.RequestsPerMinute && a.ConcurrentRequests == b.ConcurrentRequests && a.MaxTop == b.MaxTop
            && a.MaxPageSize == b.MaxPageSize && a.MaxExpandDepth == b.MaxExpandDepth && a.MaxFilterNodes == b.MaxFilterNodes
            && a.MaxInListLength == b.MaxInListLength;
}

/// <summary>
/// Resolves a caller's <see cref="AccessScope"/> from its claims and the configured policies, and keeps the
/// projected models (one per distinct set of effective rules).
/// </summary>
internal sealed partial class AccessScopes(ModelHost models, IOptionsMonitor<VirtualizationOptions> options, ILogger<AccessScopes> logger)
{
    private const int MaxCachedScopes = 1_000;

    /// <summary>
    /// The projected scopes of one model, replaced as a whole when the model is: a request that read the old model
    /// just before a refresh can then never leave its projection in the new model's cache.
    /// </summary>
    private ScopeCache _cache = new(null);

    public AccessScope Resolve(ClaimsPrincipal principal)
    {
        // Read once: the model and its metadata come from the same snapshot, whatever a refresh does meanwhile.
        var snapshot = models.Snapshot;
        var current = options.CurrentValue;

        // A configured user's, API key's or the anonymous principal is shared by its requests: its scope is resolved
        // once per model snapshot and options (a refresh or a reload resolves it again).
        var shared = principal as SharedPrincipal;
        if (shared?.Resolved is { } resolved && ReferenceEquals(resolved.Snapshot, snapshot) && ReferenceEquals(resolved.Options, current))
        {
            return resolved.Scope;
        }

        var scope = Resolve(principal, snapshot, current.Security);
        if (shared is not null)
        {
            shared.Resolved = new ResolvedScope(snapshot, current, scope);
        }

        return scope;
    }

    private AccessScope Resolve(ClaimsPrincipal principal, ModelSnapshot snapshot, SecurityOptions security)
    {
        var full = snapshot.Model;
        var cache = Volatile.Read(ref _cache);
        if (!ReferenceEquals(cache.Model, full))
        {
            // Only the current model's projections are kept; a request still on an older one projects for itself.
            var fresh = new ScopeCache(full);
            var installed = ReferenceEquals(full, models.Current) ? Interlocked.CompareExchange(ref _cache, fresh, cache) : null;
            cache = ReferenceEquals(installed, cache) ? fresh : installed is not null && ReferenceEquals(installed.Model, full) ? installed : fresh;
        }

        var scopes = cache.Scopes;
        // The identity includes the sign-in method (basic:teller, apikey:teller, jwt:issuer|subject): a token whose subject
        // is a configured user's name is not that user, for policies, limits and the request log.
        var name = Identities.Of(principal);
        var matched = security.Policies.Where(p => Matches(p, principal, name)).ToList();
        var limits = MergeLimits(matched);

        if (security.Policies.Count == 0)
        {
            // No policies: every authenticated principal reads everything published.
            return new AccessScope("all", name, full, snapshot.Metadata, limits);
        }

        var rules = EffectiveRules(matched, principal, full);
        var id = ScopeId(rules);
        if (scopes.Count > MaxCachedScopes)
        {
            scopes.Clear();
        }

        var scope = scopes.GetOrAdd(id, _ =>
        {
            var projected = ModelProjection.Project(full, set => rules.TryGetValue(set.Name, out var rule) ? View(full, set, rule) : null);
            return new AccessScope(id, name, projected, MetadataWriter.Render(projected.EdmModel), limits);
        });
        // The cached scope carries the limits of the caller that made it: reuse it only for the same name and limits
        // (a reloaded policy limit, or one name whose claims match other policies, must take effect).
        return scope.Principal == name && AccessScope.SameLimits(scope.Limits, limits) ? scope : new AccessScope(scope.Id, name, scope.Model, scope.Metadata, limits);
    }

    private static bool Matches(PolicyOptions policy, ClaimsPrincipal principal, string name)
    {
        var hasSelectors = policy.Principals.Count > 0 || policy.Roles.Count > 0 || policy.Claims.Count > 0;
        if (!hasSelectors)
        {
            return true;
        }

        return policy.Principals.Any(entry => Identities.Matches(entry, name))
            || policy.Roles.Any(principal.IsInRole)
            || (policy.Claims.Count > 0 && policy.Claims.All(c => principal.HasClaim(c.Key, c.Value)));
    }

    private static PrincipalLimitOptions MergeLimits(List<PolicyOptions> matched)
    {
        // The most generous of the matched policies wins; unset means the global default.
        var limits = matched.Select(p => p.Limits).Where(l => l is not null).ToList();
        return new PrincipalLimitOptions
        {
            RequestsPerMinute = limits.Max(l => l!.RequestsPerMinute),
            ConcurrentRequests = limits.Max(l => l!.ConcurrentRequests),
            MaxTop = limits.Max(l => l!.MaxTop),
            MaxPageSize = limits.Max(l => l!.MaxPageSize),
            MaxExpandDepth = limits.Max(l => l!.MaxExpandDepth),
            MaxFilterNodes = limits.Max(l => l!.MaxFilterNodes),
            MaxInListLength = limits.Max(l => l!.MaxInListLength),
        };
    }

    /// <summary>Per visible set: the row filter text (claims substituted), hidden and masked properties.</summary>
    private static SortedDictionary<string, EffectiveRule> EffectiveRules(List<PolicyOptions> matched, ClaimsPrincipal principal, PublishedModel full)
    {
        var rules = new SortedDictionary<string, EffectiveRule>(StringComparer.Ordinal);
        foreach (var set in full.Sets.Keys)
        {
            var grants = matched
                .Select(p => p.EntitySets.TryGetValue(set, out var specific) ? specific : p.EntitySets.GetValueOrDefault("*"))
                .Where(g => g is not null)
                .ToList();
            if (grants.Count == 0)
            {
                continue;
            }

            // Several grants for one set: the union of their rows, the columns any of them shows.
            var filters = grants.Select(g => string.IsNullOrWhiteSpace(g!.RowFilter) ? null : SubstituteClaims(g.RowFilter!, principal)).ToList();
            var filter = filters.Any(f => f is null) ? null : string.Join(" or ", filters.Select(f => "(" + f + ")"));
            var hidden = grants.Select(g => (IEnumerable<string>)g!.HiddenColumns).Aggregate((a, b) => a.Intersect(b, StringComparer.Ordinal)).ToHashSet(StringComparer.Ordinal);
            var masked = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var property in grants.SelectMany(g => g!.MaskedColumns.Keys).Distinct(StringComparer.Ordinal))
            {
                if (grants.All(g => g!.MaskedColumns.ContainsKey(property) || g.HiddenColumns.Contains(property)))
                {
                    masked[property] = grants.Max(g => g!.MaskedColumns.GetValueOrDefault(property));
                }
            }

            // Writes: what any grant allows (each grant's row filter then bounds the rows, as for reads).
            var writes = grants.Aggregate(WriteOperations.None, (all, g) => all | WriteGrants.Granted(g!.Writes));
            rules[set] = new EffectiveRule(filter, hidden, masked, writes);
        }

        return rules;
    }

    /// <summary>
    /// Replaces <c>@claims.name</c> with the caller's claim as an OData literal. A missing claim makes the whole
    /// filter false: a rule that cannot be evaluated must grant nothing.
    /// </summary>
    private static string SubstituteClaims(string filter, ClaimsPrincipal principal)
    {
        var missing = false;
        var result = ClaimReferences.Pattern().Replace(filter, match =>
        {
            var value = principal.FindFirst(match.Groups[1].Value)?.Value;
            if (value is null)
            {
                missing = true;
                return "null";
            }

            return Literal(value);
        });
        return missing ? "false" : result;
    }

    private static string Literal(string value)
    {
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
            || Guid.TryParse(value, out _)
            || value is "true" or "false")
        {
            return value;
        }

        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    private SetView? View(PublishedModel full, PublishedSet set, EffectiveRule rule)
    {
        SingleValueNode? filter = null;
        if (rule.RowFilter is { } text)
        {
            filter = ParseRowFilter(full, set, text);
            if (filter is null)
            {
                return null;
            }
        }

        return new SetView(filter, rule.Hidden, rule.Masked, rule.Writes);
    }

    private SingleValueNode? ParseRowFilter(PublishedModel full, PublishedSet set, string text)
    {
        var root = new Uri("http://policy/");
        foreach (var candidate in new[] { text, QuoteNumbers(text) })
        {
            try
            {
                var parser = new ODataUriParser(full.EdmModel, root, new Uri(root, set.Name + "?$filter=" + Uri.EscapeDataString(candidate)))
                {
                    Resolver = new ODataUriResolver { EnableCaseInsensitive = true },
                };
                return parser.ParseFilter()?.Expression;
            }
            catch (ODataException)
            {
                // A claim that looks like a number compared with a text column: retry with the numbers quoted.
            }
        }

        ServerLog.InvalidRowFilter(logger, set.Name, text);
        return null;
    }

    private static string QuoteNumbers(string text) => BareNumber().Replace(text, m => "'" + m.Value + "'");

    private static string ScopeId(SortedDictionary<string, EffectiveRule> rules)
    {
        var text = new StringBuilder();
        foreach (var (set, rule) in rules)
        {
            text.Append(set).Append('\u001f').Append(rule.RowFilter).Append('\u001f')
                .AppendJoin(",", rule.Hidden.Order(StringComparer.Ordinal)).Append('\u001f')
                .AppendJoin(",", rule.Masked.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => m.Key + ":" + m.Value.ToString(CultureInfo.InvariantCulture)))
                .Append('\u001f').Append((int)rule.Writes)
                .Append('\u001e');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..24];
    }


    [GeneratedRegex(@"(?<=\s(eq|ne|gt|ge|lt|le)\s)-?[0-9]+(?=\s|\)|$)", RegexOptions.CultureInvariant)]
    private static partial Regex BareNumber();

    private sealed record EffectiveRule(string? RowFilter, IReadOnlySet<string> Hidden, IReadOnlyDictionary<string, int> Masked, WriteOperations Writes);

    private sealed class ScopeCache(PublishedModel? model)
    {
        public PublishedModel? Model { get; } = model;

        public ConcurrentDictionary<string, AccessScope> Scopes { get; } = new(StringComparer.Ordinal);
    }
}
