using System.Diagnostics;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Model;
using OData.Virtualization.Profiles;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Publishing;

internal sealed partial class ModelHost
{
    private const int HistoryLength = 20;

    private readonly LinkedList<RefreshReport> _history = new();
    private PendingModel? _pending;
    private long _requested;
    private long _covered;
    private RefreshReport? _last;

    /// <summary>Raised after every refresh and accept (metrics count them by outcome).</summary>
    public event Action<RefreshReport>? Refreshed;

    /// <summary>Changes the model lock holds back now, if any.</summary>
    public PendingModel? Pending => Volatile.Read(ref _pending);

    /// <summary>The latest refreshes, newest first.</summary>
    public IReadOnlyList<RefreshReport> History
    {
        get
        {
            lock (_history)
            {
                return [.. _history];
            }
        }
    }

    /// <summary>
    /// Discovers every source again and publishes the new model if it differs (or holds it back against the model
    /// lock). Concurrent callers share refreshes: each returns the result of a refresh that started after it asked.
    /// </summary>
    public async Task<RefreshReport> RefreshAsync(string trigger, CancellationToken cancellationToken)
    {
        var ticket = Interlocked.Increment(ref _requested);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Volatile.Read(ref _covered) >= ticket && _last is not null)
            {
                return _last;
            }

