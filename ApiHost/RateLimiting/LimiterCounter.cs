using Grains.Interfaces.RateLimiting;

namespace ApiHost.RateLimiting;

/// <summary>
/// One subject's local state in one ApiHost: the lease being spent, at most one prefetched lease,
/// one grain call in flight, the last refusal (answered locally for up to a second), and the unused
/// tokens of retired leases waiting to ride along with the next grain call. The hot path touches
/// only <see cref="TryTake"/>; everything else runs under a lock once per lease.
/// </summary>
internal sealed class LimiterCounter(string grainKey)
{
    /// <summary>How long a refusal is answered without asking the grain again (another ApiHost may hand tokens back).</summary>
    private static readonly TimeSpan DenialRecheck = TimeSpan.FromSeconds(1);

    /// <summary>After a failed grain call, requests are admitted without counting for this long before trying again.</summary>
    private static readonly TimeSpan FailOpenPeriod = TimeSpan.FromSeconds(1);

    private const int MaxAttempts = 8;

    private readonly object gate = new();
    private readonly List<LeaseReturn> returns = [];
    private Lease? current;
    private Lease? next;
    private Task? fetching;
    private LeaseGrant? denial;
    private DateTimeOffset deniedUntil;
    private DateTimeOffset failOpenUntil;

    public DateTimeOffset LastActive { get; private set; }

    public bool Fetching => fetching is { IsCompleted: false };

    /// <summary>The hot path: one volatile read, a clock comparison and an interlocked decrement.</summary>
    public bool TryTake(DateTimeOffset now, out Admission admission)
    {
        var lease = Volatile.Read(ref current);
        if (lease is not null && now < lease.ExpiresAt)
        {
            var left = Interlocked.Decrement(ref lease.Remaining);
            if (left >= 0)
            {
                admission = new Admission(true, lease.Grant, left, lease);
                return true;
            }
        }
        admission = default;
        return false;
    }

    /// <summary>Fetches the next lease in the background while the current one still has tokens.</summary>
    public void Prefetch(LeasedLimiter owner, LimitSpec spec)
    {
        lock (gate)
        {
            if (!Fetching && next is null)
            {
                fetching = FetchAsync(owner, spec);
            }
        }
    }

    /// <summary>The lease ran out or expired: promote the prefetched one, or wait for the grain.</summary>
    public async ValueTask<Admission> AcquireAsync(LeasedLimiter owner, LimitSpec spec)
    {
        for (var attempt = 0; ; attempt++)
        {
            var now = owner.Time.GetUtcNow();
            Task wait;
            lock (gate)
            {
                LastActive = now;
                if (TryTakeOrPromote(now, out var admission))
                {
                    return admission;
                }
                if (now < deniedUntil && denial is not null)
                {
                    return Admission.Deny(denial);
                }
                if (now < failOpenUntil)
                {
                    return Admission.FailOpen;
                }
                if (attempt >= MaxAttempts)
                {
                    // Each fresh lease went to concurrent requests first (small leases, many waiters): refuse
                    // this one rather than loop, and never admit beyond what was leased.
                    return Admission.Deny(new LeaseGrant(0, 0, 0, spec.Limit, 0, 0, now, 1));
                }
                wait = Fetching ? fetching! : fetching = FetchAsync(owner, spec);
            }
            await wait;
        }
    }

    private bool TryTakeOrPromote(DateTimeOffset now, out Admission admission)
    {
        if (TryTake(now, out admission))
        {
            return true;
        }
        if (current is { } spent)
        {
            Retire(spent);
            current = null;
        }
        if (next is { } prefetched)
        {
            next = null;
            if (now < prefetched.ExpiresAt)
            {
                Volatile.Write(ref current, prefetched);
                return TryTake(now, out admission);
            }
            Retire(prefetched);
        }
        return false;
    }

    private async Task FetchAsync(LeasedLimiter owner, LimitSpec spec)
    {
        LeaseRequest request;
        lock (gate)
        {
            // Never hold more than one lease's worth: that is the documented bound on over-admission.
            var held = current is { } lease ? Math.Max(0, Volatile.Read(ref lease.Remaining)) : 0;
            request = new LeaseRequest(Math.Max(1, owner.LeaseSize(spec) - held), spec, returns.Count == 0 ? null : [.. returns]);
            returns.Clear();
        }
        try
        {
            var grant = await owner.Grain(grainKey).Lease(request);
            var now = owner.Time.GetUtcNow();
            lock (gate)
            {
                Install(grant, now, owner.LeaseLifetime);
            }
        }
        catch (Exception ex)
        {
            lock (gate)
            {
                failOpenUntil = owner.Time.GetUtcNow() + FailOpenPeriod;
            }
            owner.ReportFailure(grainKey, ex);
        }
    }

    private void Install(LeaseGrant grant, DateTimeOffset now, TimeSpan lifetime)
    {
        if (grant.Granted == 0)
        {
            denial = grant;
            var recheck = TimeSpan.FromSeconds(Math.Max(1, grant.RetryAfterSeconds));
            deniedUntil = now + (recheck < DenialRecheck ? recheck : DenialRecheck);
            return;
        }
        deniedUntil = default;
        var lease = new Lease(grant, now + lifetime);
        if (current is { } live && now < live.ExpiresAt && Volatile.Read(ref live.Remaining) > 0)
        {
            if (next is { } stale)
            {
                Retire(stale);
            }
            next = lease;
            return;
        }
        if (current is { } spent)
        {
            Retire(spent);
        }
        Volatile.Write(ref current, lease);
    }

    private void Retire(Lease lease)
    {
        if (lease.Retire() is { } unused)
        {
            returns.Add(unused);
        }
    }
}
