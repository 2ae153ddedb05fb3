namespace Grains.Interfaces.Tenants;

/// <summary>A tenant: the owner of every record, its settings and the index of its API keys. Keyed by tenant id.</summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates the tenant if it does not exist yet; returns it either way.</summary>
    Task<TenantInfo> EnsureCreated(string name);

    Task<TenantInfo?> Get();

    Task<TenantSettings> GetSettings();

    Task<TenantSettings> UpdateSettings(TenantSettings settings);

    /// <summary>Registers a new key (by the hash of its secret) and lists it under this tenant.</summary>
    Task<ApiKeyRecord> CreateApiKey(string secretHash, ApiKeyRegistration registration);

    /// <summary>Issues a key by the key rules (<c>ApiKeyRules</c>): generates its secret, registers it by hash, returns the secret once.</summary>
    Task<IssuedApiKey> IssueApiKey(ApiKeyRequest request);

    /// <summary>The tenant's keys, revoked ones included (they show <c>revoked_at</c>).</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListApiKeys();

    /// <summary>The hash of one of this tenant's keys; null when the id is not this tenant's.</summary>
    Task<string?> FindApiKeyHash(string keyId);
}

[GenerateSerializer, Immutable]
public sealed record TenantInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] DateTimeOffset CreatedAt);

/// <summary>Tenant-wide switches. <c>EnforceHeaderAuth</c> refuses secret keys sent as <c>?api_key=</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record TenantSettings([property: Id(0)] bool EnforceHeaderAuth = false);
