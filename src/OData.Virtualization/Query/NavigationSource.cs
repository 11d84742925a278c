using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>
/// Where a navigation path starts (URL Conventions §4.4: <c>Set(key)/Nav</c>): the rows of the navigated query are
/// those related to one parent entity through <see cref="Navigation"/>. The parent is addressed by its key, or, when
/// it was itself reached through a single-valued navigation property (<c>Set(key)/Nav/Nav2</c>), by
/// <see cref="ParentVia"/>. Compiled into the navigated statement's WHERE as a subquery of the parent's join columns,
/// the parent's row filter included (<see cref="SqlCompiler"/>): a parent the caller cannot see relates to nothing.
/// </summary>
/// <param name="Parent">The parent's entity set, as the caller sees it (its row filter with it).</param>
/// <param name="ParentKey">The parent's key values, or null when <paramref name="ParentVia"/> addresses it.</param>
/// <param name="ParentVia">How the parent itself is reached, when not by key.</param>
/// <param name="Navigation">The navigation property of <paramref name="Parent"/> the path follows.</param>
internal sealed record NavigationSource(
    PublishedSet Parent,
    IReadOnlyList<(PublishedColumn Column, object Value)>? ParentKey,
    NavigationSource? ParentVia,
    PublishedNavigation Navigation);