            var covers = Volatile.Read(ref _requested);
            var report = await RefreshCoreAsync(trigger, cancellationToken);
            Volatile.Write(ref _covered, covers);
            _last = report;
            return report;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Publishes the held-back model and rewrites the lock file with it (only what was shown: <paramref name="expectedId"/>, when given).</summary>
    public async Task<AcceptResult> AcceptAsync(string principal, string? expectedId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var path = options.CurrentValue.ModelLock.Path;
            if (string.IsNullOrWhiteSpace(path))
            {
                return new AcceptResult(false, 409, "No model lock is configured (OData:ModelLock:Path): every refresh is published without waiting for an accept.", []);
            }

            if (_pending is not { } pending)
            {
                return new AcceptResult(false, 409, "Nothing is held back: the published model is the one in the lock file. POST /admin/refresh looks at the sources again.", []);
            }

            if (expectedId is { Length: > 0 } && expectedId != pending.Id)
            {
                return new AcceptResult(false, 409, $"The held-back changes are no longer '{expectedId}' (they are '{pending.Id}' now): look at GET /admin/model/changes again, then accept.", []);
            }

            try
            {
                ModelLockFile.Write(path, pending.Next.Description);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return new AcceptResult(false, 500, $"The lock file '{Path.GetFullPath(path)}' cannot be written ({ex.Message}), so nothing was accepted. Make it writable, or deploy the new lock from GET /admin/model/lock?pending=true and refresh.", []);
            }

            var current = Snapshot;
            var changes = Changes(current, pending.Next);
            var published = Publish(pending.Next);
            Volatile.Write(ref _pending, null);
            RefreshLog.Accepted(logger, principal, pending.Changes.Count, Path.GetFullPath(path));
            LogChanges(changes);
            RetireUnused();
            Record(new RefreshReport(time.GetUtcNow(), "accepted by " + principal, RefreshOutcome.Accepted, changes, [], published.Generation, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            return new AcceptResult(true, 200, $"Accepted {pending.Changes.Count} changes: the lock file was rewritten and generation {published.Generation} is published.", changes);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<RefreshReport> RefreshCoreAsync(string trigger, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var current = Snapshot;
        RefreshReport Done(RefreshOutcome outcome, IReadOnlyList<ModelChange> changes, IReadOnlyList<string> errors)
        {
            RetireUnused();
            if (outcome != RefreshOutcome.Failed)
            {
                _problems.RemoveWhere(p => p.StartsWith("failed:", StringComparison.Ordinal));
            }

            var report = new RefreshReport(time.GetUtcNow(), trigger, outcome, changes, errors, Snapshot.Generation, Stopwatch.GetElapsedTime(started).TotalMilliseconds)
            {
                PendingChanges = _pending?.Changes.Count ?? 0,
            };
            Record(report);
            return report;
        }

        VirtualizationOptions settings;
        try
        {
            settings = options.CurrentValue;
        }
        catch (OptionsValidationException ex)
        {
            return Fail(trigger, [.. ex.Failures], Done);
        }

        var candidate = await BuildAsync(settings, startup: false, cancellationToken);
        if (candidate.Errors.Count > 0)
        {
            return Fail(trigger, candidate.Errors, Done);
        }

        var next = Prepare(candidate.Model, candidate);
        var lockPath = settings.ModelLock.Path;
        if (string.IsNullOrWhiteSpace(lockPath))
        {
            Volatile.Write(ref _pending, null);
            if (next.Fingerprint == current.Fingerprint)
            {
                RefreshLog.Unchanged(logger, trigger, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return Done(RefreshOutcome.Unchanged, [], []);
            }

            return Done(RefreshOutcome.Published, PublishWithReport(current, next, trigger), []);
        }

        ModelDescription locked;
        try
        {
            locked = ModelLockFile.Read(lockPath) ?? WriteLock(lockPath, current.Description);
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
        {
            return Fail(trigger, [LockFileError(lockPath, ex)], Done);
        }

        // With a lock, the published model is the lock, as far as the sources can serve it: what they added waits
        // for an accept; what they removed or retyped holds the whole new model back (the current one stays).
        var differences = ModelChanges.Compare(locked, next.Description);
        var served = differences.Count == 0 ? next : Prepare(ModelLockFile.Pin(candidate.Model, locked), candidate);
        var servable = differences.Count == 0 || ModelChanges.Compare(locked, served.Description).Count == 0;
        UpdatePending(current, next, differences, trigger, lockPath);
        if (servable && served.Fingerprint != current.Fingerprint)
        {
            return Done(RefreshOutcome.Published, PublishWithReport(current, served, trigger), []);
        }

        return Done(differences.Count > 0 ? RefreshOutcome.HeldBack : RefreshOutcome.Unchanged, [], []);
    }

    /// <summary>At start-up: writes the lock when it does not exist yet; serves the lock's model when the sources differ from it.</summary>
    private ModelSnapshot PinAtStartup(VirtualizationOptions settings, Candidate candidate, ModelSnapshot next)
    {
        var path = settings.ModelLock.Path;
        if (string.IsNullOrWhiteSpace(path))
        {
            return next;
        }

        ModelDescription? locked;
        try
        {
            locked = ModelLockFile.Read(path);
            if (locked is null)
            {
                WriteLock(path, next.Description);
                return next;
            }
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException([LockFileError(path, ex)]);
        }

        var differences = ModelChanges.Compare(locked, next.Description);
        if (differences.Count == 0)
        {
            return next;
        }

        // No older model to keep serving: serve the lock's sets and properties as far as the sources still have them.
        var served = Prepare(ModelLockFile.Pin(candidate.Model, locked), candidate);
        UpdatePending(served, next, differences, "start-up", path);
        return served;
    }

    private ModelDescription WriteLock(string path, ModelDescription description)
    {
        ModelLockFile.Write(path, description);
        RefreshLog.LockWritten(logger, Path.GetFullPath(path), description.Sets.Count);
        return description;
    }

    private static string LockFileError(string path, Exception ex)
        => ex is FormatException
            ? $"OData:ModelLock:Path: '{Path.GetFullPath(path)}' is not a model lock file: {ex.Message}. Fix it, or delete it to pin the model the sources have now."
            : $"OData:ModelLock:Path: '{Path.GetFullPath(path)}' cannot be read or written ({ex.Message}). Make its folder writable by the server.";

    private void UpdatePending(ModelSnapshot served, ModelSnapshot next, IReadOnlyList<ModelChange> differences, string trigger, string path)
    {
        if (differences.Count == 0)
        {
            Volatile.Write(ref _pending, null);
            return;
        }

        var salesforce = SalesforceChanges(served, next);
        var id = next.Description.Id;
        var previous = _pending;
        var pending = new PendingModel(next, [.. differences, .. salesforce], id, previous?.Id == id ? previous.DetectedAt : time.GetUtcNow(), previous?.Id == id ? previous.Trigger : trigger);
        Volatile.Write(ref _pending, pending);
        if (previous?.Id == id)
        {
            return; // already reported
        }

        RefreshLog.HeldBack(logger, Path.GetFullPath(path), pending.Changes.Count, pending.Changes.Count(c => c.Breaking));
        foreach (var change in pending.Changes)
        {
            if (change.Breaking)
            {
                RefreshLog.HeldBackBreaking(logger, change.Message);
            }
            else
            {
                RefreshLog.HeldBackChange(logger, change.Message);
            }
        }
    }

    private IReadOnlyList<ModelChange> PublishWithReport(ModelSnapshot current, ModelSnapshot next, string trigger)
    {
        var changes = Changes(current, next);
        var published = Publish(next);
        RefreshLog.Published(logger, trigger, published.Model.Sets.Count, changes.Count, changes.Count(c => c.Breaking), published.Generation);
        LogChanges(changes);
        var before = current.Report.ToHashSet(StringComparer.Ordinal);
        foreach (var line in published.Report.Where(l => !before.Contains(l)))
        {
            RefreshLog.ReportLine(logger, line);
        }

        return changes;
    }

    /// <summary>The differences between two snapshots, for the service root and (when it is on) the Salesforce profile.</summary>
    private IReadOnlyList<ModelChange> Changes(ModelSnapshot before, ModelSnapshot after)
        => [.. ModelChanges.Compare(before.Description, after.Description), .. SalesforceChanges(before, after)];

    private IReadOnlyList<ModelChange> SalesforceChanges(ModelSnapshot before, ModelSnapshot after)
    {
        if (options.CurrentValue.Salesforce.RoutePrefix.Trim('/').Length == 0)
        {
            return [];
        }

        return ModelChanges.Compare(
            ModelDescription.Of(SalesforceProfile.For(before.Model).Model),
            ModelDescription.Of(SalesforceProfile.For(after.Model).Model),
            ModelChanges.SalesforceProfileName);
    }

    private void LogChanges(IReadOnlyList<ModelChange> changes)
    {
        foreach (var change in changes)
        {
            if (change.Breaking)
            {
                RefreshLog.BreakingChange(logger, change.Message);
            }
            else
            {
                RefreshLog.Change(logger, change.Message);
            }
        }
    }

    private RefreshReport Fail(string trigger, IReadOnlyList<string> errors, Func<RefreshOutcome, IReadOnlyList<ModelChange>, IReadOnlyList<string>, RefreshReport> done)
    {
        var text = string.Join(" ", errors);
        if (_problems.Add("failed:" + text))
        {
            RefreshLog.Failed(logger, trigger, text);
        }

        return done(RefreshOutcome.Failed, [], errors);
    }

    private void Record(RefreshReport report)
    {
        lock (_history)
        {
            _history.AddFirst(report);
            while (_history.Count > HistoryLength)
            {
                _history.RemoveLast();
            }
        }

        try
        {
            Refreshed?.Invoke(report);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RefreshLog.RefreshCrashed(logger, ex);
        }
    }

    /// <summary>
    /// Sources that neither the published model nor the held-back one uses any more (their settings changed, or they
    /// were removed) are disposed once no request can still hold them: after the longest a request may run.
    /// </summary>
    private void RetireUnused()
    {
        var used = new HashSet<DataSource>(Snapshot.Sources, ReferenceEqualityComparer.Instance);
        if (_pending is { } pending)
        {
            used.UnionWith(pending.Next.Sources);
        }

        List<DataSource> retired;
        lock (_retired)
        {
            retired = _pool.Where(p => !used.Contains(p.Value)).Select(p => p.Value).ToList();
            foreach (var key in _pool.Where(p => !used.Contains(p.Value)).Select(p => p.Key).ToList())
            {
                _pool.Remove(key);
            }

            _retired.AddRange(retired);
        }

        var seconds = options.CurrentValue.Limits.RequestTimeoutSeconds;
        if (retired.Count == 0 || seconds <= 0)
        {
            return; // without a request time limit they are disposed at shutdown
        }

        _ = DisposeLaterAsync(retired, TimeSpan.FromSeconds(seconds + 30));
    }

    private async Task DisposeLaterAsync(List<DataSource> sources, TimeSpan after)
    {
        await Task.Delay(after, time);
        foreach (var source in sources)
        {
            bool mine;
            lock (_retired)
            {
                mine = _retired.Remove(source);
            }

            if (mine)
            {
                await source.DisposeAsync();
            }
        }
    }
}
