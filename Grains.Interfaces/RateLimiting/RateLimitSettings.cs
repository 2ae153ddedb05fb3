
namespace Grains.Interfaces.RateLimiting;

/// <summary>
/// The <c>RateLimits</c> configuration section: the document's three tiers (per key, per IP, global)
/// and how ApiHosts lease tokens from the limiter grains. Defaults are the document's numbers.
/// </summary>
public sealed class RateLimitSettings
{
    public const string SectionName = "RateLimits";

    public static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>Off switch for all tiers (headers included).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Per-key requests per sliding minute, unless the key has its own <c>rate_limit_per_minute</c>.</summary>
    public int KeyPerMinute { get; set; } = 1000;

    /// <summary>Extra burst allowance as a percentage of the key's limit, used once the window is exhausted.</summary>
    public int BurstPercent { get; set; } = 25;

    public double BurstRefillPerSecond { get; set; } = 1;

    public int IpAuthenticatedPerHour { get; set; } = 5000;

    public int IpUnauthenticatedPerHour { get; set; } = 100;

    /// <summary>Platform-wide circuit breaker: beyond this, every request gets 503 <c>transient_error</c>.</summary>
    public int GlobalPerMinute { get; set; } = 50_000;

    /// <summary>Largest batch of tokens an ApiHost leases at once; also its bound on over-admission per subject.</summary>
    public int LeaseMax { get; set; } = 50;

    /// <summary>Lease size as a percentage of the limit (at least 1, at most <see cref="LeaseMax"/>).</summary>
    public int LeasePercent { get; set; } = 5;

    /// <summary>How long an ApiHost may spend a lease before handing its unused tokens back.</summary>
    public double LeaseSeconds { get; set; } = 5;

    /// <summary>Take the client IP from <c>X-Forwarded-For</c> (only behind a proxy that sets it; clients can forge it).</summary>
    public bool TrustForwardedFor { get; set; }

    public LimitSpec KeySpec(int? keyOverridePerMinute)
    {
        var limit = Math.Max(1, keyOverridePerMinute ?? KeyPerMinute);
        var burst = (int)Math.Min(int.MaxValue, (long)limit * Math.Max(0, BurstPercent) / 100);
        return new LimitSpec(limit, Minute, burst, BurstRefillPerSecond);
    }

    public LimitSpec AuthenticatedIpSpec() => new(Math.Max(1, IpAuthenticatedPerHour), Hour);

    public LimitSpec UnauthenticatedIpSpec() => new(Math.Max(1, IpUnauthenticatedPerHour), Hour);

    public LimitSpec GlobalSpec() => new(Math.Max(1, GlobalPerMinute), Minute);

    public int LeaseSize(int limit) => (int)Math.Clamp((long)limit * LeasePercent / 100, 1, Math.Max(1, LeaseMax));

    public TimeSpan LeaseLifetime => TimeSpan.FromSeconds(Math.Max(0.1, LeaseSeconds));
}
