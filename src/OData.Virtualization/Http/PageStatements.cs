using System.Collections.Concurrent;
using OData.Virtualization.Paging;
using OData.Virtualization.Query;

namespace OData.Virtualization.Http;

/// <summary>
/// The first-page statements of one remembered request, compiled once per page size instead of on every request (a
/// page with <c>$count</c> compiled three: the page, the count and the page with the count beside each row). Shared
/// by the copies a walk's continuations make of the request; their pages continue after a key and compile their own.
/// Statements that bind <c>now()</c> are compiled every time, as an entity's are (<see cref="PreparedRequest.Select"/>).
/// </summary>
internal sealed class PageStatements
{
    /// <summary>Page sizes a request may meet (each <c>Prefer: odata.maxpagesize</c>) before it stops remembering more.</summary>
    private const int MaxEntries = 16;

    private readonly ConcurrentDictionary<(long Limit, bool Windowed), (SqlCompiler.PageStatement Page, SqlStatement? Count)> _first = new();

    /// <summary>The page's statement and, when the count was asked for, the count's.</summary>
    public (SqlCompiler.PageStatement Page, SqlStatement? Count) Compile(PagePlan plan, DateTimeOffset now)
        => Get(plan, windowed: false, now, static (query, now) => (SqlCompiler.Page(query, now), query.Count ? SqlCompiler.Count(query, now) : null));

    /// <summary>The page with its count beside each row (<see cref="SqlCompiler.Page"/> with a window count).</summary>
    public SqlCompiler.PageStatement CompileWindowed(PagePlan plan, DateTimeOffset now)
        => Get(plan, windowed: true, now, static (query, now) => (SqlCompiler.Page(query, now, windowCount: true), null)).Page;

    private (SqlCompiler.PageStatement Page, SqlStatement? Count) Get(PagePlan plan, bool windowed, DateTimeOffset now, Func<EntityQuery, DateTimeOffset, (SqlCompiler.PageStatement, SqlStatement?)> compile)
    {
        var query = plan.Query;
        var first = plan.Returned == 0 && query.Paging?.After is null;
        var key = (query.Paging?.Limit ?? -1, windowed);
        if (first && _first.TryGetValue(key, out var compiled))
        {
            return compiled;
        }

        compiled = compile(query, now);
        if (first && !compiled.Page.Statement.UsesNow && compiled.Count?.UsesNow != true && _first.Count < MaxEntries)
        {
            _first.TryAdd(key, compiled);
        }

        return compiled;
    }
}
