using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Diagnostics;

namespace OData.Virtualization.Security;

/// <summary>
/// Failed HTTP Basic and API-key sign-ins, counted per client address and per user name in windows that start at the
/// first failure (<c>OData:Security:SignInLimits</c>). A handler calls <see cref="TryStart"/> before it checks
/// anything, so that a refused attempt costs a dictionary lookup, not a PBKDF2; a started attempt counts as a failure
/// until <see cref="Refund"/>, so that a burst checked at once cannot pass the limit either.
/// </summary>
/// <remarks>
/// A user name's limit does not apply at an address where that user signed in during the last day: an attacker who
/// spends the name's failures from elsewhere does not lock its usual clients out (each address still has its own limit,
/// so this is no way around it). Unknown names are counted like known ones, so that the answers do not tell them apart.
/// Without a client address (a Unix socket, the in-memory test server) there is no per-address limit: every client
/// would share one. What is tracked is bounded: beyond <see cref="MaxTracked"/> addresses, names or known (user, address) pairs, new ones
/// are not counted until old windows end (the bounded password checks still hold). One lock guards it all: it is
/// held for a few dictionary operations.
/// </remarks>
internal sealed class FailedSignIns(IOptionsMonitor<VirtualizationOptions> options, TimeProvider time, ILogger<FailedSignIns> logger)
{
    /// <summary>The most addresses, names and known (user, address) pairs tracked, each.</summary>
    internal const int MaxTracked = 100_000;

    /// <summary>How long an address where a user signed in stays exempt from that user name's limit.</summary>
    private static readonly TimeSpan s_knownFor = TimeSpan.FromDays(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Tally> _addresses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tally> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _known = new(StringComparer.Ordinal);
    private DateTimeOffset _swept;

    /// <summary>
    /// Starts a sign-in from <paramref name="address"/> (as <paramref name="user"/>, for HTTP Basic): null when it may go
    /// on, and it then counts as a failure until <see cref="Refund"/>; otherwise how long the client must wait.
    /// </summary>
    public TimeSpan? TryStart(IPAddress? address, string? user)
    {
        var limits = options.CurrentValue.Security.SignInLimits;
        var window = TimeSpan.FromSeconds(Math.Max(1, limits.WindowSeconds));
        var now = time.GetUtcNow();
        var addressKey = AddressKey(address);
        var userKey = user is null ? null : UserKey(user);
        lock (_lock)
        {
            Sweep(now, window);
            var byAddress = address is null ? null : Get(_addresses, addressKey, limits.FailuresPerAddress, now, window);
            var byUser = userKey is null ? null : Get(_users, userKey, limits.FailuresPerUser, now, window);
            if (byAddress?.Failures >= limits.FailuresPerAddress)
            {
                if (byAddress.Refusal())
                {
                    ServerLog.SignInsRefused(logger, "address " + addressKey, limits.FailuresPerAddress, limits.WindowSeconds);
                }

                return byAddress.Start + window - now;
            }

            if (byUser?.Failures >= limits.FailuresPerUser && !(_known.TryGetValue(userKey + "\u001f" + addressKey, out var until) && until > now))
            {
                if (byUser.Refusal())
                {
                    ServerLog.SignInsRefused(logger, "user name '" + (user!.Length <= 64 ? user : user[..64] + "…") + "'", limits.FailuresPerUser, limits.WindowSeconds);
                }

                return byUser.Start + window - now;
            }

            if (byAddress is not null)
            {
                byAddress.Failures++;
            }

            if (byUser is not null)
            {
                byUser.Failures++;
            }

            return null;
        }
    }

    /// <summary>
    /// A sign-in started with <see cref="TryStart"/> did not fail: its credentials were right, or were not checked (too
    /// many checks waiting, the client went away). When <paramref name="checkedRight"/>, the address is exempt from the
    /// user name's limit for a day.
    /// </summary>
    public void Refund(IPAddress? address, string? user, bool checkedRight)
    {
        var now = time.GetUtcNow();
        var addressKey = AddressKey(address);
        var userKey = user is null ? null : UserKey(user);
        lock (_lock)
        {
            Refund(_addresses, addressKey);
            if (userKey is null)
            {
                return;
            }

            Refund(_users, userKey);
            if (checkedRight && (_known.Count < MaxTracked || _known.ContainsKey(userKey + "\u001f" + addressKey)))
            {
                _known[userKey + "\u001f" + addressKey] = now + s_knownFor;
            }
        }
    }

    /// <summary>An IPv4 address as it is; an IPv6 address by its /64 network (one host usually has a whole /64).</summary>
    internal static string AddressKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    /// <summary>A user name as the key, or its hash when long (names come from clients; memory must stay bounded).</summary>
    private static string UserKey(string user)
        => user.Length <= 64 ? user : "sha256:" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(user)));

    /// <summary>The current window of <paramref name="key"/>, begun when missing or over; null when the limit is off or too much is tracked.</summary>
    private static Tally? Get(Dictionary<string, Tally> tallies, string key, int limit, DateTimeOffset now, TimeSpan window)
    {
        if (limit <= 0)
        {
            return null;
        }

        if (tallies.TryGetValue(key, out var tally))
        {
            if (tally.Start + window <= now)
            {
                (tally.Start, tally.Failures, tally.Refused) = (now, 0, false);
            }

            return tally;
        }

        if (tallies.Count >= MaxTracked)
        {
            return null;
        }

        tally = new Tally { Start = now };
        tallies[key] = tally;
        return tally;
    }

    private static void Refund(Dictionary<string, Tally> tallies, string key)
    {
        if (tallies.TryGetValue(key, out var tally) && tally.Failures > 0)
        {
            tally.Failures--;
        }
    }

    /// <summary>Forgets windows that are over and exemptions that ended, at most once a second.</summary>
    private void Sweep(DateTimeOffset now, TimeSpan window)
    {
        if (now - _swept < TimeSpan.FromSeconds(1) || (_addresses.Count + _users.Count + _known.Count) < 1_000)
        {
            return;
        }

        _swept = now;
        foreach (var tallies in new[] { _addresses, _users })
        {
            foreach (var (key, tally) in tallies)
            {
                if (tally.Start + window <= now)
                {
                    tallies.Remove(key);
                }
            }
        }

        foreach (var (key, until) in _known)
        {
            if (until <= now)
            {
                _known.Remove(key);
            }
        }
    }

    /// <summary>One address's or name's failures in its current window.</summary>
    private sealed class Tally
    {
        public DateTimeOffset Start;
        public int Failures;
        public bool Refused;

        /// <summary>True the first time in a window that a sign-in is refused (to log it once).</summary>
        public bool Refusal() => !Refused && (Refused = true);
    }
}
