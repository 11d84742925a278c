using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;

namespace OData.Virtualization.ChangeTracking;

/// <summary>What the capture is doing, for readiness and for serving.</summary>
internal enum CaptureState
{
    /// <summary>Tracking is off (no set listed): nothing is opened.</summary>
    Off,

    /// <summary>Starting, or standing by while another instance captures.</summary>
    Starting,

    /// <summary>Consuming the slot.</summary>
    Running,

    /// <summary>The replication connection failed; it is retried, captured changes are still served.</summary>
    Recovering,

    /// <summary>The database is not set up for it (wal_level, rights, REPLICA IDENTITY): delta links are not served.</summary>
    Failed,
}

/// <summary>
/// Change tracking as the rest of the server sees it: whether it is on, the change store, and the capture's state. One
/// per server; with tracking off it holds no store and opens nothing (decision 100).
/// </summary>
internal sealed class ChangeFeed : IAsyncDisposable
{
    private readonly Lazy<ChangeStore>? _store;
    private volatile string? _problem;
    private volatile int _state;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _full = new(StringComparer.Ordinal);

    public ChangeFeed(IOptions<VirtualizationOptions> options)
    {
        Options = options.Value.ChangeTracking;
        if (Options.Enabled && !string.IsNullOrWhiteSpace(Options.StoreConnectionString))
        {
            _store = new Lazy<ChangeStore>(() => new ChangeStore(Options), LazyThreadSafetyMode.ExecutionAndPublication);
            _state = (int)CaptureState.Starting;
        }
    }

    public ChangeTrackingOptions Options { get; }

    /// <summary>Whether any set is tracked (read at start-up: a reload does not start or stop tracking).</summary>
    public bool Enabled => _store is not null;

    public ChangeStore Store => _store?.Value ?? throw new InvalidOperationException("Change tracking is off.");

    public CaptureState State => (CaptureState)_state;

    /// <summary>Why the capture is failed or recovering (for readiness and the 503 of a delta request).</summary>
    public string? Problem => _problem;

    /// <summary>What capture does without, while it runs (a row-filtered set without REPLICA IDENTITY FULL); for readiness.</summary>
    public string? Warning { get; set; }

    /// <summary>
    /// Whether deletions from <paramref name="store"/> carry the whole old row (REPLICA IDENTITY FULL), so that a caller
    /// with a row filter can be told only of the deletions it could see. Without it such a caller gets no delta link.
    /// </summary>
    public bool HasFullIdentity(string store) => _full.ContainsKey(store);

    public void FullIdentity(string store, bool full)
    {
        if (full)
        {
            _full[store] = true;
        }
        else
        {
            _full.TryRemove(store, out _);
        }
    }

    public void Report(CaptureState state, string? problem = null)
    {
        _problem = problem;
        _state = (int)state;
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is { IsValueCreated: true } store)
        {
            await store.Value.DisposeAsync();
        }
    }
}
