using Grains.Interfaces.AgentTrust;
using Grains.Interfaces.Tenants;

namespace Grains.Delegations;

/// <summary>
/// Who may delegate what, checked by the grain that makes the grant (a delegation, a proposal's first round) from the
/// grantor key's own record, so no caller of the grain can skip it: downward only (<see cref="DelegationRules.WithinGrantor"/>),
/// and an agent key from trust level 2 (other keys are not subject to trust levels).
/// </summary>
internal static class Grantors
{
    public static async Task RequireMayDelegate(IGrainFactory grains, string partition, string keyId, IReadOnlyList<string> actions,
        bool proposal, DateTimeOffset now)
    {
        var tenantId = partition[..partition.IndexOf(':')];
        var environment = partition[(partition.IndexOf(':') + 1)..];
        // A key that is not an active key of the partition holds nothing.
        var key = await UsableKeys.Find(grains, tenantId, keyId, environment, now);
        DelegationRules.WithinGrantor(key is null ? [] : ApiKeyScopes.Of(key), actions, proposal);
        if (TrustLevels.IsAgentKey(keyId))
        {
            await grains.GetGrain<IAgentTrustGrain>(TrustLevels.Grain(partition, keyId)).RequireLevel(TrustLevels.Delegate, "delegation");
        }
    }
}
