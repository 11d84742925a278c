using OData.Virtualization.Http;

namespace OData.Virtualization.Tests.Http;

/// <summary>
/// A request's time budget reuses its cancellation source once the request is over: neither a client that leaves
/// afterwards nor a budget that ran out may reach the next request that gets the source.
/// </summary>
public sealed class RequestBudgetTests
{
    private static readonly TimeSpan s_long = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Budget_RunsOut_CancelsTheToken()
    {
        using var budget = RequestBudget.Start(CancellationToken.None, TimeSpan.FromMilliseconds(50));
        await Task.Delay(Timeout.Infinite, budget.Token).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(budget.IsCancellationRequested);
    }

    [Fact]
    public async Task Client_GoesAway_CancelsTheToken()
    {
        using var client = new CancellationTokenSource();
        using var budget = RequestBudget.Start(client.Token, s_long);
        Assert.False(budget.IsCancellationRequested);
        await client.CancelAsync();
        Assert.True(budget.IsCancellationRequested);
    }

    [Fact]
    public async Task Client_LeavingAfterItsRequest_DoesNotCancelTheNextRequests()
    {
        using var first = new CancellationTokenSource();
        var budgets = new List<RequestBudget>();
        try
        {
            // Over for the first client's requests; their sources go back to be reused by the next ones.
            for (var i = 0; i < 8; i++)
            {
                RequestBudget.Start(first.Token, s_long).Dispose();
            }

            for (var i = 0; i < 8; i++)
            {
                budgets.Add(RequestBudget.Start(CancellationToken.None, s_long));
            }

            await first.CancelAsync();
            Assert.All(budgets, b => Assert.False(b.IsCancellationRequested));
        }
        finally
        {
            budgets.ForEach(b => b.Dispose());
        }
    }

    [Fact]
    public async Task Cancelled_Budget_IsNeverHandedOutAgain()
    {
        using var client = new CancellationTokenSource();
        var gone = RequestBudget.Start(client.Token, s_long);
        await client.CancelAsync();
        gone.Dispose();
        var ranOut = RequestBudget.Start(CancellationToken.None, TimeSpan.FromMilliseconds(1));
        await Task.Delay(Timeout.Infinite, ranOut.Token).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(10));
        ranOut.Dispose();

        var next = new List<RequestBudget>();
        for (var i = 0; i < 16; i++)
        {
            next.Add(RequestBudget.Start(CancellationToken.None, s_long));
        }

        Assert.All(next, b => Assert.False(b.IsCancellationRequested));
        await Task.Delay(50);
        Assert.All(next, b => Assert.False(b.IsCancellationRequested));
        next.ForEach(b => b.Dispose());
    }
}
