using OData.Virtualization.Sources;
using OData.Virtualization.Tests.Infrastructure;

namespace OData.Virtualization.Tests.Sources;

/// <summary>
/// A source's write generation (part of every cache key of its reads, decisions 113 and 115): it moves at once on a
/// write here, is the same on two instances that saw the same shared number, never steps back for an old message, and
/// never returns to an earlier value when the shared counter was reset.
/// </summary>
public sealed class WriteGenerationTests
{
    [Fact]
    public async Task AWrite_MovesTheGenerationAtOnce_AndTheSharedNumberMakesTwoInstancesAgree()
    {
        await using var a = TestSources.Create(SourceProvider.Sqlite);
        await using var b = TestSources.Create(SourceProvider.Sqlite);
        var before = a.WriteGeneration;

        await a.NoteWriteAsync(); // no listener: the write is pending on this instance
        Assert.NotEqual(before, a.WriteGeneration);
        Assert.NotEqual(b.WriteGeneration, a.WriteGeneration);

        a.ConfirmWrite(1); // Redis's INCR answered 1
        b.ObserveWrite(1); // the message reached the other instance
        Assert.Equal(a.WriteGeneration, b.WriteGeneration);
        Assert.NotEqual(before, a.WriteGeneration);
    }

    [Fact]
    public async Task AnAnnouncementThatFailed_KeepsThisInstancesKeysItsOwn_UntilLaterWritesAreShared()
    {
        await using var a = TestSources.Create(SourceProvider.Sqlite);
        await using var b = TestSources.Create(SourceProvider.Sqlite);
        await a.NoteWriteAsync(); // Redis was down: never confirmed
        b.ObserveWrite(1);        // another instance's write
        a.ObserveWrite(1);
        Assert.NotEqual(a.WriteGeneration, b.WriteGeneration); // a knows of a write b does not: their keys must differ
    }

    [Fact]
    public async Task AnOlderMessage_IsNoStepBack_AndAResetCounter_GivesANewGeneration()
    {
        await using var a = TestSources.Create(SourceProvider.Sqlite);
        var seen = new HashSet<long> { a.WriteGeneration };
        a.ObserveWrite(5);
        Assert.True(seen.Add(a.WriteGeneration));
        var atFive = a.WriteGeneration;
        a.ObserveWrite(3); // a message that arrived late
        Assert.Equal(atFive, a.WriteGeneration);

        a.ObserveWrite(2, counterRead: true); // Redis restarted without its data: the counter reads 2
        Assert.True(seen.Add(a.WriteGeneration));
        a.ObserveWrite(5);
        Assert.True(seen.Add(a.WriteGeneration), "after a reset, reaching 5 again must not give the keys of the first 5");
    }
}
