using System.Diagnostics.Metrics;

namespace OData.Virtualization.Diagnostics;

/// <summary>
/// Change tracking's instruments (meter <c>OData.Virtualization</c>): changes captured and served per entity set, the
/// slot's lag, and delta requests by outcome. The lag gauges exist only once a slot is watched (tracking on).
/// </summary>
internal sealed class ChangeMetrics
{
    private readonly Counter<long> _captured;
    private readonly Counter<long> _served;
    private readonly Counter<long> _deltaRequests;
    private long _lagBytes = -1;
    private double _lagSeconds = -1;

    public ChangeMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ServerMetrics.MeterName, typeof(ChangeMetrics).Assembly.GetName().Version?.ToString(3));
        _captured = meter.CreateCounter<long>("odata.changes.captured", "{change}", "Changed rows captured from the source's logical decoding into the change store, by entity set.");
        _served = meter.CreateCounter<long>("odata.changes.served", "{change}", "Changed and removed entities sent in delta responses, by entity set.");
        _deltaRequests = meter.CreateCounter<long>("odata.delta.requests", "{request}", "Change-tracking requests by outcome: tracked (a read that got a delta link), delta (a delta link followed), gone (410: too old or another epoch), refused (a link that is not valid here).");
        meter.CreateObservableGauge("odata.changes.slot_lag", () => Lag(_lagBytes), "By", "WAL the replication slot holds back (bytes between the source's current WAL position and the slot's confirmed position).");
        meter.CreateObservableGauge("odata.changes.capture_lag", () => Lag(_lagSeconds), "s", "Seconds between the last captured commit and its arrival in the change store.");
    }

    public void Captured(string entitySet, long count) => _captured.Add(count, new KeyValuePair<string, object?>("entity_set", entitySet));

    public void Served(string entitySet, long count) => _served.Add(count, new KeyValuePair<string, object?>("entity_set", entitySet));

    /// <summary>A change-tracking request; <paramref name="outcome"/> is one of the fixed words in the counter's description.</summary>
    public void DeltaRequest(string entitySet, string outcome)
        => _deltaRequests.Add(1, new KeyValuePair<string, object?>("entity_set", entitySet), new KeyValuePair<string, object?>("outcome", outcome));

    public void SlotLag(long bytes) => Interlocked.Exchange(ref _lagBytes, bytes);

    public void CaptureLag(double seconds) => Interlocked.Exchange(ref _lagSeconds, seconds);

    private static IEnumerable<Measurement<T>> Lag<T>(T value)
        where T : struct, IComparable<T>
    {
        if (value.CompareTo(default) >= 0)
        {
            yield return new Measurement<T>(value);
        }
    }
}
