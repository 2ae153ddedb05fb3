using Grains.Events;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Telemetry;
using Grains.Platform;

namespace Grains.Delegations;

/// <summary>
/// Expiry and the cascade. The expiry is a reminder due at <c>expires_at</c> (a read or a spend after that instant finds
/// it expired even before the tick). An end — revocation or expiry — is written once, then passed to every child as a
/// one-way notice; each child writes its own end (naming the link that ended first) and passes it on. A request under
/// a descendant therefore finds it ended in its own state, with no walk up the chain; a reservation goes up the chain
/// anyway, so every ancestor refuses it too if a notice were ever lost.
/// </summary>
public sealed partial class DelegationGrain
{
    public const string ExpiryReminder = "delegation-expiry";

    private static readonly TimeSpan ExpiryPeriod = TimeSpan.FromMinutes(5);

    // Reminders cannot wait beyond ~49 days at once: a later expiry is reached in steps (an early tick re-arms).
    private static readonly TimeSpan MaxReminderWait = TimeSpan.FromDays(30);

    public override async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ApprovalReminder && Current.Record is not null)
        {
            await ExpireApprovals();
            return;
        }
        if (reminderName != ExpiryReminder)
        {
            await base.ReceiveReminder(reminderName, status);
            return;
        }
        SalesboothMetrics.ReminderTick(reminderName);
        var now = time.GetUtcNow();
        if (Current.Record is { Ended: null, ExpiresAt: { } expires } current && now >= expires)
        {
            await End(new DelegationEnd(DelegationKeys.Expired, expires, current.Id));
            return;
        }
        await ArmExpiry();
    }

    public async Task AncestorEnded(DelegationEnd end)
    {
        if (Current.Record is { Ended: null })
        {
            await End(end);
        }
    }

    /// <summary>Writes the end with its event (<c>delegation.revoked</c> / <c>delegation.expired</c>), then tells the children.</summary>
    private async Task End(DelegationEnd end)
    {
        var current = Existing();
        var now = time.GetUtcNow();
        var next = current with
        {
            Ended = end,
            RevokedAt = end.Status == DelegationKeys.Revoked ? end.At : current.RevokedAt,
            Version = Current.Version + 1,
            UpdatedAt = now,
        };
        await Save(next, [Outbox.Event($"delegation.{end.Status}", end.At, new
        {
            id = next.Id,
            delegation_id = next.Id,
            grantee_agent_key_id = next.GranteeKeyId,
            status = end.Status,
            ended_by = end.EndedBy,
            delegation_chain = next.Chain,
            occurred_at = end.At,
        })]);
        foreach (var child in Current.Children)
        {
            await Link(child).AncestorEnded(end);
        }
        await ArmExpiry();
    }

    /// <summary>Registers the reminder for a pending expiry, or removes it when there is none.</summary>
    private Task ArmExpiry() => this.ArmAsync(ExpiryReminder, Current.Record is { Ended: null, ExpiresAt: { } expires } ? expires : null,
        time.GetUtcNow(), MaxReminderWait, ExpiryPeriod);
}
