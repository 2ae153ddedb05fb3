using Grains.Interfaces.Platform;
using Grains.Interfaces.Tenants;
using Grains.Platform;

namespace Grains.Tenants;

/// <summary>Keyed by the hex SHA-256 of the secret; holds what the key may do, never the secret.</summary>
public sealed class ApiKeyGrain(
    [PersistentState("apikey")] IPersistentState<ApiKeyState> state,
    TimeProvider time) : Grain, IApiKeyGrain
{
    public async Task<ApiKeyRecord> Register(ApiKeyRegistration registration)
    {
        if (state.RecordExists)
        {
            if (state.State.Record.TenantId != registration.TenantId)
            {
                throw new InvalidOperationException("This key is already registered to another tenant.");
            }
            return state.State.Record;
        }

        state.State.Record = new ApiKeyRecord(
            registration.KeyId ?? ResourceIds.New("key"),
            registration.TenantId,
            registration.Name,
            registration.Prefix,
            [.. registration.Scopes],
            registration.Environment,
            time.GetUtcNow(),
            registration.Kind,
            registration.ExpiresAt,
            RevokedAt: null,
            registration.AllowedOrigins is null ? null : [.. registration.AllowedOrigins],
            registration.RateLimitPerMinute);
        await state.WriteStateAsync();
        return state.State.Record;
    }

    public Task<ApiKeyRecord?> Get() => Task.FromResult(state.RecordExists ? state.State.Record : null);

    public async Task<ApiKeyRecord> Update(ApiKeyChanges changes)
    {
        var current = Existing();
        ApiKeyRules.CheckChange(current, changes);
        state.State.Record = current with
        {
            Name = changes.Name ?? current.Name,
            Scopes = changes.Scopes is null ? current.Scopes : [.. changes.Scopes],
            ExpiresAt = changes.ClearExpiry ? null : changes.ExpiresAt ?? current.ExpiresAt,
            AllowedOrigins = changes.AllowedOrigins is null ? current.AllowedOrigins : [.. ApiKeyRules.Origins(changes.AllowedOrigins)!],
            RateLimitPerMinute = changes.RateLimitPerMinute ?? current.RateLimitPerMinute,
        };
        await state.WriteStateAsync();
        return state.State.Record;
    }

    public async Task<ApiKeyRecord> Revoke()
    {
        var current = Existing();
        if (current.RevokedAt is null)
        {
            state.State.Record = current with { RevokedAt = time.GetUtcNow() };
            await state.WriteStateAsync();
        }
        return state.State.Record;
    }

    public async Task Touch(DateTimeOffset at)
    {
        if (state.RecordExists && (state.State.Record.LastUsedAt is null || at > state.State.Record.LastUsedAt))
        {
            state.State.Record = state.State.Record with { LastUsedAt = at };
            await state.WriteStateAsync();
        }
    }

    private ApiKeyRecord Existing() => state.RecordExists ? state.State.Record : throw DomainException.NotFound("API key");
}

[GenerateSerializer]
public sealed class ApiKeyState
{
    [Id(0)] public ApiKeyRecord Record { get; set; } = null!;
}
