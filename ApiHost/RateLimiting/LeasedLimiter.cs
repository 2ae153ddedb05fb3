using System.Collections.Concurrent;
using Grains.Interfaces.RateLimiting;
using Microsoft.Extensions.Options;

namespace ApiHost.RateLimiting;

/// <summary>
/// The ApiHost side of rate limiting: per tier, a local counter per subject that spends tokens leased
/// in batches from that subject's <see cref="IRateLimiterGrain"/>. Most requests cost a dictionary
/// lookup and an interlocked decrement; the grain is called once per lease (in the background when
/// the lease runs low). Each ApiHost holds at most one lease per subject, which bounds over-admission.
/// </summary>
public sealed class LeasedLimiter
{
    private readonly IGrainFactory grains;
    private readonly ILogger<LeasedLimiter> logger;
    private readonly ConcurrentDictionary<int, LimitSpec> keySpecs = new();
    private DateTimeOffset lastFailureLog;

    public LeasedLimiter(IGrainFactory grains, TimeProvider time, IOptions<RateLimitSettings> options, ILogger<LeasedLimiter> logger)
    {
        this.grains = grains;
        this.logger = logger;
        Time = time;
        Settings = options.Value;
        Keys = new LimiterTier(this, RateLimitSubjects.Key);
        AuthenticatedIps = new LimiterTier(this, RateLimitSubjects.AuthenticatedIp);
        UnauthenticatedIps = new LimiterTier(this, RateLimitSubjects.UnauthenticatedIp);
        Global = new LimiterTier(this, _ => RateLimitSubjects.Global);
        AuthenticatedIpSpec = Settings.AuthenticatedIpSpec();
        UnauthenticatedIpSpec = Settings.UnauthenticatedIpSpec();
        GlobalSpec = Settings.GlobalSpec();
    }

    public RateLimitSettings Settings { get; }

    public bool Enabled => Settings.Enabled;

    public TimeProvider Time { get; }

    public LimiterTier Keys { get; }

    public LimiterTier AuthenticatedIps { get; }

    public LimiterTier UnauthenticatedIps { get; }

    public LimiterTier Global { get; }

    public LimitSpec AuthenticatedIpSpec { get; }

    public LimitSpec UnauthenticatedIpSpec { get; }

    public LimitSpec GlobalSpec { get; }

    internal TimeSpan LeaseLifetime => Settings.LeaseLifetime;

    /// <summary>The key tier's limit: the key's own <c>rate_limit_per_minute</c> or the default (specs cached per limit).</summary>
    public LimitSpec KeySpec(int? overridePerMinute) =>
        keySpecs.GetOrAdd(overridePerMinute ?? Settings.KeyPerMinute, static (limit, settings) => settings.KeySpec(limit), Settings);

    internal int LeaseSize(LimitSpec spec) => Settings.LeaseSize(spec.Limit);

    internal IRateLimiterGrain Grain(string grainKey) => grains.GetGrain<IRateLimiterGrain>(grainKey);

    /// <summary>Fail open, but say so (at most every 10 s): limits are off for the subject while its grain is unreachable.</summary>
    internal void ReportFailure(string grainKey, Exception ex)
    {
        var now = Time.GetUtcNow();
        if (now - lastFailureLog < TimeSpan.FromSeconds(10))
        {
            return;
        }
        lastFailureLog = now;
        logger.LogWarning(ex, "Rate limiter {Subject} unreachable; admitting without counting for a second", grainKey);
    }
}

/// <summary>One tier's local counters (per key, per IP, global), dropped again when idle.</summary>
public sealed class LimiterTier(LeasedLimiter owner, Func<string, string> grainKey)
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan IdleAfter = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, LimiterCounter> counters = new(StringComparer.Ordinal);
    private DateTimeOffset lastSweep;

    internal int Count => counters.Count;

    /// <summary>Whether a lease request for the subject is on its way (tests wait for prefetches with it).</summary>
    internal bool IsFetching(string subject) => counters.TryGetValue(subject, out var counter) && counter.Fetching;

    public ValueTask<Admission> AcquireAsync(string subject, LimitSpec spec)
    {
        if (!counters.TryGetValue(subject, out var counter))
        {
            counter = counters.GetOrAdd(subject, static (s, key) => new LimiterCounter(key(s)), grainKey);
        }
        var now = owner.Time.GetUtcNow();
        if (counter.TryTake(now, out var admission))
        {
            if (admission.LocalLeft == admission.Lease!.LowWater)
            {
                counter.Prefetch(owner, spec);
            }
            return new ValueTask<Admission>(admission);
        }
        // Acquire first: it marks the counter active before the sweep looks at it.
        var slow = counter.AcquireAsync(owner, spec);
        SweepIfDue(now);
        return slow;
    }

    /// <summary>Bounds memory under many distinct subjects (IPs): counters idle for minutes hold nothing worth keeping.</summary>
    private void SweepIfDue(DateTimeOffset now)
    {
        if (now - lastSweep < SweepEvery)
        {
            return;
        }
        lastSweep = now;
        foreach (var (subject, counter) in counters)
        {
            if (now - counter.LastActive > IdleAfter && !counter.Fetching)
            {
                counters.TryRemove(subject, out _);
            }
        }
    }
}
