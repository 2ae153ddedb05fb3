using Grains.Interfaces.AgentTrust;
using Grains.Interfaces.Deals;

namespace Grains.Deals;

/// <summary>
/// Agent trust on the deal: a change by an agent key (<c>key_agent_...</c>) that creates the deal's value or raises it
/// is checked against the key's trust cap first (403 <c>trust_cap_exceeded</c>, nothing written); the key that
/// created the deal (<see cref="DealState.AgentKeyId"/>) is told when it closes (completed) or is cancelled or expires (failed).
/// </summary>
public sealed partial class DealGrain
{
    private async Task CheckTrustCap(DealView? next, DealActor actor)
    {
        if (next is null || !TrustLevels.IsAgentKey(actor.Actor) || (Current.Record is { } before && next.Pricing.Total <= before.Pricing.Total))
        {
            return;
        }
        await Trust(actor.Actor).CheckCap(next.Pricing.Total, ResourceId);
    }

    /// <summary>The agent key the deal is credited to: the one that created it (kept from then on).</summary>
    private string? AgentKeyAfter(DealState previous, DealView? next, DealActor actor) =>
        previous.AgentKeyId ?? (previous.Record is null && next is not null && TrustLevels.IsAgentKey(actor.Actor) ? actor.Actor : null);

    /// <summary>After a status move into a final status: the creating agent key's record counts the deal (one-way, once per deal).</summary>
    private void CountForTrust(string status, DealView deal)
    {
        if (Current.AgentKeyId is not { } keyId)
        {
            return;
        }
        switch (status)
        {
            case DealStatuses.Closed:
                Trust(keyId).DealCompleted(deal.Id, deal.Pricing.Total).Ignore();
                break;
            case DealStatuses.Cancelled or DealStatuses.Expired:
                Trust(keyId).DealFailed(deal.Id).Ignore();
                break;
        }
    }

    private IAgentTrustGrain Trust(string keyId) => GrainFactory.GetGrain<IAgentTrustGrain>(TrustLevels.Grain(Partition, keyId));
}
