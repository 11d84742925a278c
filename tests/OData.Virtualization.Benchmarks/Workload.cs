using NpgsqlTypes;

namespace OData.Virtualization.Benchmarks;

/// <summary>
/// The requests measured, with the values the baselines bind. Our server gets the OData URL; the our-SQL baseline gets
/// the SQL our server emitted for that URL (captured at run time) and binds <see cref="Scenario.OurValues"/>; the
/// hand-written baseline runs its own statement (<see cref="Baseline.HandWritten"/>).
/// </summary>
internal static class Workload
{
    /// <summary>A transaction in the middle of the table.</summary>
    public const long PointKey = 123_456;

    /// <summary>One of the seed's 500 "busy" accounts: 440 transactions, served by <c>ix_transactions_iban</c>.</summary>
    public const string BusyIban = "DE63370400440537277561";

    /// <summary>An unindexed filter: 37,500 of the 1,000,000 transactions (3.75 %).</summary>
    public const string Counterparty = "Spotify AB";

    /// <summary>A broad unindexed filter: <c>amount &lt; -250</c> matches 450,000 transactions (45 %).</summary>
    public const decimal BroadAmount = -250m;

    public const long SmallPage = 50;

    public const long LargePage = 800;

    /// <summary>The deep pages (by key and by <c>$skip</c>): rows 999,901 to 1,000,000, the last 100 of the table.</summary>
    public const long DeepOffset = 999_900;

    public const long DeepPage = 100;

    /// <summary>A quarter of 2024: about 83,000 of the 1,000,000 transactions, served by <c>ix_transactions_booked_at</c>.</summary>
    public static readonly DateTime RangeFrom = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static readonly DateTime RangeTo = new(2024, 4, 1, 0, 0, 0, DateTimeKind.Utc);

    public const long Parents = 20;

    /// <summary>The accounts kept in Swiss francs: 1,333 of 20,000, 66,920 of the 1,000,000 transactions (6.7 %).</summary>
    public const string NavigationCurrency = "CHF";

    /// <summary>A credit over 1,000: 250 of the 20,000 accounts (every 80th by IBAN) have one.</summary>
    public const decimal AnyAmount = 1000m;

    public const long ChildrenPerParent = 10;

    private static readonly Bound Iban = new(BusyIban, NpgsqlDbType.Text);

    private static readonly Bound Spotify = new(Counterparty, NpgsqlDbType.Text);

    public static readonly Scenario Point = new("point", "Point read by key", "transactions(123456)", "transactions")
    {
        Target = 1.5,
        OurValues = [new(PointKey)],
    };

    public static readonly Scenario FilteredPage = new(
        "page50", "Filtered 50-row page with $count", $"transactions?$filter=iban eq '{BusyIban}'&$top=50&$count=true", "transactions")
    {
        Target = 1.3,
        OurValues = [Iban, new(SmallPage)],
    };

    public static readonly Scenario LargePageScenario = new("page800", "800-row page", "transactions?$top=800", "transactions")
    {
        Target = 1.3,
        OurValues = [new(LargePage)],
    };

    /// <summary>
    /// The last 100 rows by key: the <c>@odata.nextLink</c> of <see cref="Scenario.ODataPath"/> (asked with
    /// <c>Prefer: odata.maxpagesize=100</c>), resolved at the start of every run (the link is signed).
    /// </summary>
    public static readonly Scenario Keyset = new(
        "keyset", "100-row page by key after row 999,900 (nextLink)", $"transactions?$skip={DeepOffset - DeepPage}", "transactions")
    {
        NextLinkOf = true,
        OurValues = [new(DeepOffset), new(DeepPage)],
    };

    public static readonly Scenario DeepSkip = new(
        "skip", "100-row page at $skip=999900 (OFFSET)", $"transactions?$skip={DeepOffset}&$top={DeepPage}", "transactions")
    {
        OurValues = [new(DeepPage), new(DeepOffset)],
    };

    public static readonly Scenario RangeCount = new(
        "count", "$count over a date range (1M-row table)", "transactions/$count?$filter=booked_at ge 2024-01-01T00:00:00Z and booked_at lt 2024-04-01T00:00:00Z", "transactions")
    {
        Target = 1.3,
        OurValues = [new(RangeFrom), new(RangeTo)],
    };

    public static readonly Scenario Expand = new("expand", "20 parents with $expand", "accounts?$top=20&$expand=transactions($top=10)", "accounts")
    {
        Target = 1.3,
        OurValues = [new(Parents)],
    };

    public static readonly Scenario UnindexedPage = new(
        "unindexed", "50-row page + $count, unindexed filter and order",
        $"transactions?$filter=counterparty eq '{Counterparty}'&$orderby=value_date&$top=50&$count=true", "transactions")
    {
        OurValues = [Spotify, new(SmallPage)],
    };

