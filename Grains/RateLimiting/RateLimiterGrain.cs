using Grains.Interfaces.RateLimiting;

namespace Grains.RateLimiting;

/// <summary>
/// One rate-limit subject's counters, in memory only: a limiter that forgets on a silo crash admits
/// at most one extra window, which is cheaper than a storage write per lease. Single-threaded, so
/// concurrent leases from several ApiHosts never over-grant.
/// </summary>
// Minute windows are empty two minutes after the last request; longer ones keep themselves alive (DelayDeactivation).
[CollectionAgeLimit(Minutes = 2)]
public sealed class RateLimiterGrain(TimeProvider time) : Grain, IRateLimiterGrain
{
    private static readonly TimeSpan KeepAliveThreshold = TimeSpan.FromMinutes(2);

    private SlidingWindowCounter? window;
    private readonly BurstBucket burst = new();

    public Task<LeaseGrant> Lease(LeaseRequest request)
    {
        var spec = request.Spec;
        var now = time.GetUtcNow();
        if (window is null || window.Window != spec.Window)
        {
            window = new SlidingWindowCounter(spec.Window);
        }
        window.Advance(now);
        burst.Refill(now, spec.BurstCapacity, spec.BurstRefillPerSecond);
        foreach (var unused in request.Returns ?? [])
        {
            window.Return(unused.Bucket, unused.WindowTokens);
            burst.Return(unused.BurstTokens, spec.BurstCapacity);
        }

        var want = Math.Max(0, request.Want);
        var fromWindow = Math.Min(want, window.Available(spec.Limit));
        var bucket = window.Add(now, fromWindow);
        // Burst only tops up what the window could not give: it is the allowance beyond the limit.
        var fromBurst = fromWindow < want ? burst.Take(want - fromWindow) : 0;
        var granted = fromWindow + fromBurst;

        KeepCountersAlive(spec);
        return Task.FromResult(new LeaseGrant(
            granted, fromBurst, bucket, spec.Limit, window.Available(spec.Limit), burst.Available,
            window.OldestExpiry() ?? now, granted == 0 && want > 0 ? RetryAfterSeconds(spec, now) : 0));
    }

    /// <summary>Whole seconds until a token is available again from the window or the burst bucket, at least 1.</summary>
    private int RetryAfterSeconds(LimitSpec spec, DateTimeOffset now)
    {
        var untilWindow = window!.TimeUntilAvailable(spec.Limit, now);
        var untilBurst = burst.TimeToNextToken(spec.BurstCapacity, spec.BurstRefillPerSecond);
        var wait = untilWindow < untilBurst ? untilWindow : untilBurst;
        return (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, int.MaxValue);
    }

    /// <summary>An hourly window (or a slowly refilling burst bucket) must outlive the idle-collection age.</summary>
    private void KeepCountersAlive(LimitSpec spec)
    {
        var refill = spec.BurstRefillPerSecond > 0 ? TimeSpan.FromSeconds(spec.BurstCapacity / spec.BurstRefillPerSecond) : TimeSpan.Zero;
        var needed = spec.Window > refill ? spec.Window : refill;
        if (needed > KeepAliveThreshold)
        {
            DelayDeactivation(needed);
        }
    }
}
