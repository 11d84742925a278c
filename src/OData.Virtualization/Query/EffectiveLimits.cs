using OData.Virtualization.Configuration;

namespace OData.Virtualization.Query;

/// <summary>The limits one request is held to.</summary>
internal static class EffectiveLimits
{
    /// <summary>
    /// The principal's limits (from its policies) where set, else the global ones; then the source's caps on top (the
    /// smaller wins).
    /// </summary>
    public static LimitOptions For(LimitOptions global, SourceOptions source, PrincipalLimitOptions principal)
    {
        static long Cap(long value, long? cap) => cap is { } c && c > 0 && (value <= 0 || c < value) ? c : value;
        static int CapInt(int value, int? cap) => (int)Cap(value, cap);
        return new LimitOptions
        {
            MaxUrlLength = global.MaxUrlLength,
            MaxTop = Cap(principal.MaxTop ?? global.MaxTop, source.MaxTop),
            MaxExpandDepth = CapInt(principal.MaxExpandDepth ?? global.MaxExpandDepth, source.MaxExpandDepth),
            MaxExpandedRows = global.MaxExpandedRows,
            MaxFilterNodes = CapInt(principal.MaxFilterNodes ?? global.MaxFilterNodes, source.MaxFilterNodes),
            MaxInListLength = CapInt(principal.MaxInListLength ?? global.MaxInListLength, source.MaxInListLength),
            MaxSearchTermLength = global.MaxSearchTermLength,
            MaxSearchTerms = global.MaxSearchTerms,
            RequestsPerMinute = global.RequestsPerMinute,
            ConcurrentRequests = global.ConcurrentRequests,
            RequestTimeoutSeconds = global.RequestTimeoutSeconds,
            MaxBatchParts = global.MaxBatchParts,
            MaxBatchBytes = global.MaxBatchBytes,
        };
    }
}
