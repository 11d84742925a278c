using OData.Virtualization.Model;

namespace OData.Virtualization.Publishing;

/// <summary>How a refresh ended.</summary>
internal enum RefreshOutcome
{
    /// <summary>A new model was published.</summary>
    Published,

    /// <summary>The sources and settings are as they were: nothing was published.</summary>
    Unchanged,

    /// <summary>The sources differ from the model lock: the changes wait for an administrator's accept.</summary>
    HeldBack,

    /// <summary>The new model could not be built (configuration errors, a bad lock file): the current one stays.</summary>
    Failed,

    /// <summary>An administrator accepted held-back changes: the lock was rewritten and the new model published.</summary>
    Accepted,
}

/// <summary>What one refresh (or accept) did.</summary>
internal sealed record RefreshReport(
    DateTimeOffset At,
    string Trigger,
    RefreshOutcome Outcome,
    IReadOnlyList<ModelChange> Changes,
    IReadOnlyList<string> Errors,
    long Generation,
    double Milliseconds)
{
    /// <summary>Changes held back by the model lock after this refresh.</summary>
    public int PendingChanges { get; init; }
}

/// <summary>Changes the model lock holds back: the model they would publish, and how it differs from the lock.</summary>
internal sealed record PendingModel(ModelSnapshot Next, IReadOnlyList<ModelChange> Changes, string Id, DateTimeOffset DetectedAt, string Trigger);

/// <summary>The answer to an accept: the changes published, or why nothing was.</summary>
internal sealed record AcceptResult(bool Accepted, int Status, string Message, IReadOnlyList<ModelChange> Changes);
