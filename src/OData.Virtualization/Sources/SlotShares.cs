using OData.Virtualization.Configuration;

namespace OData.Virtualization.Sources;

/// <summary>
/// Shares of a source's statement slots, one per holder: per principal (<see cref="DataSource.Shares"/>), so that one
/// client's heavy queries leave the others room, and per entity set (<see cref="DataSource.SetShares"/>), so that one
/// locked or slow table leaves the source's other tables room. At most <see cref="Share"/> statements of one holder hold
/// a slot at once; a holder at its share waits, in arrival order, for one of its own statements to end. A holder has an
/// entry only while it holds or waits for a share, so the table is as large as the traffic, not as the number of
/// principals ever seen.
/// </summary>
internal sealed class SlotShares(int share)
{
    private readonly Dictionary<string, Holder> _holders = new(StringComparer.Ordinal);

    /// <summary>The most statements one principal runs on the source at once.</summary>
    public int Share { get; } = Math.Max(1, share);

    /// <summary>
    /// <see cref="SourceOptions.MaxConcurrentQueriesPerPrincipal"/>, or half of the source's slots (at least 1), never
    /// more than the slots.
    /// </summary>
    public static int ShareOf(SourceOptions options)
    {
        var slots = Math.Max(1, options.MaxConcurrentQueries);
        return Math.Clamp(options.MaxConcurrentQueriesPerPrincipal ?? slots / 2, 1, slots);
    }

    /// <summary>
    /// <see cref="SourceOptions.MaxConcurrentQueriesPerSet"/>, or three quarters of a principal's share (at least 1, 6 of
    /// the default 8), never more than the slots: below the principal's share, so that one principal whose statements on
    /// one set are stuck (a locked table) still has statements left for the source's other sets.
    /// </summary>
    public static int SetShareOf(SourceOptions options)
    {
        var slots = Math.Max(1, options.MaxConcurrentQueries);
        var principal = ShareOf(options);
        return Math.Clamp(options.MaxConcurrentQueriesPerSet ?? principal - Math.Max(1, principal / 4), 1, slots);
    }

    /// <summary>
    /// Takes one of <paramref name="principal"/>'s shares, waiting up to <paramref name="timeout"/> for one of its own
    /// statements to give one back; null when none came back in time. Dispose the result to give the share back.
    /// </summary>
    public async ValueTask<IDisposable?> TakeAsync(string principal, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Holder holder;
        lock (_holders)
        {
            if (!_holders.TryGetValue(principal, out holder!))
            {
                holder = new Holder(Share);
                _holders.Add(principal, holder);
            }

            holder.Users++;
        }

        var taken = false;
        try
        {
            // Free now (the common case): no timer, no task. Else wait, in arrival order.
            taken = holder.Shares.Wait(0, CancellationToken.None) || await holder.Shares.WaitAsync(timeout, cancellationToken);
        }
        finally
        {
            if (!taken)
            {
                Leave(principal, holder);
            }
        }

        return taken ? new Lease(this, principal, holder) : null;
    }

    /// <summary>How many statements of <paramref name="principal"/> hold a share now.</summary>
    public int Held(string principal)
    {
        lock (_holders)
        {
            return _holders.TryGetValue(principal, out var holder) ? Share - holder.Shares.CurrentCount : 0;
        }
    }

    /// <summary>Principals holding or waiting for a share now.</summary>
    public int Principals
    {
        get
        {
            lock (_holders)
            {
                return _holders.Count;
            }
        }
    }

    private void Leave(string principal, Holder holder)
    {
        lock (_holders)
        {
            // The last user of an entry removes it; a later request of the principal makes a new one.
            if (--holder.Users == 0)
            {
                _holders.Remove(principal);
            }
        }
    }

    /// <summary>A principal's shares and how many of its requests hold or wait for one (the entry's users).</summary>
    private sealed class Holder(int share)
    {
        public SemaphoreSlim Shares { get; } = new(share, share);

        public int Users { get; set; }
    }

    /// <summary>One share, given back exactly once however its holder ends.</summary>
    private sealed class Lease(SlotShares shares, string principal, Holder holder) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                holder.Shares.Release();
                shares.Leave(principal, holder);
            }
        }
    }
}
