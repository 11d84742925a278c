using System.Security.Claims;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.OData.UriParser;
using OData.Virtualization.Configuration;
using OData.Virtualization.Hosting;
using OData.Virtualization.Query;
using OData.Virtualization.Security;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Security;

/// <summary>
/// From a caller's claims to what it may see: the published model projected onto its policies (sets, columns, rows),
/// its limits, and one projection shared by every caller with the same rules until the model or the rules change.
/// The model is published by a real <see cref="ModelHost"/> from an in-memory SQLite database (the embedded engine).
/// </summary>
public sealed class AccessScopesTests
{
    private const string Schema = """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT, credit_limit NUMERIC(12,2), nickname TEXT, score INTEGER);
        CREATE TABLE sales_orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), total NUMERIC(12,2) NOT NULL);
        """;

    // ---- sets and columns ---------------------------------------------------------------------

    [Fact]
    public async Task Resolve_NoPolicies_IsThePublishedModelItself()
    {
        await using var host = await Published.StartAsync();

        var scope = host.Scopes.Resolve(User("alice"));

        Assert.Equal(("all", "basic:alice"), (scope.Id, scope.Principal));
        Assert.Same(host.Models.Current, scope.Model);
        Assert.Same(host.Models.Snapshot.Metadata, scope.Metadata);
        Assert.Equal(new[] { "customers", "sales_orders" }, scope.Model.Sets.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Resolve_PolicyGrantsOneSet_TheOthersAreNeitherInTheModelNorInMetadata()
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("customers", new())));

        var scope = host.Scopes.Resolve(User("alice", roles: ["reader"]));

