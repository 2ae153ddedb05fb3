using Grains.Interfaces.Deals;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Platform;
using Microsoft.Extensions.Logging;

namespace Grains.Deals;

/// <summary>
/// A deal created or raised under a delegation (<see cref="DealActor.DelegationId"/>): its total is reserved in the
/// delegation chain before the change is written (a refusal leaves nothing), released when the deal is cancelled or
/// expires, and settled as spent when it closes.
/// </summary>
public sealed partial class DealGrain
{
    /// <summary>
    /// The hold the deal keeps after a change by <paramref name="actor"/>. Under a delegation, a creation, or a change
    /// that raises the total above what is held, reserves the new total in the delegation chain (refused: nothing is
    /// written); the action checked is the request's (<c>deals:sign</c>, <c>agent:negotiate</c> or <c>deals:write</c>).
    /// A deal is held under one delegation: a change under another is 409.
    /// </summary>
    private async Task<DealDelegationHold?> HoldUnderDelegation(DealView? next, DealActor actor, string auditAction)
    {
        var held = Current.Delegation;
        // An offer changes no value: it is checked against the budget (CheckProposedValue), not reserved.
        if (actor.DelegationId is not { } delegationId || next is null || auditAction is "deal.negotiation_proposed" or "deal.negotiation_counter_proposed")
        {
            return held;
        }
        if (held is not null && held.DelegationId != delegationId)
        {
            throw DomainException.Conflict("conflict.deal_held_by_other_delegation",
                $"The deal's value is held under delegation {held.DelegationId}; change it under that delegation");
        }
        var amount = next.Pricing.Total;
        if (held is not null && amount <= held.Amount)
        {
            return held;
        }
        var action = auditAction switch
        {
            "deal.signed" or "deal.signature_added" => "deals:sign",
            "deal.negotiation_accepted" => "agent:negotiate",
            _ => "deals:write",
        };
        var reserved = await Delegation(delegationId).Reserve(new DelegationSpend(actor.Actor, action, amount, ResourceId));
        return new DealDelegationHold(delegationId, amount, reserved.Approvals.Any(a => a.DealId == ResourceId && a.IsPending));
    }

    /// <summary>
    /// A proposed value under a delegation (a negotiation offer by its grantee) must fit what the chain could still
    /// reserve for this deal: 403 <c>DELEGATION_BUDGET_EXCEEDED</c> otherwise. A deal held under another delegation is 409.
    /// </summary>
    private async Task CheckProposedValue(DealView proposed, DealActor actor)
    {
        if (actor.DelegationId is not { } delegationId)
        {
            return;
        }
        if (Current.Delegation is { } held && held.DelegationId != delegationId)
        {
            throw DomainException.Conflict("conflict.deal_held_by_other_delegation",
                $"The deal's value is held under delegation {held.DelegationId}; negotiate it under that delegation");
        }
        await Delegation(delegationId).CheckBudget(new DelegationSpend(actor.Actor, "agent:negotiate", proposed.Pricing.Total, ResourceId));
    }

    public async Task ApprovalDecided(string delegationId, string status)
    {
        if (Current.Record is not { } current || Current.Delegation is not { AwaitingApproval: true } hold || hold.DelegationId != delegationId)
        {
            return;
        }
        var now = time.GetUtcNow();
        var decided = hold with { AwaitingApproval = false };
        var changes = new { delegation_id = delegationId, approval = status };
        if (status == DelegationApprovals.Approved || DealStateMachine.Find(current.Status, DealStatuses.Cancelled, DealStateMachine.TransitionAction) is null)
        {
            await CommitAudited(Stamp(current, now), [], SystemActor, $"deal.approval_{status}", changes, s => s.Delegation = decided);
            return;
        }
        await Apply(current, Lookup(current, DealStatuses.Cancelled, DealStateMachine.TransitionAction), SystemActor, now, d => d, [],
            $"deal.approval_{status}", changes, s => s.Delegation = decided);
    }

    /// <summary>409 while the deal's value waits for its delegation's approval: only cancelling (or expiring) moves it on.</summary>
    private void EnsureApproved(string target)
    {
        if (Current.Delegation is { AwaitingApproval: true } hold && target is not (DealStatuses.Cancelled or DealStatuses.Expired))
        {
            throw DomainException.Conflict("conflict.approval_pending",
                $"The deal's value waits for the approval of delegation {hold.DelegationId}'s grantor; it can only be cancelled until then");
        }
    }

    /// <summary>After a status move: a cancelled or expired deal releases its hold, a closed one settles it (both idempotent).</summary>
    private async Task SettleDelegation(string status)
    {
        if (Current.Delegation is not { } hold)
        {
            return;
        }
        try
        {
            switch (status)
            {
                case DealStatuses.Cancelled or DealStatuses.Expired:
                    await Delegation(hold.DelegationId).Release(ResourceId);
                    break;
                case DealStatuses.Closed:
                    await Delegation(hold.DelegationId).Settle(ResourceId);
                    break;
            }
        }
        catch (Exception ex)
        {
            // The move is written; the hold stays reserved (it still counts against the caps: never an overspend).
            logger.LogWarning(ex, "Settling the delegation hold of {Deal} as {Status} failed", GrainKey, status);
        }
    }

    private IDelegationGrain Delegation(string delegationId) =>
        GrainFactory.GetGrain<IDelegationGrain>(DelegationKeys.Grain(Partition, delegationId));
}

/// <summary>The delegation and amount a deal's creation reserved; <see cref="AwaitingApproval"/> while its grantor has not approved it.</summary>
[GenerateSerializer, Immutable, Alias("deals.delegation-hold")]
public sealed record DealDelegationHold([property: Id(0)] string DelegationId, [property: Id(1)] decimal Amount,
    [property: Id(2)] bool AwaitingApproval = false);
