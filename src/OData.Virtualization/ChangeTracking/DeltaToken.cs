namespace OData.Virtualization.ChangeTracking;

/// <summary>
/// What a delta link (or a page of a tracked read or of a delta) stands for: the query it continues (bound to the
/// caller's scope and options by <paramref name="Fingerprint"/>), the tracking epoch, and the store's positions.
/// </summary>
/// <param name="Fingerprint">Hash of the service root, the caller's scope and the delta link's own options.</param>
/// <param name="Epoch">The tracking epoch the positions belong to (a recreated slot or a TRUNCATE starts another).</param>
/// <param name="From">Changes after this store position are the delta.</param>
/// <param name="Upper">While a delta pages: the last position it covers (fixed on its first page); null on a delta link.</param>
/// <param name="After">While a delta pages: the store position of the last change sent (keys come in the order of their latest change).</param>
/// <param name="Issued">When <paramref name="From"/> was read (Unix seconds): a link older than the retention is 410.</param>
/// <param name="Reading">A page of the tracked read itself (its next link): the delta link comes at its end.</param>
internal sealed record DeltaToken(string Fingerprint, Guid Epoch, long From, long? Upper, string? After, long Issued, bool Reading = false);
