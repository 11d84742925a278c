using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Security;

namespace OData.Virtualization.Hosting;

/// <summary>
/// <see cref="IOptionsMonitor{TOptions}"/> for the server's options that keeps the last valid configuration. The
/// configuration reloads when its files change (TTLs, limits, policies take effect without a restart); a reloaded
/// configuration that fails validation — a typo while editing — is logged and not applied, where the standard monitor
/// would throw on every request from then on. At start-up it behaves as the standard one: invalid options throw.
/// </summary>
internal sealed class LastValidOptions : IOptionsMonitor<VirtualizationOptions>, IDisposable
{
    private readonly IOptionsFactory<VirtualizationOptions> _factory;
    private readonly ILogger<LastValidOptions> _logger;
    private readonly List<IDisposable> _registrations = [];
    private readonly object _lock = new();
    private VirtualizationOptions? _current;
    private event Action<VirtualizationOptions, string?>? Changed;

    public LastValidOptions(IOptionsFactory<VirtualizationOptions> factory, IEnumerable<IOptionsChangeTokenSource<VirtualizationOptions>> sources, ILogger<LastValidOptions> logger)
    {
        _factory = factory;
        _logger = logger;
        foreach (var source in sources)
        {
            _registrations.Add(ChangeToken.OnChange(source.GetChangeToken, Reload));
        }
    }

    public VirtualizationOptions CurrentValue
    {
        get
        {
            if (Volatile.Read(ref _current) is { } current)
            {
                return current;
            }

            lock (_lock)
            {
                // Not cached when it throws, like the standard monitor: an invalid start-up configuration throws every time.
                return _current ??= _factory.Create(Options.DefaultName);
            }
        }
    }

    public VirtualizationOptions Get(string? name) => string.IsNullOrEmpty(name) ? CurrentValue : _factory.Create(name);

    public IDisposable? OnChange(Action<VirtualizationOptions, string?> listener)
    {
        Changed += listener;
        return new Subscription(() => Changed -= listener);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void Reload()
    {
        VirtualizationOptions next;
        try
        {
            next = _factory.Create(Options.DefaultName);
        }
        catch (OptionsValidationException ex)
        {
            RefreshLog.ReloadRejected(_logger, string.Join(" ", ex.Failures));
            return;
        }
        catch (InvalidOperationException ex)
        {
            // A value the binder cannot convert ("abc" for a number).
            RefreshLog.ReloadRejected(_logger, ex.Message);
            return;
        }

        lock (_lock)
        {
            _current = next;
        }

        RefreshLog.Reloaded(_logger);
        foreach (var problem in CredentialHashes.Unusable(next.Security))
        {
            ServerLog.UnusableCredential(_logger, problem);
        }

        Changed?.Invoke(next, Options.DefaultName);
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
