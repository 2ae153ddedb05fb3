using System.Collections.Concurrent;
using Grains.Interfaces.Tenants;

namespace ApiHost.Auth;

/// <summary>
/// Verified keys and their tenant's settings, kept in memory so checking a key costs a hash and a
/// dictionary lookup, not a grain call. Entries live <see cref="Lifetime"/>: a key revoked through
/// another ApiHost stops working here within that time; through this one, at once (<see cref="Invalidate"/>).
/// </summary>
public sealed class ApiKeyCache(IGrainFactory grains, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public async ValueTask<CachedKey?> GetAsync(string secretHash, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (entries.TryGetValue(secretHash, out var entry) && entry.LoadedAt + Lifetime > now)
        {
            MaybeTouch(secretHash, entry, now);
            return entry.Key;
        }

        var record = await grains.GetGrain<IApiKeyGrain>(secretHash).Get().WaitAsync(cancellationToken);
        CachedKey? key = null;
        if (record is not null)
        {
            var settings = await grains.GetGrain<ITenantGrain>(record.TenantId).GetSettings().WaitAsync(cancellationToken);
            key = new CachedKey(record, settings);
        }
        entry = new Entry(key, now) { LastTouched = entry?.LastTouched ?? DateTimeOffset.MinValue };
        entries[secretHash] = entry;
        MaybeTouch(secretHash, entry, now);
        return key;
    }

    public void Invalidate(string secretHash) => entries.TryRemove(secretHash, out _);

    /// <summary>Drops every entry of a tenant (its settings changed).</summary>
    public void InvalidateTenant(string tenantId)
    {
        foreach (var (hash, entry) in entries)
        {
            if (entry.Key?.Record.TenantId == tenantId)
            {
                entries.TryRemove(hash, out _);
            }
        }
    }

    /// <summary><c>last_used_at</c> at minute precision, without a grain write per request.</summary>
    private void MaybeTouch(string secretHash, Entry entry, DateTimeOffset now)
    {
        if (entry.Key is null || now - entry.LastTouched < TouchInterval)
        {
            return;
        }
        entry.LastTouched = now;
        _ = grains.GetGrain<IApiKeyGrain>(secretHash).Touch(now);
    }

    private sealed record Entry(CachedKey? Key, DateTimeOffset LoadedAt)
    {
        public DateTimeOffset LastTouched { get; set; }
    }
}

public sealed record CachedKey(ApiKeyRecord Record, TenantSettings Settings);
