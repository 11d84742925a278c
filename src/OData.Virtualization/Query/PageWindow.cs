namespace OData.Virtualization.Query;

/// <summary>
/// One page of a server-paged read: fetch <see cref="Limit"/> rows (the page plus one when a next page may
/// follow), after the position <see cref="After"/> (the previous page's last order values) when continuing.
/// </summary>
internal sealed record PageWindow(long Limit, IReadOnlyList<object?>? After);
