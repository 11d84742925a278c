
namespace OData.Virtualization.Diagnostics;

/// <summary>Counters of what the cache and the sources did, since start-up.</summary>
public sealed class CacheStatistics
{
    private long _hits;
    private long _misses;
    private long _joins;
    private long _stale;
    private long _bypasses;
    private long _statements;

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Requests that waited for an identical request's statement instead of running their own (single flight).</summary>
    public long Joins => Interlocked.Read(ref _joins);

    public long StaleServed => Interlocked.Read(ref _stale);

    public long Bypasses => Interlocked.Read(ref _bypasses);

    /// <summary>SQL statements sent to sources.</summary>
    public long Statements => Interlocked.Read(ref _statements);

    internal void Count(CacheOutcome outcome)
    {
        switch (outcome)
        {
            case CacheOutcome.Hit:
                Interlocked.Increment(ref _hits);
                break;
            case CacheOutcome.Miss:
                Interlocked.Increment(ref _misses);
                break;
            case CacheOutcome.Joined:
                Interlocked.Increment(ref _joins);
                break;
            case CacheOutcome.Stale:
                Interlocked.Increment(ref _stale);
                break;
            default:
                Interlocked.Increment(ref _bypasses);
                break;
        }
    }

    internal void CountStatement() => Interlocked.Increment(ref _statements);
}
