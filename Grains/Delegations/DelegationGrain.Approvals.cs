using Grains.Events;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Telemetry;
using Grains.Platform;

namespace Grains.Delegations;

/// <summary>
/// Approvals. A deal whose value is above the named delegation's <c>approval_threshold</c> is reserved as any other
/// (it holds the budget while it waits) and held pending for the grantor: <c>agent.approval_required</c>, a reminder
/// at <c>approval_timeout</c>. Approved, the hold stays; rejected or expired, it is released up the chain. Either way
/// the deal is told with a one-way notice (it refuses to move on while its approval is pending, and cancels itself
/// when the approval is refused).
/// </summary>
public sealed partial class DelegationGrain
{
    public const string ApprovalReminder = "delegation-approval-timeout";

    /// <summary>A deal above the threshold with no approval that covers its amount: held pending (the approval and its event).</summary>
    private static (DelegationView, OutboxEvent?) HoldForApproval(DelegationView d, string dealId, decimal amount, string action, DateTimeOffset now)
    {
        var existing = d.Approvals.FirstOrDefault(a => a.DealId == dealId);
        if (d.ApprovalThreshold is not { } threshold || amount <= threshold
            || existing is { Status: DelegationApprovals.Approved } approved && approved.Amount >= amount)
        {
            return (d, null);
        }
        DateTimeOffset? expires = d.ApprovalTimeoutHours is > 0 and var hours ? now.AddHours(hours) : null;
        var approval = new DelegationApproval(dealId, amount, action, DelegationApprovals.Pending, now, expires);
        var next = d with { Approvals = With(d.Approvals, approval) };
        return (next, Outbox.Event("agent.approval_required", now, new
        {
            id = d.Id,
            delegation_id = d.Id,
            deal_id = dealId,
            grantor_key_id = d.GrantorKeyId,
            grantee_agent_key_id = d.GranteeKeyId,
            amount,
            approval_threshold = threshold,
            action,
            expires_at = expires,
            requested_at = now,
        }));
    }

    public async Task<DelegationView> Decide(DelegationDecision decision)
    {
        var now = time.GetUtcNow();
        var current = Existing();
        if (current.GrantorKeyId != decision.CallerKeyId && !decision.CallerIsAdmin)
        {
            throw new DomainException("authorization_error.delegation_not_grantor",
                $"Only the grantor of delegation {current.Id} (or an admin key) may decide its approvals",
                new DelegationStateDetails(current.Id, current.StatusAt(now)));
        }
        var approval = current.Approvals.FirstOrDefault(a => a.DealId == decision.DealId)
            ?? throw DomainException.NotFound("Approval");
        if (!approval.IsPending)
        {
            throw DomainException.Conflict("conflict.approval_decided", $"The approval of {decision.DealId} is already {approval.Status}");
        }
        if (decision.Approve && current.StatusAt(now) != DelegationKeys.Active)
        {
            throw DelegationRules.Inactive(current, now);
        }
        var status = decision.Approve ? DelegationApprovals.Approved : DelegationApprovals.Rejected;
        await Resolve(approval, status, decision.CallerKeyId, decision.Note, now);
        return View(now);
    }

    /// <summary>Writes the decision (or expiry) with its event, releases a refused hold up the chain and tells the deal.</summary>
    private async Task Resolve(DelegationApproval approval, string status, string? by, string? note, DateTimeOffset now)
    {
        var current = Existing();
        var decided = approval with { Status = status, DecidedAt = now, DecidedBy = by, Note = note };
        var next = current with { Approvals = With(current.Approvals, decided), Version = Current.Version + 1, UpdatedAt = now };
        await Save(next, [Outbox.Event($"agent.approval_{status}", now, new
        {
            id = current.Id,
            delegation_id = current.Id,
            deal_id = approval.DealId,
            amount = approval.Amount,
            status,
            decided_by = by,
            note,
            decided_at = now,
        })], activity: [Entry($"approval_{status}", approval.DealId, approval.Amount, now)]);
        if (status != DelegationApprovals.Approved)
        {
            await ReleaseUpTheChain(approval.DealId);
        }
        GrainFactory.GetGrain<IDealGrain>(DealKeys.Grain(Partition, approval.DealId)).ApprovalDecided(current.Id, status).Ignore();
        await ArmApprovals();
    }

    /// <summary>The approval timeout: every pending approval due by now expires (an early tick only re-arms).</summary>
    private async Task ExpireApprovals()
    {
        SalesboothMetrics.ReminderTick(ApprovalReminder);
        var now = time.GetUtcNow();
        foreach (var due in Existing().Approvals.Where(a => a.IsPending && a.ExpiresAt <= now).ToList())
        {
            await Resolve(due, DelegationApprovals.Expired, null, "approval_timeout", now);
        }
        await ArmApprovals();
    }

    /// <summary>The reminder due at the earliest pending approval's timeout, or none.</summary>
    private Task ArmApprovals() => this.ArmAsync(ApprovalReminder,
        Current.Record?.Approvals.Where(a => a.IsPending && a.ExpiresAt is not null).Min(a => a.ExpiresAt), time.GetUtcNow(), MaxReminderWait,
        ExpiryPeriod);

    /// <summary>The approvals with <paramref name="approval"/> in place of the deal's, keeping the pending ones and the newest decided.</summary>
    private static List<DelegationApproval> With(IReadOnlyList<DelegationApproval> approvals, DelegationApproval approval)
    {
        var others = approvals.Where(a => a.DealId != approval.DealId).ToList();
        var decided = others.Where(a => !a.IsPending).OrderByDescending(a => a.DecidedAt).Take(DelegationApprovals.DecidedKept - 1).ToHashSet();
        return [.. others.Where(a => a.IsPending || decided.Contains(a)), approval];
    }
}
