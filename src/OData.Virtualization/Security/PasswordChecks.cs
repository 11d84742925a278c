using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;

namespace OData.Virtualization.Security;

/// <summary>What <see cref="PasswordChecks.CheckAsync"/> found.</summary>
internal enum PasswordCheck
{
    /// <summary>Checked now (PBKDF2 ran) and right.</summary>
    Right,

    /// <summary>Right, as checked within the last few minutes (no PBKDF2).</summary>
    Remembered,

    /// <summary>Checked now and wrong; or the user is unknown (checked against a stand-in hash, at the same cost).</summary>
    Wrong,

    /// <summary>Not checked: too many checks running and waiting.</summary>
    Busy,
}

/// <summary>
/// Checks HTTP Basic passwords against their PBKDF2 hashes, a few at a time
/// (<c>OData:Security:SignInLimits:ConcurrentPasswordChecks</c>, default half the processors) with a bounded queue, so
/// that a flood of sign-ins cannot take every processor from the requests of signed-in callers. Right passwords are
/// remembered for a few minutes (as a hash of the credentials, never the password): PBKDF2 is slow on purpose, and
/// Salesforce sends a burst of requests.
/// </summary>
internal sealed class PasswordChecks(IOptionsMonitor<VirtualizationOptions> options, TimeProvider time, ServerMetrics metrics) : IDisposable
{
    private const int MaxRemembered = 10_000;

    private static readonly TimeSpan s_rememberedFor = TimeSpan.FromMinutes(5);

    /// <summary>
    /// What an unknown user's password (or one whose hash was blanked) is checked against: a hash in the stored form
    /// that no password has, so that the check costs what a known user's does and the timing does not tell them apart.
    /// </summary>
    private static readonly string s_standIn = SecretHasher.StandInPasswordHash();

    private readonly ConcurrentDictionary<string, DateTimeOffset> _remembered = new(StringComparer.Ordinal);
    private Gate? _gate;

    /// <summary>Checks <paramref name="password"/> against <paramref name="stored"/> (null: an unknown user).</summary>
    public async ValueTask<PasswordCheck> CheckAsync(string user, string password, string? stored, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        string? memo = null;
        if (!string.IsNullOrEmpty(stored))
        {
            memo = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(user + "\u0000" + password + "\u0000" + stored)));
            if (_remembered.TryGetValue(memo, out var until) && until > now)
            {
                return PasswordCheck.Remembered;
            }
        }

        using var lease = await CurrentGate().Limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            return PasswordCheck.Busy;
        }

        bool right;
        metrics.PasswordCheckStarted();
        try
        {
            // On a thread of its own, not one of the thread pool's: a pool thread held for the whole PBKDF2 is one
            // fewer for every other request, and on a small machine the pool has few (measured: decision 36).
            var against = string.IsNullOrEmpty(stored) ? s_standIn : stored;
            right = await Task.Factory.StartNew(() => SecretHasher.VerifyPassword(password, against), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                    && memo is not null;
        }
        finally
        {
            metrics.PasswordCheckEnded();
        }

        metrics.PasswordChecked(right);
        if (!right)
        {
            return PasswordCheck.Wrong;
        }

        if (_remembered.Count > MaxRemembered)
        {
            _remembered.Clear();
        }

        _remembered[memo!] = time.GetUtcNow() + s_rememberedFor;
        return PasswordCheck.Right;
    }

    public void Dispose() => _gate?.Limiter.Dispose();

    /// <summary>The limiter for the configured sizes; a new one when a reload changed them (running checks finish on the old).</summary>
    private Gate CurrentGate()
    {
        var limits = options.CurrentValue.Security.SignInLimits;
        var permits = limits.ConcurrentPasswordChecks > 0 ? limits.ConcurrentPasswordChecks : Math.Max(1, Environment.ProcessorCount / 2);
        var queue = Math.Max(0, limits.QueuedPasswordChecks);
        var gate = Volatile.Read(ref _gate);
        if (gate is not null && gate.Permits == permits && gate.Queue == queue)
        {
            return gate;
        }

        var fresh = new Gate(permits, queue, new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = permits,
            QueueLimit = queue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }));
        return Interlocked.CompareExchange(ref _gate, fresh, gate) == gate ? fresh : Volatile.Read(ref _gate)!;
    }

    private sealed record Gate(int Permits, int Queue, ConcurrencyLimiter Limiter);
}
