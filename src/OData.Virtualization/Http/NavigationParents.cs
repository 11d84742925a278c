using OData.Virtualization.Errors;
using OData.Virtualization.Execution;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>
/// Tells a navigation path whose parent the caller cannot see (a 404) from one whose parent has nothing related (an
/// empty collection, a count of 0, a 204 for a single-valued navigation property). The navigated statement cannot tell
/// them apart — both return no row — so only then, on that empty answer, one more statement asks for the parent
/// (<see cref="SqlCompiler.ParentCount"/>, its row filter in it).
/// </summary>
internal sealed class NavigationParents(QueryExecutor executor)
{
    /// <summary>Whether the caller can see the parent <paramref name="via"/> addresses.</summary>
    public async Task<bool> ExistsAsync(NavigationSource via, string principal, DateTimeOffset now, CancellationToken cancellationToken)
        => await executor.CountAsync(via.Parent, principal, SqlCompiler.ParentCount(via, now), cancellationToken) > 0;

    /// <summary>Throws the 404 for a parent the caller cannot see.</summary>
    public async Task EnsureExistsAsync(NavigationSource via, string principal, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(via, principal, now, cancellationToken))
        {
            throw ParentMissing(via);
        }
    }

    /// <summary>The 404 for a query that found no row: its parent is missing, or nothing with its key is related to it.</summary>
    public async Task<ODataProblem> NotFoundAsync(EntityQuery query, string principal, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (query.Via is not { } via)
        {
            return ODataProblem.NotFound($"No entity in '{query.Set.Name}' has the key {ContextUrl.KeyText(query.Key!)}.");
        }

        if (!await ExistsAsync(via, principal, now, cancellationToken))
        {
            return ParentMissing(via);
        }

        return query.Key is { } key
            ? ODataProblem.NotFound($"No entity of '{query.Set.Name}' with the key {ContextUrl.KeyText(key)} is related to {Text(via)} through '{via.Navigation.Name}'.")
            : ODataProblem.NotFound($"{Text(via)} has no related '{via.Navigation.Name}'.");
    }

    private static ODataProblem ParentMissing(NavigationSource via) => (via.ParentKey, via.ParentVia) switch
    {
        ({ } key, null) => ODataProblem.NotFound($"No entity in '{via.Parent.Name}' has the key {ContextUrl.KeyText(key)}."),
        ({ } key, { } grandparent) => ODataProblem.NotFound($"No entity in '{via.Parent.Name}' with the key {ContextUrl.KeyText(key)} is related to {Text(grandparent)} through '{grandparent.Navigation.Name}'."),
        _ => ODataProblem.NotFound($"{Text(via)} addresses no entity: nothing is related there."),
    };

    /// <summary>The parent as a path: <c>shipments(4)</c>, <c>carriers('x')/shipments(7)</c>, <c>shipments(4)/carrier</c>.</summary>
    private static string Text(NavigationSource via)
    {
        var path = via.ParentVia is { } grandparent ? Text(grandparent) + "/" + grandparent.Navigation.Name : via.Parent.Name;
        return via.ParentKey is { } key ? path + ContextUrl.KeyText(key) : path;
    }
}
