using Grains.Interfaces.AgentTrust;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Tenants;
using Grains.Platform;

namespace Grains.Tenants;

public sealed class TenantGrain(
    [PersistentState("tenant")] IPersistentState<TenantState> state,
    IGrainFactory grains,
    TimeProvider time) : Grain, ITenantGrain
{
    public async Task<TenantInfo> EnsureCreated(string name)
    {
        if (!state.RecordExists)
        {
            state.State.Name = name;
            state.State.CreatedAt = time.GetUtcNow();
            await state.WriteStateAsync();
        }
        return ToInfo();
    }

    public Task<TenantInfo?> Get() => Task.FromResult(state.RecordExists ? ToInfo() : null);

    public Task<TenantSettings> GetSettings() => Task.FromResult(state.State.Settings);

    public async Task<TenantSettings> UpdateSettings(TenantSettings settings)
    {
        state.State.Settings = settings;
        await state.WriteStateAsync();
        return settings;
    }

    public async Task<ApiKeyRecord> CreateApiKey(string secretHash, ApiKeyRegistration registration)
    {
        var keyId = registration.KeyId ?? ResourceIds.New("key");
        // The key grain first: if the index write below fails, the secret was never shown, so the
        // orphaned registration can never be presented.
        var record = await grains.GetGrain<IApiKeyGrain>(secretHash)
            .Register(registration with { TenantId = this.GetPrimaryKeyString(), KeyId = keyId });
        state.State.KeyHashes[record.KeyId] = secretHash;
        await state.WriteStateAsync();
        return record;
    }

    public async Task<IssuedApiKey> IssueApiKey(ApiKeyRequest request)
    {
        var (environment, scopes) = ApiKeyRules.Resolve(request);
        var secret = ApiKeyRules.NewSecret(request.Kind, environment, request.Region);
        var record = await CreateApiKey(ApiKeySecrets.Hash(secret), new ApiKeyRegistration(this.GetPrimaryKeyString(), request.Name,
            ApiKeySecrets.PrefixOf(secret), scopes, environment, request.Kind, request.ExpiresAt, ApiKeyRules.Origins(request.AllowedOrigins),
            request.RateLimitPerMinute, request.AgentKey ? ResourceIds.New(TrustLevels.AgentKeyPrefix) : null));
        return new IssuedApiKey(record, secret);
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeys()
    {
        var records = await Task.WhenAll(state.State.KeyHashes.Values.Select(h => grains.GetGrain<IApiKeyGrain>(h).Get()));
        return [.. records.OfType<ApiKeyRecord>().OrderBy(r => r.CreatedAt)];
    }

    public Task<string?> FindApiKeyHash(string keyId) =>
        Task.FromResult(state.State.KeyHashes.GetValueOrDefault(keyId));

    private TenantInfo ToInfo() => new(this.GetPrimaryKeyString(), state.State.Name, state.State.CreatedAt);
}

[GenerateSerializer]
public sealed class TenantState
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public DateTimeOffset CreatedAt { get; set; }
    [Id(2)] public TenantSettings Settings { get; set; } = new();
    /// <summary>Key id → hash of the secret (the key grain's id).</summary>
    [Id(3)] public Dictionary<string, string> KeyHashes { get; set; } = [];
}