        Assert.Equal(new[] { "customers" }, scope.Model.Sets.Keys);
        Assert.Empty(scope.Model.Sets["customers"].Navigations); // the relationship to a set it cannot see
        Assert.DoesNotContain("sales_orders", Metadata(scope), StringComparison.Ordinal);
        Assert.Contains("sales_orders", Encoding.UTF8.GetString(host.Models.Snapshot.Metadata.Xml), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_PrincipalMatchingNoPolicy_SeesNoSet()
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("*", new())));

        var scope = host.Scopes.Resolve(User("mallory", roles: ["guest"]));

        Assert.Empty(scope.Model.Sets);
    }

    [Fact]
    public async Task Resolve_PolicyByClaims_MatchesOnlyWhenEveryClaimMatches()
    {
        var policy = new PolicyOptions
        {
            Claims = new() { ["dept"] = "sales", ["level"] = "2" },
            EntitySets = new() { ["customers"] = new() },
        };
        await using var host = await Published.StartAsync(policy);

        var both = host.Scopes.Resolve(User("a", claims: [("dept", "sales"), ("level", "2")]));
        var one = host.Scopes.Resolve(User("b", claims: [("dept", "sales"), ("level", "3")]));

        Assert.Equal(new[] { "customers" }, both.Model.Sets.Keys);
        Assert.Empty(one.Model.Sets);
    }

    [Fact]
    public async Task Resolve_HiddenColumns_AreGoneFromTheSetTheEdmTypeAndMetadata()
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("customers", new() { HiddenColumns = ["credit_limit"] })));

        var scope = host.Scopes.Resolve(User("alice", roles: ["reader"]));

        var customers = scope.Model.Sets["customers"];
        Assert.Null(customers.FindColumn("credit_limit"));
        Assert.Null(customers.EdmType.FindProperty("credit_limit"));
        Assert.NotNull(customers.FindColumn("city"));
        Assert.DoesNotContain("credit_limit", Metadata(scope), StringComparison.Ordinal);
        Assert.Equal(400, Assert.Throws<ODataProblem>(() => Select(scope, "customers?$select=credit_limit")).Status);
        Assert.Equal(400, Assert.Throws<ODataProblem>(() => Select(scope, "customers?$filter=credit_limit gt 0")).Status);

        // The published model is untouched: other callers still see the column.
        Assert.NotNull(host.Models.Current.Sets["customers"].FindColumn("credit_limit"));
    }

    [Fact]
    public async Task Resolve_HiddenJoinColumn_DropsTheRelationshipBothWays()
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: [("customers", new()), ("sales_orders", new() { HiddenColumns = ["customer_id"] })]));

        var scope = host.Scopes.Resolve(User("alice", roles: ["reader"]));

        Assert.NotEmpty(host.Models.Current.Sets["customers"].Navigations);
        Assert.Empty(scope.Model.Sets["customers"].Navigations);
        Assert.Empty(scope.Model.Sets["sales_orders"].Navigations);
    }

    [Fact]
    public async Task Resolve_MaskedColumn_IsMarkedWithItsVisibleCharacters()
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("customers", new() { MaskedColumns = new() { ["nickname"] = 2 } })));

        var scope = host.Scopes.Resolve(User("alice", roles: ["reader"]));

        Assert.Equal(2, scope.Model.Sets["customers"].FindColumn("nickname")!.Mask);
        Assert.Null(scope.Model.Sets["customers"].FindColumn("name")!.Mask);
    }

    // ---- row filters ----------------------------------------------------------------------------

    [Fact]
    public async Task Resolve_RowFilterWithClaim_IsInEveryStatementAsAParameter()
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("customers", new() { RowFilter = "city eq @claims.branch" })));

        var scope = host.Scopes.Resolve(User("alice", roles: ["reader"], claims: [("branch", "Zürich")]));

        var select = Select(scope, "customers?$select=id");
        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"city\" = @p0) ORDER BY t0.\"id\" ASC", select);
        SqlAssert.Parameters(select, "Zürich");
        var filtered = Select(scope, "customers?$select=id&$filter=score gt 2");
        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"city\" = @p0) AND (t0.\"score\" > @p1) ORDER BY t0.\"id\" ASC", filtered);
        SqlAssert.Parameters(filtered, "Zürich", 2L);
    }

    [Fact]
    public async Task Resolve_ClaimValueWithQuotes_IsOneStringParameterNotFilterSyntax()
    {
        const string hostile = "x' or 1 eq 1 or city eq 'y";
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("customers", new() { RowFilter = "city eq @claims.branch" })));

        var scope = host.Scopes.Resolve(User("alice", roles: ["reader"], claims: [("branch", hostile)]));

        var select = Select(scope, "customers?$select=id");
        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (t0.\"city\" = @p0) ORDER BY t0.\"id\" ASC", select);
        SqlAssert.Parameters(select, hostile);
    }

    [Fact]
    public async Task Resolve_ClaimMissing_TheSetIsVisibleButGrantsNoRow()
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("customers", new() { RowFilter = "city eq @claims.branch" })));

        var scope = host.Scopes.Resolve(User("alice", roles: ["reader"]));

        var select = Select(scope, "customers?$select=id");
        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE (1 = 0) ORDER BY t0.\"id\" ASC", select);
        SqlAssert.Parameters(select);
    }

    [Theory]
    [InlineData("city eq @claims.v", "12", "12")]
    [InlineData("score eq @claims.v", "12", 12L)]
    [InlineData("score eq @claims.v", "-3", -3L)]
    [InlineData("name eq @claims.v", "Zug", "Zug")]
    public Task Resolve_ClaimValue_IsTypedAsTheColumnItIsComparedWith(string rowFilter, string claim, object expected)
        => RowFilterParameter(rowFilter, claim, expected);

    [Theory(Skip = "bug: a claim that looks like a GUID or a boolean is substituted bare; compared with a text column the row filter does not parse, the retry only quotes integers, and the whole set disappears for that principal (logged as an invalid row filter)")]
    [InlineData("name eq @claims.v", "3f2504e0-4f89-11d3-9a0c-0305e82c3301")]
    [InlineData("name eq @claims.v", "true")]
    public Task Resolve_GuidOrBooleanLookingClaimOnTextColumn_IsComparedAsText(string rowFilter, string claim)
        => RowFilterParameter(rowFilter, claim, claim);

    [Fact]
    public async Task Resolve_SeveralGrants_UnionOfRowsAndColumnsAnyOfThemShows()
    {
        await using var host = await Published.StartAsync(
            Policy(roles: ["reader"], sets: ("customers", new() { RowFilter = "city eq 'Bern'", HiddenColumns = ["credit_limit", "nickname"] })),
            Policy(roles: ["auditor"], sets: ("customers", new() { RowFilter = "score gt 2", HiddenColumns = ["credit_limit"] })));

        var scope = host.Scopes.Resolve(User("alice", roles: ["reader", "auditor"]));

        var customers = scope.Model.Sets["customers"];
        Assert.Null(customers.FindColumn("credit_limit"));
        Assert.NotNull(customers.FindColumn("nickname"));
        var select = Select(scope, "customers?$select=id");
        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 WHERE ((t0.\"city\" = @p0) OR (t0.\"score\" > @p1)) ORDER BY t0.\"id\" ASC", select);
        SqlAssert.Parameters(select, "Bern", 2L);
    }

    [Fact]
    public async Task Resolve_OneGrantWithoutRowFilter_AllRows()
    {
        await using var host = await Published.StartAsync(
            Policy(roles: ["reader"], sets: ("customers", new() { RowFilter = "city eq 'Bern'" })),
            Policy(roles: ["auditor"], sets: ("*", new())));

        var scope = host.Scopes.Resolve(User("alice", roles: ["reader", "auditor"]));

        SqlAssert.Sql("SELECT t0.\"id\" FROM \"customers\" AS t0 ORDER BY t0.\"id\" ASC", Select(scope, "customers?$select=id"));
    }

    // ---- limits -------------------------------------------------------------------------------

    [Fact]
    public async Task Resolve_NoPolicyLimits_LeavesEveryLimitToTheGlobalValue()
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("*", new())));

        var limits = host.Scopes.Resolve(User("alice", roles: ["reader"])).Limits;

        Assert.All(
            new object?[] { limits.RequestsPerMinute, limits.ConcurrentRequests, limits.MaxTop, limits.MaxPageSize, limits.MaxExpandDepth, limits.MaxFilterNodes, limits.MaxInListLength },
            Assert.Null);
    }

    [Fact]
    public async Task Resolve_TwoPoliciesWithLimits_TheMostGenerousOfEachWins()
    {
        await using var host = await Published.StartAsync(
            Policy(roles: ["reader"], sets: ("*", new()), limits: new() { RequestsPerMinute = 60, ConcurrentRequests = 2, MaxTop = 100, MaxPageSize = 50 }),
            Policy(roles: ["auditor"], sets: ("*", new()), limits: new() { RequestsPerMinute = 30, ConcurrentRequests = 8, MaxTop = 500, MaxPageSize = 20 }));

        var scope = host.Scopes.Resolve(User("alice", roles: ["reader", "auditor"]));

        Assert.Equal((60, 8, 500L, 50), (scope.Limits.RequestsPerMinute, scope.Limits.ConcurrentRequests, scope.Limits.MaxTop, scope.Limits.MaxPageSize));
        Assert.Equal(50, scope.MaxPageSize);
    }

    [Fact(Skip = "bug: MergeLimits takes the largest value that some matched policy sets, so a matched policy that leaves the limit to the global value (6000 requests per minute by default) is ignored and a stricter policy wins; README: 'the most generous of a principal's matched policies wins; unset means the global value'")]
    public async Task Resolve_MatchedPolicyLeavesALimitUnset_TheGlobalValueCountsForIt()
    {
        await using var host = await Published.StartAsync(
            Policy(roles: ["reader"], sets: ("*", new())),
            Policy(roles: ["batch"], sets: ("*", new()), limits: new() { RequestsPerMinute = 10 }));

        var scope = host.Scopes.Resolve(User("alice", roles: ["reader", "batch"]));

        // Global 6000 (the default) is more generous than 10: the merged limit is the global one.
        Assert.Null(scope.Limits.RequestsPerMinute);
    }

    [Fact(Skip = "bug: MergeLimits takes Max over the values, so a policy's 0 ('none': no $top limit, rate limiting off) loses to any other matched policy's positive limit; the most generous is 'none'")]
    public async Task Resolve_OnePolicySaysNoLimit_NoLimitWins()
    {
        await using var host = await Published.StartAsync(
            Policy(roles: ["reader"], sets: ("*", new()), limits: new() { MaxTop = 0, RequestsPerMinute = 0 }),
            Policy(roles: ["batch"], sets: ("*", new()), limits: new() { MaxTop = 100, RequestsPerMinute = 10 }));

        var scope = host.Scopes.Resolve(User("alice", roles: ["reader", "batch"]));

        Assert.Equal((0L, 0), (scope.Limits.MaxTop, scope.Limits.RequestsPerMinute));
    }

    // ---- reuse ----------------------------------------------------------------------------------

    [Fact]
    public async Task Resolve_SamePrincipalTwice_SameScope()
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("customers", new() { RowFilter = "city eq @claims.branch" })));

        var first = host.Scopes.Resolve(User("alice", roles: ["reader"], claims: [("branch", "Bern")]));
        var second = host.Scopes.Resolve(User("alice", roles: ["reader"], claims: [("branch", "Bern")]));

        Assert.Same(first, second);
    }

    [Fact]
    public async Task Resolve_TwoPrincipalsWithTheSameRules_ShareTheProjectionButNotTheName()
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("customers", new() { RowFilter = "city eq @claims.branch" })));

        var alice = host.Scopes.Resolve(User("alice", roles: ["reader"], claims: [("branch", "Bern")]));
        var bob = host.Scopes.Resolve(User("bob", roles: ["reader"], claims: [("branch", "Bern")]));
        var carol = host.Scopes.Resolve(User("carol", roles: ["reader"], claims: [("branch", "Zug")]));

        Assert.Equal(alice.Id, bob.Id);
        Assert.Same(alice.Model, bob.Model);
        Assert.Same(alice.Metadata, bob.Metadata);
        Assert.Equal(("basic:alice", "basic:bob"), (alice.Principal, bob.Principal));
        Assert.NotEqual(alice.Id, carol.Id);
        Assert.NotSame(alice.Model, carol.Model);
    }

    [Fact]
    public async Task Resolve_SameRulesOtherLimits_SameProjectionOwnLimitsAndMemo()
    {
        await using var host = await Published.StartAsync(
            Policy(roles: ["reader"], sets: ("*", new())),
            new PolicyOptions { Principals = ["bob"], Limits = new() { MaxTop = 5 } });

        var alice = host.Scopes.Resolve(User("alice", roles: ["reader"]));
        var bob = host.Scopes.Resolve(User("bob", roles: ["reader"]));

        Assert.Equal(alice.Id, bob.Id);
        Assert.Same(alice.Model, bob.Model);
        Assert.Null(alice.Limits.MaxTop);
        Assert.Equal(5L, bob.Limits.MaxTop);
        Assert.NotEqual(alice.MemoId, bob.MemoId);
    }

    [Fact]
    public async Task Resolve_PolicyReloaded_TheSamePrincipalGetsTheNewRules()
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("customers", new())));
        var principal = User("alice", roles: ["reader"]);
        var before = host.Scopes.Resolve(principal);

        host.Reload(Policy(roles: ["reader"], sets: ("customers", new() { HiddenColumns = ["credit_limit"] }), limits: new() { MaxTop = 7 }));
        var after = host.Scopes.Resolve(principal);

        Assert.NotNull(before.Model.Sets["customers"].FindColumn("credit_limit"));
        Assert.Null(after.Model.Sets["customers"].FindColumn("credit_limit"));
        Assert.Equal(7L, after.Limits.MaxTop);
        Assert.NotEqual(before.Id, after.Id);
    }

    [Fact]
    public async Task Resolve_LimitReloadedRulesUnchanged_NewLimitsTakeEffect()
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("*", new()), limits: new() { MaxTop = 10 }));
        var before = host.Scopes.Resolve(User("alice", roles: ["reader"]));

        host.Reload(Policy(roles: ["reader"], sets: ("*", new()), limits: new() { MaxTop = 20 }));
        var after = host.Scopes.Resolve(User("alice", roles: ["reader"]));

        Assert.Equal(before.Id, after.Id);
        Assert.Equal((10L, 20L), (before.Limits.MaxTop, after.Limits.MaxTop));
        Assert.NotEqual(before.MemoId, after.MemoId);
    }

    [Fact]
    public async Task Resolve_ModelRefreshedWithANewColumn_ANewScopeOnTheNewModel()
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("customers", new() { HiddenColumns = ["credit_limit"] })));
        var principal = User("alice", roles: ["reader"]);
        var before = host.Scopes.Resolve(principal);

        host.Execute("ALTER TABLE customers ADD COLUMN email TEXT");
        var report = await host.Models.RefreshAsync("test", CancellationToken.None);
        var after = host.Scopes.Resolve(principal);

        Assert.Equal(RefreshOutcome.Published, report.Outcome);
        Assert.NotSame(before.Model, after.Model);
        Assert.Null(before.Model.Sets["customers"].FindColumn("email"));
        Assert.NotNull(after.Model.Sets["customers"].FindColumn("email"));
        Assert.Null(after.Model.Sets["customers"].FindColumn("credit_limit"));
        Assert.Contains("email", Metadata(after), StringComparison.Ordinal);
        Assert.NotEqual(before.MemoId, after.MemoId);
        Assert.Same(after, host.Scopes.Resolve(principal));
    }

    [Fact]
    public async Task Resolve_SharedPrincipal_ResolvedOnceUntilTheModelOrTheOptionsChange()
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("customers", new())));
        var identity = new ClaimsIdentity("ApiKey", ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, "erp-sync"));
        identity.AddClaim(new Claim(ClaimTypes.Role, "reader"));
        var shared = new SharedPrincipal(identity, "ApiKey");

        var first = host.Scopes.Resolve(shared);
        Assert.Same(first, host.Scopes.Resolve(shared));

        host.Reload(Policy(roles: ["reader"], sets: ("customers", new() { HiddenColumns = ["city"] })));
        var reloaded = host.Scopes.Resolve(shared);
        Assert.NotSame(first, reloaded);
        Assert.Null(reloaded.Model.Sets["customers"].FindColumn("city"));

        host.Execute("ALTER TABLE customers ADD COLUMN email TEXT");
        await host.Models.RefreshAsync("test", CancellationToken.None);
        var refreshed = host.Scopes.Resolve(shared);
        Assert.NotSame(reloaded, refreshed);
        Assert.NotNull(refreshed.Model.Sets["customers"].FindColumn("email"));
    }

    // ---- who is who -----------------------------------------------------------------------------

    [Fact]
    public async Task Resolve_AuthenticatedWithoutName_IsNeverTheAnonymousPrincipal()
    {
        await using var host = await Published.StartAsync(new PolicyOptions { Principals = ["anonymous"], EntitySets = new() { ["customers"] = new() } });

        var anonymous = host.Scopes.Resolve(new ClaimsPrincipal(new ClaimsIdentity()));
        var unnamed = host.Scopes.Resolve(new ClaimsPrincipal(new ClaimsIdentity("Bearer")));

        Assert.Equal("anonymous", anonymous.Principal);
        Assert.Equal(new[] { "customers" }, anonymous.Model.Sets.Keys);
        Assert.Equal("unnamed", unnamed.Principal);
        Assert.Empty(unnamed.Model.Sets);
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static async Task RowFilterParameter(string rowFilter, string claim, object expected)
    {
        await using var host = await Published.StartAsync(Policy(roles: ["reader"], sets: ("customers", new() { RowFilter = rowFilter })));

        var scope = host.Scopes.Resolve(User("alice", roles: ["reader"], claims: [("v", claim)]));

        Assert.True(scope.Model.Sets.ContainsKey("customers"), "The row filter did not parse: the set is not visible.");
        SqlAssert.Parameters(Select(scope, "customers?$select=id"), expected);
    }

    private static PolicyOptions Policy(string[] roles, (string Set, EntitySetPolicyOptions Rules) sets, PrincipalLimitOptions? limits = null)
        => Policy(roles, [sets], limits);

    private static PolicyOptions Policy(string[] roles, (string Set, EntitySetPolicyOptions Rules)[] sets, PrincipalLimitOptions? limits = null)
        => new()
        {
            Roles = [.. roles],
            EntitySets = sets.ToDictionary(s => s.Set, s => s.Rules, StringComparer.Ordinal),
            Limits = limits,
        };

    private static ClaimsPrincipal User(string name, string[]? roles = null, (string Type, string Value)[]? claims = null)
    {
        var identity = new ClaimsIdentity("Test", ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(Identities.ClaimType, Identities.Basic(name)));
        identity.AddClaim(new Claim(ClaimTypes.Name, name));
        identity.AddClaims((roles ?? []).Select(r => new Claim(ClaimTypes.Role, r)));
        identity.AddClaims((claims ?? []).Select(c => new Claim(c.Type, c.Value)));
        return new ClaimsPrincipal(identity);
    }

    private static string Metadata(AccessScope scope) => Encoding.UTF8.GetString(scope.Metadata.Xml);

    /// <summary>Plans and compiles <paramref name="url"/> against the caller's model, as the endpoint does.</summary>
    private static SqlStatement Select(AccessScope scope, string url)
    {
        var root = new Uri("http://host/odata/");
        var parser = new ODataUriParser(scope.Model.EdmModel, root, new Uri(root, url)) { Resolver = new ODataUriResolver { EnableCaseInsensitive = true } };
        var path = parser.ParsePath();
        var set = scope.Model.GetSet(((EntitySetSegment)path.FirstSegment).EntitySet);
        return SqlCompiler.Select(QueryPlanner.Plan(scope.Model, set, parser, null, new LimitOptions()), CompilerHarness.Now);
    }

    /// <summary>A published model over a private in-memory SQLite database, and the scopes resolved on it.</summary>
    private sealed class Published : IAsyncDisposable
    {
        private readonly SqliteConnection _database;
        private readonly string _connectionString;
        private readonly RequestMemo _prepared;

        private Published(SqliteConnection database, string connectionString, ChangeableOptions options, RequestMemo prepared, ModelHost models)
        {
            _database = database;
            _connectionString = connectionString;
            Options = options;
            _prepared = prepared;
            Models = models;
            Scopes = new AccessScopes(models, options, NullLogger<AccessScopes>.Instance);
        }

        public ChangeableOptions Options { get; }

        public ModelHost Models { get; }

        public AccessScopes Scopes { get; }

        public static async Task<Published> StartAsync(params PolicyOptions[] policies)
        {
            // The database lives as long as one connection to it is open: this one, kept for the test.
            var connectionString = $"Data Source=file:scopes-{Guid.NewGuid():N}?mode=memory&cache=shared";
            var database = new SqliteConnection(connectionString);
            database.Open();
            using (var command = database.CreateCommand())
            {
                command.CommandText = Schema;
                command.ExecuteNonQuery();
            }

            var options = new ChangeableOptions(Settings(connectionString, policies));
            var demo = new DemoDatabase(Microsoft.Extensions.Options.Options.Create(options.CurrentValue), null!, NullLogger<DemoDatabase>.Instance);
            var models = new ModelHost(options, demo, [new PolicyModelCheck()], TimeProvider.System, new OData.Virtualization.Sources.WriteNotices(), NullLogger<ModelHost>.Instance);
            var prepared = new RequestMemo(options, models);

            await models.InitializeAsync(CancellationToken.None);
            return new Published(database, connectionString, options, prepared, models);
        }

        public void Reload(params PolicyOptions[] policies) => Options.Change(Settings(_connectionString, policies));

        public void Execute(string sql)
        {
            using var command = _database.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        public async ValueTask DisposeAsync()
        {
            await Models.DisposeAsync();
            _prepared.Dispose();
            await _database.DisposeAsync();
        }

        private static VirtualizationOptions Settings(string connectionString, PolicyOptions[] policies) => new()
        {
            Sources = new(StringComparer.OrdinalIgnoreCase) { ["shop"] = new SourceOptions { Provider = "Sqlite", ConnectionString = connectionString } },
            Security = new SecurityOptions { Policies = [.. policies] },
        };
    }
}
