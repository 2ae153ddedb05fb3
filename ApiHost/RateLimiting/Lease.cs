using Grains.Interfaces.RateLimiting;

namespace ApiHost.RateLimiting;

/// <summary>
/// Tokens one ApiHost holds for one subject, spent with an interlocked decrement. Window tokens are
/// spent first, burst tokens last, so the unused rest of a lease is burst first when handed back.
/// </summary>
public sealed class Lease(LeaseGrant grant, DateTimeOffset expiresAt)
{
    /// <summary>Remaining after retirement: far below zero, so late decrements keep failing.</summary>
    private const int Closed = int.MinValue / 2;

    internal int Remaining = grant.Granted;

    public LeaseGrant Grant { get; } = grant;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    /// <summary>When this many tokens are left, the next lease is fetched in the background.</summary>
    public int LowWater { get; } = grant.Granted / 4;

    /// <summary>Stops the lease and says what it did not spend (to hand back to the grain), if anything.</summary>
    internal LeaseReturn? Retire()
    {
        var unused = Math.Max(0, Interlocked.Exchange(ref Remaining, Closed));
        if (unused == 0)
        {
            return null;
        }
        var burst = Math.Min(unused, Grant.FromBurst);
        return new LeaseReturn(Grant.Bucket, unused - burst, burst);
    }
}

/// <summary>
/// The answer for one request on one tier: admitted (with the lease it drew on, for the headers and
/// for giving the token back when a later tier refuses) or refused (with the grain's counters).
/// </summary>
public readonly record struct Admission(bool Allowed, LeaseGrant? Grant, int LocalLeft, Lease? Lease)
{
    /// <summary>The limiter grain could not be reached: admitted, without counters.</summary>
    public static Admission FailOpen => new(true, null, 0, null);

    public static Admission Deny(LeaseGrant grant) => new(false, grant, 0, null);

    /// <summary>The token came from the burst part of the lease (the lowest-numbered tokens).</summary>
    public bool FromBurst => Grant is { } g && (Allowed ? LocalLeft < g.FromBurst : g.WindowRemaining == 0);

    /// <summary>Requests left in this window as this ApiHost sees it: the grain's count plus what the lease still holds.</summary>
    public int Remaining => Grant is not { } g || !Allowed ? 0
        : FromBurst ? g.BurstRemaining + LocalLeft
        : g.WindowRemaining + LocalLeft - g.FromBurst;

    public int RetryAfterSeconds => Grant?.RetryAfterSeconds is > 0 and var s ? s : 1;

    /// <summary>Hands the token back (a later tier refused the request, so it should not count).</summary>
    public void Undo()
    {
        if (Lease is { } lease)
        {
            Interlocked.Increment(ref lease.Remaining);
        }
    }
}
