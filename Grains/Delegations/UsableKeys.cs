using Grains.Interfaces.Tenants;

namespace Grains.Delegations;

/// <summary>Whether an API key id names an active key of a tenant and environment (grantors, grantees, proposal parties).</summary>
internal static class UsableKeys
{
    public static async Task<bool> IsUsable(IGrainFactory grains, string tenantId, string keyId, string? environment, DateTimeOffset now) =>
        await Find(grains, tenantId, keyId, environment, now) is not null;

    /// <summary>The key when it is an active key of the tenant and environment; null otherwise.</summary>
    public static async Task<ApiKeyRecord?> Find(IGrainFactory grains, string tenantId, string keyId, string? environment, DateTimeOffset now)
    {
        var hash = await grains.GetGrain<ITenantGrain>(tenantId).FindApiKeyHash(keyId);
        var key = hash is null ? null : await grains.GetGrain<IApiKeyGrain>(hash).Get();
        return key is not null && key.TenantId == tenantId && key.Environment == environment && key.IsUsableAt(now) ? key : null;
    }
}
