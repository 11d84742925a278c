using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;
using OData.Virtualization.Security;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Security;

/// <summary>
/// Password checks: a right password is checked once and then remembered; a wrong one and an unknown user's are each
/// one PBKDF2 (the unknown user's against a stand-in); beyond the running and queued checks, Busy without a check.
/// </summary>
public sealed class PasswordChecksTests : IDisposable
{
    private static readonly string s_hash = SecretHasher.HashPassword("right");

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly FakeTimeProvider _clock = new();
    private long _checks;

    public PasswordChecksTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        Metrics = new ServerMetrics(factory, _services);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name == "odata.sign_in.password_checks")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _checks, value));
        _listener.Start();
    }

    private ServerMetrics Metrics { get; }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task RightPassword_IsCheckedOnce_ThenRemembered_UntilFiveMinutesPass()
    {
        using var checks = Checks(concurrent: 1, queued: 4);
        Assert.Equal(PasswordCheck.Right, await checks.CheckAsync("alice", "right", s_hash, CancellationToken.None));
        Assert.Equal(PasswordCheck.Remembered, await checks.CheckAsync("alice", "right", s_hash, CancellationToken.None));
        Assert.Equal(1, Interlocked.Read(ref _checks));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(PasswordCheck.Right, await checks.CheckAsync("alice", "right", s_hash, CancellationToken.None));
        Assert.Equal(2, Interlocked.Read(ref _checks));
    }

    [Theory]
    [InlineData("wrong", true)]
    [InlineData("right", false)] // an unknown user: checked against the stand-in, never right
    [InlineData("", false)]
    public async Task WrongPasswordOrUnknownUser_IsOneCheck_AndWrong(string password, bool known)
    {
        using var checks = Checks(concurrent: 1, queued: 4);
        Assert.Equal(PasswordCheck.Wrong, await checks.CheckAsync("alice", password, known ? s_hash : null, CancellationToken.None));
        Assert.Equal(PasswordCheck.Wrong, await checks.CheckAsync("alice", password, known ? s_hash : null, CancellationToken.None));
        Assert.Equal(2, Interlocked.Read(ref _checks));
    }

    [Fact]
    public async Task BeyondTheRunningAndQueuedChecks_IsBusy_WithoutACheck()
    {
        using var checks = Checks(concurrent: 1, queued: 1);
        var running = checks.CheckAsync("a", "x", s_hash, CancellationToken.None);
        var queued = checks.CheckAsync("b", "x", s_hash, CancellationToken.None);
        Assert.Equal(PasswordCheck.Busy, await checks.CheckAsync("c", "x", s_hash, CancellationToken.None));
        Assert.Equal(PasswordCheck.Wrong, await running);
        Assert.Equal(PasswordCheck.Wrong, await queued);
        Assert.Equal(2, Interlocked.Read(ref _checks));
    }

    private PasswordChecks Checks(int concurrent, int queued)
    {
        var options = new VirtualizationOptions
        {
            Security = new SecurityOptions { SignInLimits = new SignInLimitOptions { ConcurrentPasswordChecks = concurrent, QueuedPasswordChecks = queued } },
        };
        return new PasswordChecks(new ChangeableOptions(options), _clock, Metrics);
    }
}
