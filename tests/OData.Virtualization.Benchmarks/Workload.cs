namespace OData.Virtualization.Benchmarks;

/// <summary>
/// The requests measured, with the values both servers bind. Our server gets the OData URL; the baseline gets
/// the SQL our server emitted for that URL (captured at run time) and binds the same values itself.
/// </summary>
internal static class Workload
{
    /// <summary>A transaction in the middle of the table.</summary>
    public const long PointKey = 123_456;

    /// <summary>One of the seed's 500 "busy" accounts: 440 transactions, served by <c>ix_transactions_iban</c>.</summary>
    public const string BusyIban = "DE63370400440537277561";

    public const long SmallPage = 50;

    public const long LargePage = 800;

    /// <summary>A quarter of 2024: about 83,000 of the 1,000,000 transactions, served by <c>ix_transactions_booked_at</c>.</summary>
    public static readonly DateTime RangeFrom = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static readonly DateTime RangeTo = new(2024, 4, 1, 0, 0, 0, DateTimeKind.Utc);

    public const long Parents = 20;

    public const long ChildrenPerParent = 10;

    public static readonly Scenario Point = new(
        "point", "Point read by key", "transactions(123456)", Target: 1.5, ParameterCounts: [1]);

    public static readonly Scenario FilteredPage = new(
        "page50", "Filtered 50-row page with $count", $"transactions?$filter=iban eq '{BusyIban}'&$top=50&$count=true", Target: 1.3, ParameterCounts: [1, 2]);

    public static readonly Scenario LargePageScenario = new(
        "page800", "800-row page", "transactions?$top=800", Target: 1.3, ParameterCounts: [1]);

    public static readonly Scenario RangeCount = new(
        "count", "$count over a date range (1M-row table)", "transactions/$count?$filter=booked_at ge 2024-01-01T00:00:00Z and booked_at lt 2024-04-01T00:00:00Z", Target: 1.3, ParameterCounts: [2]);

    public static readonly Scenario Expand = new(
        "expand", "20 parents with $expand", "accounts?$top=20&$expand=transactions($top=10)", Target: 1.3, ParameterCounts: [1, 3]);

    /// <summary>The whole table, no paging: the memory measurement.</summary>
    public static readonly Scenario FullTable = new(
        "all", "All 1,000,000 transactions in one response", "transactions", Target: 0, ParameterCounts: [0]);

    public static readonly IReadOnlyList<Scenario> Timed = [Point, FilteredPage, LargePageScenario, RangeCount, Expand];

    public static readonly IReadOnlyList<Scenario> All = [.. Timed, FullTable];
}

/// <summary>
/// One measured request. <paramref name="ODataPath"/> is relative to our server's <c>/odata/</c>; the baseline serves
/// the same result at <c>/baseline/{Id}</c>. <paramref name="ParameterCounts"/> has one entry per SQL statement
/// our server runs for the request, in order.
/// </summary>
internal sealed record Scenario(string Id, string Title, string ODataPath, double Target, int[] ParameterCounts)
{
    public int Statements => ParameterCounts.Length;

    public bool IsCount => ODataPath.Contains("/$count", StringComparison.Ordinal);
}
