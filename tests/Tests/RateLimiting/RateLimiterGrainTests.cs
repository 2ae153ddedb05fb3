using Grains.Interfaces.RateLimiting;
using Tests.Infrastructure;

namespace Tests.RateLimiting;

/// <summary>The limiter grain's arithmetic on a fake clock: sliding window, burst refill, leases and their return.</summary>
public sealed class RateLimiterGrainTests(GrainTestCluster cluster) : IClassFixture<GrainTestCluster>
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private IRateLimiterGrain Grain() => cluster.Client.GetGrain<IRateLimiterGrain>("test/" + Guid.NewGuid().ToString("N"));

    /// <summary>Moves the shared fake clock to the next whole minute, so bucket boundaries are known.</summary>
    private DateTimeOffset StartOfMinute()
    {
        var now = cluster.Time.GetUtcNow();
        cluster.Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerMinute - now.UtcTicks % TimeSpan.TicksPerMinute));
        return cluster.Time.GetUtcNow();
    }

    private static Task<LeaseGrant> Take(IRateLimiterGrain grain, int want, LimitSpec spec, params LeaseReturn[] returns) =>
        grain.Lease(new LeaseRequest(want, spec, returns.Length == 0 ? null : returns));

    [Fact]
    public async Task Window_grants_up_to_the_limit_then_refuses_until_the_oldest_tokens_leave_it()
    {
        var spec = new LimitSpec(10, Minute);
        var grain = Grain();
        var t0 = StartOfMinute();

        var first = await Take(grain, 4, spec);
        Assert.Equal((4, 6), (first.Granted, first.WindowRemaining));

        cluster.Time.Advance(TimeSpan.FromSeconds(30));
        var second = await Take(grain, 10, spec);
        Assert.Equal((6, 0), (second.Granted, second.WindowRemaining));

        var refused = await Take(grain, 1, spec);
        Assert.Equal(0, refused.Granted);
        // The t0 bucket counts for a full window plus at most one bucket (1 s): it leaves at t0+61 s.
        Assert.Equal(t0.AddSeconds(61), refused.ResetAt);
        Assert.Equal(31, refused.RetryAfterSeconds);

        cluster.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, (await Take(grain, 1, spec)).Granted);

        cluster.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(4, (await Take(grain, 10, spec)).Granted);

        cluster.Time.Advance(TimeSpan.FromSeconds(30));
        var later = await Take(grain, 10, spec);
        Assert.Equal(6, later.Granted);
        Assert.Equal(0, later.RetryAfterSeconds);
    }

    [Fact]
    public async Task Burst_tops_up_only_after_the_window_is_used_up_and_refills_one_token_a_second_to_its_capacity()
    {
        var spec = new LimitSpec(20, Minute, BurstCapacity: 5, BurstRefillPerSecond: 1);
        var grain = Grain();
        StartOfMinute();

        var window = await Take(grain, 20, spec);
        Assert.Equal((20, 0, 5), (window.Granted, window.FromBurst, window.BurstRemaining));

        var burst = await Take(grain, 50, spec);
        Assert.Equal((5, 5, 0, 0), (burst.Granted, burst.FromBurst, burst.WindowRemaining, burst.BurstRemaining));

        var refused = await Take(grain, 1, spec);
        Assert.Equal((0, 1), (refused.Granted, refused.RetryAfterSeconds));

        cluster.Time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, (await Take(grain, 1, spec)).Granted);
        cluster.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal((1, 1), ((await Take(grain, 5, spec)) is var one ? (one.Granted, one.FromBurst) : default));

        cluster.Time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(3, (await Take(grain, 5, spec)).Granted);

        // Two minutes idle: the window is empty again and the bucket is full, not 120 tokens.
        cluster.Time.Advance(TimeSpan.FromMinutes(2));
        var fresh = await Take(grain, 100, spec);
        Assert.Equal((25, 5), (fresh.Granted, fresh.FromBurst));
    }

    [Fact]
    public async Task Unused_lease_tokens_handed_back_are_available_again_but_not_after_their_bucket_expired()
    {
        var spec = new LimitSpec(10, Minute, BurstCapacity: 2, BurstRefillPerSecond: 1);
        var grain = Grain();
        StartOfMinute();

        var lease = await Take(grain, 12, spec);
        Assert.Equal((12, 2), (lease.Granted, lease.FromBurst));

        // 3 spent: the 9 unused are the 2 burst tokens and 7 window tokens.
        var again = await Take(grain, 12, spec, new LeaseReturn(lease.Bucket, 7, 2));
        Assert.Equal((9, 2), (again.Granted, again.FromBurst));

        cluster.Time.Advance(TimeSpan.FromSeconds(61));
        var next = await Take(grain, 10, spec);
        Assert.Equal(10, next.Granted);
        // A return for a bucket that left the window must not credit the new one.
        var stale = await Take(grain, 1, spec, new LeaseReturn(lease.Bucket, 7, 0));
        Assert.Equal(0, stale.FromWindow);
    }

    [Fact]
    public async Task Hour_windows_count_in_minute_buckets()
    {
        var spec = new LimitSpec(100, TimeSpan.FromHours(1));
        var grain = Grain();
        var t0 = StartOfMinute();

        Assert.Equal(100, (await Take(grain, 100, spec)).Granted);
        cluster.Time.Advance(TimeSpan.FromMinutes(59));
        var refused = await Take(grain, 1, spec);
        Assert.Equal(0, refused.Granted);
        Assert.Equal(t0.AddMinutes(61), refused.ResetAt);
        Assert.Equal(120, refused.RetryAfterSeconds);

        cluster.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(100, (await Take(grain, 100, spec)).Granted);
    }

    [Fact]
    public async Task A_changed_limit_applies_with_the_next_lease()
    {
        var grain = Grain();
        StartOfMinute();
        Assert.Equal(10, (await Take(grain, 50, new LimitSpec(10, Minute))).Granted);
        var raised = await Take(grain, 50, new LimitSpec(15, Minute));
        Assert.Equal((5, 15), (raised.Granted, raised.Limit));
    }

    [Fact]
    public async Task Concurrent_leases_never_grant_more_than_the_limit()
    {
        var spec = new LimitSpec(50, Minute);
        var grain = Grain();
        StartOfMinute();

        var grants = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Take(grain, 3, spec)));

        Assert.Equal(50, grants.Sum(g => g.Granted));
    }
}
