namespace OData.Virtualization.Benchmarks.Paging;

/// <summary>
/// The requests of the paging and cache part (issue 3): walks of the 1,000,000-row <c>transactions</c> table along
/// <c>@odata.nextLink</c>, the same depth read with <c>$skip</c>, and the filtered 50-row page hit and missed in the cache.
/// </summary>
internal static class PagingWorkload
{
    public const long TableRows = 1_000_000;

    /// <summary>What a report or an export needs of a transaction; about 110 bytes of JSON a row instead of 270.</summary>
    public const string NarrowColumns = "transaction_id,iban,booked_at,amount";

    /// <summary>Pages whose median is compared: the first and the last this many of a walk.</summary>
    public const int EdgePages = 20;

    /// <summary>The ratio of the last pages' median to the first pages' median that issue 3 allows.</summary>
    public const double LastToFirstTarget = 1.5;

    /// <summary>The rate of the whole walk that issue 3 asks for, in rows per second.</summary>
    public const double RowsPerSecondTarget = 100_000;

    /// <summary>A hit may cost at most this fraction of a miss.</summary>
    public const double HitToMissTarget = 0.1;

    /// <summary>Server paging at its defaults (1,000-row pages), the response cache at its default (on, 10 s).</summary>
    public static readonly Walk Narrow = new(
        "narrow", "4 columns, by key, cache on (default)", $"transactions?$select={NarrowColumns}", WalkOrder.Key, Cached: true);

    /// <summary>The same walk on a server with the cache off: pages then stream instead of being buffered and stored.</summary>
    public static readonly Walk NarrowUncached = new(
        "narrow-nocache", "4 columns, by key, cache off", $"transactions?$select={NarrowColumns}", WalkOrder.Key, Cached: false);

    public static readonly Walk Full = new(
        "full", "all 10 columns, by key, cache on (default)", "transactions", WalkOrder.Key, Cached: true);

    /// <summary>A non-key order in the key's direction: the continuation is one row comparison, <c>(booked_at, key) &gt; (…)</c>.</summary>
    public static readonly Walk BookedAscending = new(
        "booked-asc", "4 columns, $orderby=booked_at, cache on", $"transactions?$select={NarrowColumns}&$orderby=booked_at", WalkOrder.BookedAtAscending, Cached: true);

    /// <summary>A non-key order against the key's direction (the key is appended ascending): the continuation is an OR.</summary>
    public static readonly Walk BookedDescending = new(
        "booked-desc", "4 columns, $orderby=booked_at desc, cache on", $"transactions?$select={NarrowColumns}&$orderby=booked_at desc", WalkOrder.BookedAtDescending, Cached: true);

    /// <summary>A client-driven page at the start of the table, as Salesforce's <c>queryMore</c> would read it.</summary>
    public const string FirstOffsetPage = $"transactions?$select={NarrowColumns}&$top=1000&$skip=0";

    /// <summary>The last 1,000 rows by <c>OFFSET</c>: the depth of the walk's last page.</summary>
    public const string DeepOffsetPage = $"transactions?$select={NarrowColumns}&$top=1000&$skip=999000";

    /// <summary>The filtered 50-row page of the issue-2 benchmark, for any account and (for distinct cache keys) any <c>$skip</c>.</summary>
    public static string FilteredPage(string iban, int skip)
        => $"transactions?$filter=iban eq '{iban}'&$top=50&$count=true" + (skip > 0 ? $"&$skip={skip}" : string.Empty);
}

/// <summary>The order a walk asks for, which the client checks row by row.</summary>
internal enum WalkOrder
{
    Key,
    BookedAtAscending,
    BookedAtDescending,
}

/// <summary>One walk along <c>@odata.nextLink</c>, from <paramref name="ODataPath"/> (under <c>/odata/</c>) to the last page.</summary>
internal sealed record Walk(string Id, string Title, string ODataPath, WalkOrder Order, bool Cached);
