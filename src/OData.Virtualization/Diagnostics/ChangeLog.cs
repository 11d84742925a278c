using Microsoft.Extensions.Logging;

namespace OData.Virtualization.Diagnostics;

/// <summary>Log messages of change tracking: capture, the slot, the change store (event ids 6000–6099).</summary>
internal static partial class ChangeLog
{
    [LoggerMessage(6000, LogLevel.Information, "Change tracking: capturing {Sets} from slot '{Slot}' (publication '{Publication}'), epoch {Epoch}.")]
    public static partial void Capturing(ILogger logger, string sets, string slot, string publication, Guid epoch);

    [LoggerMessage(6001, LogLevel.Error, "Change tracking cannot start: {Problem}")]
    public static partial void CannotStart(ILogger logger, string problem);

    [LoggerMessage(6002, LogLevel.Warning, "Change tracking: the replication connection failed ({Reason}); captured changes stay served, capture resumes from the slot in {Seconds} s.")]
    public static partial void CaptureFailed(ILogger logger, string reason, int seconds);

    [LoggerMessage(6003, LogLevel.Information, "Change tracking: another instance captures (it holds the change store's writer lock); this one serves delta links and stands by.")]
    public static partial void StandingBy(ILogger logger);

    [LoggerMessage(6004, LogLevel.Warning, "Change tracking: slot '{Slot}' holds back {Bytes} bytes of WAL (more than OData:ChangeTracking:SlotLagWarningBytes, {Limit}). An abandoned slot fills the source's disk: see docs/operations.md.")]
    public static partial void SlotLag(ILogger logger, string slot, long bytes, long limit);

    [LoggerMessage(6005, LogLevel.Information, "Change tracking: created replication slot '{Slot}'; delta links issued before (another epoch) are answered 410 Gone.")]
    public static partial void SlotCreated(ILogger logger, string slot);

    [LoggerMessage(6006, LogLevel.Information, "Change tracking: removed {Count} changes older than the retention ({Retention}).")]
    public static partial void Purged(ILogger logger, int count, TimeSpan retention);

    [LoggerMessage(6007, LogLevel.Warning, "Change tracking: {Problem}")]
    public static partial void StartupWarning(ILogger logger, string problem);
}
