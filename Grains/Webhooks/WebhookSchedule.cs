using Grains.Interfaces.Webhooks;

namespace Grains.Webhooks;

/// <summary>
/// When a failed delivery is tried again. Default (SalesOS document): retries 1 min, 5 min, 30 min, 2 h and 6 h after
/// the first attempt, then the dead letter. An endpoint's <see cref="WebhookRetryPolicy"/> replaces it with
/// <c>max_attempts</c> attempts, the n-th retry <c>backoff_ms × 2^(n-1)</c> after the previous attempt. Jitter only
/// ever delays (up to 10% of the gap, at most 5 min) so receivers recovering from an outage are not hit in lockstep,
/// and a receiver's <c>Retry-After</c> (capped at 24 h) pushes the next attempt later, never earlier.
/// </summary>
public static class WebhookSchedule
{
    public static readonly IReadOnlyList<TimeSpan> DefaultRetryOffsets =
        [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(6)];

    public static readonly TimeSpan MaxJitter = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(24);

    public const int MinPolicyAttempts = WebhookKeys.MinPolicyAttempts;
    public const int MaxPolicyAttempts = WebhookKeys.MaxPolicyAttempts;
    public const long MinBackoffMs = WebhookKeys.MinBackoffMs;
    public const long MaxBackoffMs = WebhookKeys.MaxBackoffMs;

    public static int MaxAttempts(WebhookRetryPolicy? policy) => policy?.MaxAttempts ?? WebhookKeys.DefaultMaxAttempts;

    /// <summary>The next attempt after <paramref name="attemptsDone"/> failed ones, or null when the delivery is exhausted.</summary>
    /// <param name="jitter">A number in [0, 1) (random in production).</param>
    public static DateTimeOffset? Next(WebhookRetryPolicy? policy, int maxAttempts, DateTimeOffset firstAttemptAt,
        DateTimeOffset now, int attemptsDone, TimeSpan? retryAfter, double jitter)
    {
        if (attemptsDone >= maxAttempts)
        {
            return null;
        }
        DateTimeOffset due;
        TimeSpan gap;
        if (policy is null)
        {
            var index = Math.Min(attemptsDone, DefaultRetryOffsets.Count) - 1;
            var offset = DefaultRetryOffsets[index];
            gap = index == 0 ? offset : offset - DefaultRetryOffsets[index - 1];
            due = firstAttemptAt + offset;
        }
        else
        {
            var factor = Math.Pow(2, Math.Min(attemptsDone - 1, 30));
            gap = TimeSpan.FromMilliseconds(Math.Min(policy.BackoffMs * factor, MaxBackoffMs));
            due = now + gap;
        }
        due += TimeSpan.FromTicks((long)(Math.Min(gap.Ticks / 10, MaxJitter.Ticks) * Math.Clamp(jitter, 0, 1)));
        if (retryAfter is { } wait)
        {
            var floor = now + (wait > MaxRetryAfter ? MaxRetryAfter : wait);
            due = due > floor ? due : floor;
        }
        return due > now ? due : now;
    }
}
