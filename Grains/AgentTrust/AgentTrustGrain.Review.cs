using Grains.Events;
using Grains.Interfaces.AgentTrust;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Telemetry;
using Grains.Platform;

namespace Grains.AgentTrust;

/// <summary>
/// What time changes on a key's trust, driven by one reminder due at the earliest of: the 30-day track record (a
/// promotion to level 3 without a further deal), the decay warning (<c>agent.trust.decay_warning</c>, a week before
/// inactivity starts costing points), the next decay step (a demotion with reason <c>decay</c>), and a capability
/// lock's expiry (<c>agent.trust.lock_released</c>). Abuse detection: the <see cref="TrustLevels.AbuseFailures"/>th
/// failed deal within <see cref="TrustLevels.AbuseWindow"/> locks <see cref="TrustLevels.AbuseLocked"/> for
/// <see cref="TrustLevels.LockPeriod"/> (<c>agent.trust.abuse_detected</c>); a locked capability is 403
/// <c>authorization_error.capability_locked</c>.
/// </summary>
public sealed partial class AgentTrustGrain
{
    public const string ReviewReminder = "agent-trust-review";

    private static readonly TimeSpan ReviewMaxWait = TimeSpan.FromDays(30);
    private static readonly TimeSpan ReviewPeriod = TimeSpan.FromHours(1);

    public override async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReviewReminder)
        {
            await base.ReceiveReminder(reminderName, status);
            return;
        }
        SalesboothMetrics.ReminderTick(reminderName);
        if (Current.Record is not { } stored)
        {
            await ArmReview();
            return;
        }
        var now = time.GetUtcNow();
        var current = Existing(now);
        List<OutboxEvent> events = [];
        if (WarningDue(current, now))
        {
            current = current with { DecayWarnedFor = current.LastCompletedAt };
            events.Add(Outbox.Event("agent.trust.decay_warning", now, new
            {
                key_id = current.KeyId,
                trust_level = current.Level,
                score = current.Score,
                last_completed_at = current.LastCompletedAt,
                decay_starts_at = current.LastCompletedAt + TrustLevels.DecayGrace,
                decay_points = TrustLevels.DecayPoints,
                decay_every_days = TrustLevels.DecayStep.TotalDays,
            }));
        }
        var released = stored.Locks.Where(l => l.ExpiresAt <= now).ToList();
        if (released.Count > 0)
        {
            current = current with { Locks = current.ActiveLocks(now) };
            events.Add(Outbox.Event("agent.trust.lock_released", now, new
            {
                key_id = current.KeyId,
                capabilities = released.Select(l => l.Capability),
                reason = released[0].Reason,
                released_at = now,
            }));
        }
        // A lower level here is inactivity's doing; a higher one the track record's.
        var reason = Rated(current, now).Level < stored.Level ? "decay" : "score";
        await Save(Stamp(current, now), now, reason, "system", events, onlyIfLevelChanged: true);
        await ArmReview();
    }

    /// <summary>The failures in the window reached the threshold: the abuse lock (replacing an earlier one) and its event.</summary>
    private static (AgentTrustView, IReadOnlyList<OutboxEvent>) DetectAbuse(AgentTrustView next, DateTimeOffset now)
    {
        var recent = next.RecentFailures.Where(at => at > now - TrustLevels.AbuseWindow).ToList();
        if (recent.Count < TrustLevels.AbuseFailures)
        {
            return (next with { RecentFailures = recent }, []);
        }
        var until = now + TrustLevels.LockPeriod;
        var locks = TrustLevels.AbuseLocked.Select(c => new AgentTrustLock(c, TrustLevels.AbuseReason, now, until)).ToList();
        var locked = next with
        {
            Locks = [.. next.Locks.Where(l => !TrustLevels.AbuseLocked.Contains(l.Capability)), .. locks],
            RecentFailures = [],
        };
        return (locked, [Outbox.Event("agent.trust.abuse_detected", now, new
        {
            key_id = next.KeyId,
            reason = TrustLevels.AbuseReason,
            failed_deals = recent.Count,
            window_hours = TrustLevels.AbuseWindow.TotalHours,
            locked_capabilities = TrustLevels.AbuseLocked,
            locked_until = until,
            detected_at = now,
        })]);
    }

    private static DomainException Locked(AgentTrustLock locked) => new(TrustErrors.CapabilityLocked,
        $"The capability {locked.Capability} of this key is locked ({locked.Reason}) until {locked.ExpiresAt:O}",
        new TrustLockDetails(locked.Capability, locked.Reason, locked.ExpiresAt));

    private static bool WarningDue(AgentTrustView v, DateTimeOffset now) =>
        v.LastCompletedAt is { } last && v.DecayWarnedFor != last && now >= last + TrustLevels.DecayGrace - TrustLevels.DecayWarning;

    /// <summary>The reminder at the earliest thing time will change, or none.</summary>
    private Task ArmReview()
    {
        var now = time.GetUtcNow();
        List<DateTimeOffset> due = [];
        if (Current.Record is { } stored)
        {
            var current = Rated(stored, now);
            if (current.FirstCompletedAt is { } first && current.Level < 3 && now < first + TrustLevels.TrackRecord)
            {
                due.Add(first + TrustLevels.TrackRecord);
            }
            if (current.LastCompletedAt is { } last && current.DecayWarnedFor != last)
            {
                due.Add(last + TrustLevels.DecayGrace - TrustLevels.DecayWarning);
            }
            // Decay stops mattering once it has taken the whole score.
            if (current.Score > 0 && TrustLevels.NextDecayAt(current.LastCompletedAt, now) is { } step)
            {
                due.Add(step);
            }
            due.AddRange(stored.Locks.Where(l => l.ExpiresAt is not null).Select(l => l.ExpiresAt!.Value));
        }
        return this.ArmAsync(ReviewReminder, due.Count == 0 ? null : due.Min(), now, ReviewMaxWait, ReviewPeriod);
    }
}
