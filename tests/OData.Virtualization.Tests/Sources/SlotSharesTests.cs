using OData.Virtualization.Configuration;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Tests.Sources;

/// <summary>
/// Each principal's share of a source's statement slots: at most the share at once, more wait for the principal's own
/// statements (not another's) and give up after the timeout; every end gives the share back exactly once, and a
/// principal with nothing running or waiting leaves no entry behind.
/// </summary>
public sealed class SlotSharesTests
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(16, null, 8)]
    [InlineData(2, null, 1)]
    [InlineData(3, null, 1)]
    [InlineData(1, null, 1)]
    [InlineData(0, null, 1)]
    [InlineData(16, 4, 4)]
    [InlineData(16, 16, 16)]
    [InlineData(16, 40, 16)]
    [InlineData(2, 2, 2)]
    public void ShareOf_DefaultsToHalfTheSlots_AtLeastOne_NeverMoreThanTheSlots(int slots, int? configured, int expected)
        => Assert.Equal(expected, SlotShares.ShareOf(new SourceOptions { MaxConcurrentQueries = slots, MaxConcurrentQueriesPerPrincipal = configured }));

    [Fact]
    public async Task TakeAsync_UpToTheShare_AtOnce_ThenTimesOut()
    {
        var shares = new SlotShares(2);
        using var first = await shares.TakeAsync("analyst", s_long, CancellationToken.None);
        using var second = await shares.TakeAsync("analyst", s_long, CancellationToken.None);
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(2, shares.Held("analyst"));

        Assert.Null(await shares.TakeAsync("analyst", TimeSpan.FromMilliseconds(50), CancellationToken.None));
        Assert.Equal(2, shares.Held("analyst"));
    }

    [Fact]
    public async Task TakeAsync_AnotherPrincipal_IsNeverHeldUpByOnePrincipalsShare()
    {
        var shares = new SlotShares(1);
        using var analyst = await shares.TakeAsync("analyst", s_long, CancellationToken.None);
        var teller = shares.TakeAsync("teller", TimeSpan.Zero, CancellationToken.None).AsTask();
        Assert.True(teller.IsCompletedSuccessfully);
        using var lease = await teller;
        Assert.NotNull(lease);
        Assert.Equal(1, shares.Held("teller"));
    }

    [Fact]
    public async Task TakeAsync_OverTheShare_WaitsForOneOfItsOwn_InArrivalOrder()
    {
        var shares = new SlotShares(1);
        var holding = await shares.TakeAsync("analyst", s_long, CancellationToken.None);
        var next = shares.TakeAsync("analyst", s_long, CancellationToken.None).AsTask();
        var last = shares.TakeAsync("analyst", s_long, CancellationToken.None).AsTask();
        Assert.False(next.IsCompleted);
        Assert.False(last.IsCompleted);

        holding!.Dispose();
        using var nextLease = await next.WaitAsync(s_long);
        Assert.NotNull(nextLease);
        Assert.False(last.IsCompleted);

        nextLease!.Dispose();
        using var lastLease = await last.WaitAsync(s_long);
        Assert.NotNull(lastLease);
    }

    [Fact]
    public async Task Dispose_Twice_GivesTheShareBackOnce()
    {
        var shares = new SlotShares(1);
        var lease = await shares.TakeAsync("analyst", s_long, CancellationToken.None);
        lease!.Dispose();
        lease.Dispose();

        using var again = await shares.TakeAsync("analyst", s_long, CancellationToken.None);
        Assert.NotNull(again);
        Assert.Null(await shares.TakeAsync("analyst", TimeSpan.FromMilliseconds(20), CancellationToken.None));
    }

    [Fact]
    public async Task TakeAsync_Cancelled_WhileWaiting_Throws_AndLeavesTheShareAsItWas()
    {
        var shares = new SlotShares(1);
        var holding = await shares.TakeAsync("analyst", s_long, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = shares.TakeAsync("analyst", s_long, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(1, shares.Held("analyst"));

        holding!.Dispose();
        Assert.Equal(0, shares.Held("analyst"));
        Assert.Equal(0, shares.Principals);
    }

    [Fact]
    public async Task Principals_WithNothingRunningOrWaiting_LeaveNoEntry()
    {
        var shares = new SlotShares(2);
        var leases = new List<IDisposable>();
        for (var i = 0; i < 100; i++)
        {
            leases.Add((await shares.TakeAsync("user-" + i, s_long, CancellationToken.None))!);
        }

        Assert.Equal(100, shares.Principals);
        leases.ForEach(l => l.Dispose());
        Assert.Equal(0, shares.Principals);
    }

    [Fact]
    public async Task ManyConcurrentTakers_NeverHoldMoreThanTheShare_AndAllGetThrough()
    {
        var shares = new SlotShares(3);
        var holding = 0;
        var most = 0;
        await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            using var lease = await shares.TakeAsync("analyst", s_long, CancellationToken.None);
            Assert.NotNull(lease);
            var now = Interlocked.Increment(ref holding);
            InterlockedMax(ref most, now);
            await Task.Yield();
            Interlocked.Decrement(ref holding);
        }));

        Assert.InRange(most, 1, 3);
        Assert.Equal(0, shares.Principals);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
