using Grains.Interfaces.Deals;
using Grains.Interfaces.Delegations;
using Microsoft.Extensions.Logging;

namespace Grains.Deals;

/// <summary>
/// A deal created under a delegation (<see cref="DealActor.DelegationId"/>): its total is reserved in the delegation
/// chain before the deal is written (a refusal leaves nothing), released when the deal is cancelled or expires, and
/// settled as spent when it closes.
/// </summary>
public sealed partial class DealGrain
{
    /// <summary>The action a deal creation needs in the delegation's <c>allowed_actions</c>.</summary>
    private const string CreateAction = "deals:write";

    private async Task<DealDelegationHold?> HoldUnderDelegation(DealView deal, DealActor actor)
    {
        if (actor.DelegationId is not { } delegationId)
        {
            return null;
        }
        var amount = deal.Pricing.Total;
        await Delegation(delegationId).Reserve(new DelegationSpend(actor.Actor, CreateAction, amount, ResourceId));
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
