using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;

namespace OData.Virtualization.Tests.Infrastructure;

/// <summary>
/// The options as a reloadable configuration hands them out: a test sets them, and <see cref="Change"/> replaces them
/// with a new instance (as a reload does) and tells the listeners.
/// </summary>
internal sealed class ChangeableOptions(VirtualizationOptions initial) : IOptionsMonitor<VirtualizationOptions>
{
    private readonly List<Action<VirtualizationOptions, string?>> _listeners = [];

    public ChangeableOptions()
        : this(new VirtualizationOptions())
    {
    }

    public VirtualizationOptions CurrentValue { get; private set; } = initial;

    public VirtualizationOptions Get(string? name) => CurrentValue;

    public void Change(VirtualizationOptions next)
    {
        CurrentValue = next;
        foreach (var listener in _listeners.ToList())
        {
            listener(next, null);
        }
    }

    public IDisposable OnChange(Action<VirtualizationOptions, string?> listener)
    {
        _listeners.Add(listener);
        return new Subscription(() => _listeners.Remove(listener));
    }

    private sealed class Subscription(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }
}
