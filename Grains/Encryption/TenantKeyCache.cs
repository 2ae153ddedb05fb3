using System.Collections.Concurrent;

namespace Grains.Encryption;

/// <summary>
/// Silo-side cache of unwrapped tenant keys: one keyring call and two unwraps per tenant per silo, then
/// in-memory. Keys never leave the silo process unwrapped.
/// </summary>
public sealed class TenantKeyCache(IGrainFactory grains, MasterKey master)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<TenantCrypto>>> tenants = new(StringComparer.Ordinal);

    public async Task<TenantCrypto> ForTenant(string tenantId)
    {
        var entry = tenants.GetOrAdd(tenantId, id => new Lazy<Task<TenantCrypto>>(() => LoadAsync(id)));
        try
        {
            return await entry.Value;
        }
        catch
        {
            // A failed load (storage hiccup) must not stick: the next caller tries again.
            tenants.TryRemove(KeyValuePair.Create(tenantId, entry));
            throw;
        }
    }

    private async Task<TenantCrypto> LoadAsync(string tenantId)
    {
        var keys = await grains.GetGrain<ITenantKeyringGrain>(tenantId).GetKeys();
        return TenantCrypto.Unwrap(tenantId, keys, master);
    }
}
