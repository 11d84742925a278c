namespace OData.Virtualization.Http;

/// <summary>Hands a prepared request to the responder of its kind.</summary>
internal sealed class Responders(CollectionResponder collections, EntityResponder entities, CountResponder counts, RelatedResponder related, ApplyResponder aggregated, DeltaResponder deltas)
{
    public Task RespondAsync(ODataRequest request, PreparedRequest prepared) => prepared.Kind switch
    {
        PreparedKind.Collection when deltas.Applies(request, prepared) => deltas.RespondAsync(request, prepared),
        PreparedKind.Collection => collections.RespondAsync(request, prepared),
        PreparedKind.Count => counts.RespondAsync(request, prepared),
        PreparedKind.Related => related.RespondAsync(request, prepared),
        PreparedKind.Aggregated => aggregated.RespondAsync(request, prepared),
        _ => entities.RespondAsync(request, prepared),
    };
}
