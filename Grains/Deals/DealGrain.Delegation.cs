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
        if (actor.DelegationId is not { } delegationId || next is null)
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
        await Delegation(delegationId).Reserve(new DelegationSpend(actor.Actor, action, amount, ResourceId));
        return new DealDelegationHold(delegationId, amount);
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

/// <summary>The delegation and amount a deal's creation reserved.</summary>
[GenerateSerializer, Immutable, Alias("deals.delegation-hold")]
public sealed record DealDelegationHold([property: Id(0)] string DelegationId, [property: Id(1)] decimal Amount);