    public static readonly Scenario IndexedOrderPage = new(
        "indexed", "50-row page + $count, selective unindexed filter, indexed order",
        $"transactions?$filter=counterparty eq '{Counterparty}'&$orderby=booked_at&$top=50&$count=true", "transactions")
    {
        OurValues = [Spotify, new(SmallPage)],
    };

    public static readonly Scenario BroadPage = new(
        "broad", "50-row page + $count, filter matching 45 % of the table",
        "transactions?$filter=amount lt -250&$top=50&$count=true", "transactions")
    {
        OurValues = [new(BroadAmount), new(SmallPage)],
    };

    /// <summary>
    /// A navigation path (issue 12): the newest 50 transactions of Swiss-franc accounts, filtered on the related
    /// account's currency (no index on it): the page walks <c>ix_transactions_booked_at</c> backwards and looks up the
    /// account of each row until 50 match (≈ 700 rows).
    /// </summary>
    public static readonly Scenario NavigationPath = new(
        "nav", "50-row page filtered through a navigation path (accounts/currency)",
        $"transactions?$filter=accounts/currency eq '{NavigationCurrency}'&$orderby=booked_at desc&$top=50", "transactions")
    {
        Target = 1.3,
        OurValues = [new(NavigationCurrency, NpgsqlDbType.Char)],
    };

    /// <summary>
    /// <c>any</c> over a collection navigation property (issue 12): the first 50 accounts (by IBAN) with a credit over
    /// 1,000; about 3,900 accounts are probed through <c>ix_transactions_iban</c> to find them.
    /// </summary>
    public static readonly Scenario AnyFilter = new(
        "any", "50 accounts with any transaction over 1,000 (any)", "accounts?$filter=transactions/any(t: t/amount gt 1000)&$top=50", "accounts")
    {
        Target = 1.3,
        OurValues = [new(AnyAmount)],
    };

    /// <summary><c>$apply</c> (issue 12): the sum and the number of all 1,000,000 transactions per category (11 groups).</summary>
    public static readonly Scenario GroupBy = new(
        "groupby", "groupby category with sum and $count over all 1,000,000 transactions",
        "transactions?$apply=groupby((category),aggregate(amount with sum as total,$count as n))", "transactions")
    {
        Target = 1.3,
        Aggregated = [new("category", null), new("total", "#Decimal"), new("n", "#Int64")],
    };

    /// <summary>The whole table, no paging: the memory measurement.</summary>
    public static readonly Scenario FullTable = new("all", "All 1,000,000 transactions in one response", "transactions", "transactions");

    public static readonly IReadOnlyList<Scenario> Timed =
        [Point, FilteredPage, LargePageScenario, Keyset, DeepSkip, RangeCount, Expand, UnindexedPage, IndexedOrderPage, BroadPage, NavigationPath, AnyFilter, GroupBy];

    public static readonly IReadOnlyList<Scenario> All = [.. Timed, FullTable];
}

/// <summary>
/// One measured request. <paramref name="ODataPath"/> is relative to our server's <c>/odata/</c>; the our-SQL
/// baseline serves the same result at <c>/baseline/{Id}</c>, the hand-written one at <c>/hand/{Id}</c>.
/// </summary>
internal sealed record Scenario(string Id, string Title, string ODataPath, string EntitySet)
{
    /// <summary>Issue 2's latency target against the our-SQL baseline (ours ÷ baseline); 0 for none.</summary>
    public double Target { get; init; }

    /// <summary>
    /// The values our statements bind, in order: statement i of the request binds the first N of them, N its
    /// parameter count (true of the count and the page of a batch, and of a page with its count beside it). The
    /// children of an <c>$expand</c> bind the parents' keys instead (see <see cref="Baseline.OurSqlBaseline"/>).
    /// </summary>
    public Bound[] OurValues { get; init; } = [];

    /// <summary>The measured URL is the <c>@odata.nextLink</c> of <see cref="ODataPath"/>, resolved at run time.</summary>
    public bool NextLinkOf { get; init; }

    /// <summary>
    /// For a <c>$apply</c> request: the properties of each aggregated row, in the order of the statement's columns,
    /// with the <c>@odata.type</c> our server writes beside an aggregate alias (null for a grouped property).
    /// </summary>
    public AggregatedColumn[]? Aggregated { get; init; }

    public bool IsCount => ODataPath.Contains("/$count", StringComparison.Ordinal);
}

/// <summary>A property of an aggregated row: its name and, for an alias, the type annotation written beside it.</summary>
internal sealed record AggregatedColumn(string Name, string? ODataType);

/// <summary>A value a statement binds, with its PostgreSQL type where inference from the CLR type is not what our server sends.</summary>
internal sealed record Bound(object Value, NpgsqlDbType? Type = null);
