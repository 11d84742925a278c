using Microsoft.Extensions.Logging;

namespace OData.Virtualization.Diagnostics;

/// <summary>Log messages of schema refresh, the model lock, NOTIFY listeners, configuration reload and shutdown (event ids 5000–5099).</summary>
internal static partial class RefreshLog
{
    [LoggerMessage(5000, LogLevel.Information, "Published a new model ({Trigger}): {SetCount} entity sets, {ChangeCount} changes ({BreakingCount} breaking), generation {Generation}.")]
    public static partial void Published(ILogger logger, string trigger, int setCount, int changeCount, int breakingCount, long generation);

    [LoggerMessage(5001, LogLevel.Warning, "Model change (breaking): {Change}")]
    public static partial void BreakingChange(ILogger logger, string change);

    [LoggerMessage(5002, LogLevel.Information, "Model change: {Change}")]
    public static partial void Change(ILogger logger, string change);

    [LoggerMessage(5003, LogLevel.Debug, "Refreshed the model ({Trigger}): nothing changed, nothing was published ({Milliseconds} ms).")]
    public static partial void Unchanged(ILogger logger, string trigger, long milliseconds);

    [LoggerMessage(5004, LogLevel.Warning, "The model was not refreshed ({Trigger}); the current model stays published. {Errors}")]
    public static partial void Failed(ILogger logger, string trigger, string errors);

    [LoggerMessage(5005, LogLevel.Warning, "Source '{Source}' could not be discovered during a refresh ({Reason}); its last known schema stays published.")]
    public static partial void KeptLastSchema(ILogger logger, string source, string reason);

    [LoggerMessage(5006, LogLevel.Warning, "Source '{Source}' still cannot be reached ({Reason}); it is not published and is tried again in {Seconds} s.")]
    public static partial void StillUnavailable(ILogger logger, string source, string reason, int seconds);

    [LoggerMessage(5007, LogLevel.Information, "{Line}")]
    public static partial void ReportLine(ILogger logger, string line);

    [LoggerMessage(5010, LogLevel.Information, "Pinned the published model to the lock file {Path} ({SetCount} entity sets). Changes to it now wait for POST /admin/model/accept.")]
    public static partial void LockWritten(ILogger logger, string path, int setCount);

    [LoggerMessage(5011, LogLevel.Warning, "The sources no longer match the model lock {Path}: {ChangeCount} changes ({BreakingCount} breaking) are held back and the pinned model stays published until an administrator accepts them (GET /admin/model/changes, POST /admin/model/accept).")]
    public static partial void HeldBack(ILogger logger, string path, int changeCount, int breakingCount);

    [LoggerMessage(5012, LogLevel.Warning, "Held back (breaking): {Change}")]
    public static partial void HeldBackBreaking(ILogger logger, string change);

    [LoggerMessage(5013, LogLevel.Information, "Held back: {Change}")]
    public static partial void HeldBackChange(ILogger logger, string change);

    [LoggerMessage(5014, LogLevel.Warning, "{Principal} accepted {ChangeCount} held-back changes: the lock file {Path} was rewritten and the new model is published.")]
    public static partial void Accepted(ILogger logger, string principal, int changeCount, string path);

    [LoggerMessage(5020, LogLevel.Information, "Listening for schema changes on source '{Source}' (channel '{Channel}').")]
    public static partial void Listening(ILogger logger, string source, string channel);

    [LoggerMessage(5021, LogLevel.Warning, "The schema-change listener of source '{Source}' lost its connection or could not connect ({Reason}); trying again in {Seconds} s.")]
    public static partial void ListenerFailed(ILogger logger, string source, string reason, int seconds);

    [LoggerMessage(5022, LogLevel.Debug, "Source '{Source}' notified a schema change on '{Channel}' ({Payload}).")]
    public static partial void Notified(ILogger logger, string source, string channel, string payload);

    [LoggerMessage(5023, LogLevel.Error, "A scheduled refresh failed unexpectedly.")]
    public static partial void RefreshCrashed(ILogger logger, Exception exception);

    [LoggerMessage(5030, LogLevel.Error, "The reloaded configuration was not applied (the previous configuration stays in effect): {Errors}")]
    public static partial void ReloadRejected(ILogger logger, string errors);

    [LoggerMessage(5031, LogLevel.Information, "The configuration was reloaded.")]
    public static partial void Reloaded(ILogger logger);

    [LoggerMessage(5040, LogLevel.Information, "Shutting down: /health/ready now answers 503. New requests are served for {DelaySeconds} s more, then in-flight requests get up to {DrainSeconds} s to finish.")]
    public static partial void ShuttingDown(ILogger logger, int delaySeconds, int drainSeconds);
}
