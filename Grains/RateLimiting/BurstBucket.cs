namespace Grains.RateLimiting;

/// <summary>
/// The burst allowance: a token bucket that starts full and refills continuously (1 token/s by
/// default) up to its capacity. It is only drawn on once the sliding window is used up. Credit is
/// kept in whole ten-millionths of a token (one per tick at 1 token/s), so refills are exact.
/// </summary>
public sealed class BurstBucket
{
    private const long Unit = TimeSpan.TicksPerSecond;

    private long credit = -1;
    private DateTimeOffset refilledAt;

    public int Available => credit <= 0 ? 0 : (int)(credit / Unit);

    public void Refill(DateTimeOffset now, int capacity, double perSecond)
    {
        var max = Math.Max(0, capacity) * Unit;
        if (credit < 0)
        {
            credit = max;
        }
        else if (now > refilledAt)
        {
            var gained = (now - refilledAt).Ticks * Math.Max(0, perSecond);
            credit = gained >= max ? max : Math.Min(max, credit + (long)gained);
        }
        credit = Math.Min(credit, max);
        if (now > refilledAt)
        {
            refilledAt = now;
        }
    }

    public int Take(int wanted)
    {
        var taken = Math.Clamp(wanted, 0, Available);
        credit -= taken * Unit;
        return taken;
    }

    public void Return(int returned, int capacity) =>
        credit = Math.Min(Math.Max(0, capacity) * Unit, Math.Max(0, credit) + Math.Max(0, returned) * Unit);

    /// <summary>How long until the next whole token; <see cref="TimeSpan.MaxValue"/> when the bucket never refills.</summary>
    public TimeSpan TimeToNextToken(int capacity, double perSecond)
    {
        if (capacity <= 0 || perSecond <= 0)
        {
            return TimeSpan.MaxValue;
        }
        var missing = Unit - Math.Max(0, credit) % Unit;
        return TimeSpan.FromTicks((long)Math.Ceiling(missing / perSecond));
    }
}
