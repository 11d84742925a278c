using OData.Virtualization.Model;
using OData.Virtualization.Paging;
using OData.Virtualization.Query;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Http;

/// <summary>What the planner made of a request's path and query options: everything a responder needs, no time and no connection.</summary>
/// <param name="Kind">Which responder answers it.</param>
/// <param name="Set">The entity set the path addresses.</param>
/// <param name="Query">The planned query (for a property: the entity's key and that one column).</param>
/// <param name="Page">A collection's page plan.</param>
/// <param name="Format">The negotiated response format.</param>
/// <param name="Column">A property request's column.</param>
internal sealed record PreparedRequest(PreparedKind Kind, PublishedSet Set, EntityQuery Query, PagePlan? Page, ResponseFormat Format, PublishedColumn? Column = null)
{
    private SqlStatement? _select;

    /// <summary>A collection's first-page statements, compiled once per page size (shared by the copies a walk makes).</summary>
    public PageStatements Pages { get; init; } = new();

    /// <summary>An aggregated collection's plan (<c>$apply</c>).</summary>
    public ApplyQuery? Apply { get; init; }

    /// <summary>
    /// The statement of an entity, property or <c>$value</c> (<see cref="SqlCompiler.Select"/>), compiled once for a
    /// remembered request unless it binds <c>now()</c>: a point read compiled its statement twice on every request.
    /// </summary>
    public SqlStatement Select(DateTimeOffset now)
    {
        if (Volatile.Read(ref _select) is { } compiled)
        {
            return compiled;
        }

        var statement = SqlCompiler.Select(Query, now);
        if (!statement.UsesNow)
        {
            Volatile.Write(ref _select, statement);
        }

        return statement;
    }
}

/// <summary>The kinds of OData resource this service answers under an entity set.</summary>
internal enum PreparedKind
{
    /// <summary><c>/set</c>: a page of entities.</summary>
    Collection,

    /// <summary><c>/set(key)</c>: one entity.</summary>
    Entity,

    /// <summary><c>/set/$count</c>: the number of entities, as text.</summary>
    Count,

    /// <summary><c>/set(key)/property</c>: one property of one entity.</summary>
    Property,

    /// <summary><c>/set(key)/property/$value</c>: a property's raw value.</summary>
    Value,

    /// <summary><c>/set?$apply=…</c>: a page of aggregated rows.</summary>
    Aggregated,

    /// <summary><c>/set(key)/nav</c> of a single-valued navigation property: the related entity, or 204 when there is none.</summary>
    Related,
}
