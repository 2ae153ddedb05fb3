namespace Grains.RateLimiting;

/// <summary>
/// Tokens counted per time bucket over a sliding window, in bounded memory: the window is split into
/// <see cref="Buckets"/> buckets (1 s each for a minute, 1 min each for an hour) and one more, so a
/// token counts for at least a full window and at most one bucket longer. That errs on the strict side:
/// within any span of one window length, at most the limit is granted.
/// </summary>
public sealed class SlidingWindowCounter
{
    public const int Buckets = 60;

    // One slot more than the window has buckets: the current, partly elapsed bucket plus 60 full ones.
    private const int Slots = Buckets + 1;

    private readonly long[] ids = new long[Slots];
    private readonly int[] counts = new int[Slots];
    private readonly long bucketTicks;

    public SlidingWindowCounter(TimeSpan window)
    {
        Window = window;
        bucketTicks = Math.Max(TimeSpan.TicksPerSecond, window.Ticks / Buckets);
        Array.Fill(ids, long.MinValue);
    }

    public TimeSpan Window { get; }

    /// <summary>Tokens counted in the window as of the last <see cref="Advance"/>.</summary>
    public int Total { get; private set; }

    public long BucketOf(DateTimeOffset time) => time.UtcTicks / bucketTicks;

    /// <summary>Drops buckets that have left the window.</summary>
    public void Advance(DateTimeOffset now)
    {
        var oldestLive = BucketOf(now) - Buckets;
        for (var i = 0; i < Slots; i++)
        {
            if (counts[i] != 0 && ids[i] < oldestLive)
            {
                Total -= counts[i];
                counts[i] = 0;
            }
        }
    }

    public int Available(int limit) => Math.Max(0, limit - Total);

    /// <summary>Counts <paramref name="tokens"/> in the current bucket and returns that bucket's id.</summary>
    public long Add(DateTimeOffset now, int tokens)
    {
        var bucket = BucketOf(now);
        var slot = (int)(bucket % Slots);
        if (ids[slot] != bucket)
        {
            Total -= counts[slot];
            counts[slot] = 0;
            ids[slot] = bucket;
        }
        counts[slot] += tokens;
        Total += tokens;
        return bucket;
    }

    /// <summary>Uncounts unused tokens of a lease; ignored once their bucket has left the window (they expired anyway).</summary>
    public void Return(long bucket, int tokens)
    {
        var slot = (int)(bucket % Slots);
        if (tokens <= 0 || ids[slot] != bucket)
        {
            return;
        }
        var removed = Math.Min(tokens, counts[slot]);
        counts[slot] -= removed;
        Total -= removed;
    }

    /// <summary>When the oldest counted token leaves the window; null when nothing is counted.</summary>
    public DateTimeOffset? OldestExpiry()
    {
        long? oldest = null;
        for (var i = 0; i < Slots; i++)
        {
            if (counts[i] != 0 && (oldest is null || ids[i] < oldest))
            {
                oldest = ids[i];
            }
        }
        return oldest is { } b ? ExpiryOf(b) : null;
    }

    /// <summary>How long until at least one token is available under <paramref name="limit"/> (zero if one is now).</summary>
    public TimeSpan TimeUntilAvailable(int limit, DateTimeOffset now)
    {
        var mustExpire = Total - limit + 1;
        if (mustExpire <= 0)
        {
            return TimeSpan.Zero;
        }
        var live = new List<(long Id, int Count)>(Slots);
        for (var i = 0; i < Slots; i++)
        {
            if (counts[i] != 0)
            {
                live.Add((ids[i], counts[i]));
            }
        }
        live.Sort((a, b) => a.Id.CompareTo(b.Id));
        foreach (var (id, count) in live)
        {
            mustExpire -= count;
            if (mustExpire <= 0)
            {
                return ExpiryOf(id) - now;
            }
        }
        return Window;
    }

    private DateTimeOffset ExpiryOf(long bucket) => new((bucket + Slots) * bucketTicks, TimeSpan.Zero);
}
