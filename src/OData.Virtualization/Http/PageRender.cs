using OData.Virtualization.Paging;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>
/// Everything rendering a page needs, decided before the statement runs; <see cref="Principal"/> is who the statement
/// runs for (its share of the source's slots).
/// </summary>
internal sealed record PageRender(PagePlan Plan, string Principal, string ServiceRoot, string RelativeTarget, ResponseFormat Format, DateTimeOffset Now)
{
    /// <summary>The page's statements, when the caller compiled them already (for its cache key).</summary>
    public (SqlCompiler.PageStatement Page, SqlStatement? Count)? Compiled { get; init; }

    /// <summary>A tracked read's <c>@odata.deltaLink</c>, written on its last page (change tracking).</summary>
    public string? DeltaLink { get; init; }

    /// <summary>Appended to the <c>@odata.nextLink</c> of a tracked read's first page: where its delta link will start.</summary>
    public string? NextLinkSuffix { get; init; }

    /// <summary>The remembered request's first-page statements, when it has them (compiled here otherwise).</summary>
    public PageStatements? Statements { get; init; }
}
