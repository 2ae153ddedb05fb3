using Grains.Platform.Cluster;
using Microsoft.Extensions.Time.Testing;

namespace Tests.Platform;

/// <summary>What <see cref="SiloLossWatch"/> fails when a silo is voted dead: only calls running long enough to be stuck.</summary>
public sealed class InFlightCallsTests
{
    [Fact]
    public async Task A_death_fails_the_calls_running_past_the_threshold_and_spares_the_fresh_and_the_finished()
    {
        var time = new FakeTimeProvider();
        var calls = new InFlightCalls(time);
        using var stuck = calls.Track(time.GetTimestamp());
        var finished = calls.Track(time.GetTimestamp());
        finished.Dispose();
        time.Advance(SiloLossWatch.StuckAfter);
        using var fresh = calls.Track(time.GetTimestamp());

        Assert.Equal(1, calls.FailStuck(SiloLossWatch.StuckAfter, "silo died"));

        Assert.Equal("silo died", await stuck.Lost);
        Assert.False(fresh.Lost.IsCompleted);
        Assert.False(finished.Lost.IsCompleted);
        Assert.Equal(2, calls.Count);
        // A second sweep does not count a call twice.
        Assert.Equal(0, calls.FailStuck(SiloLossWatch.StuckAfter, "again"));
    }
}
