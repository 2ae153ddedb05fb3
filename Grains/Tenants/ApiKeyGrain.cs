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
            if (state.State.TenantId != registration.TenantId)
            {
                throw new InvalidOperationException("This key is already registered to another tenant.");
            }
            return ToRecord();
        }

        state.State = new ApiKeyState
        {
            KeyId = ResourceIds.New("key"),
            TenantId = registration.TenantId,
            Name = registration.Name,
            Prefix = registration.Prefix,
            Scopes = [.. registration.Scopes],
            Environment = registration.Environment,
            CreatedAt = time.GetUtcNow(),
        };
        await state.WriteStateAsync();
        return ToRecord();
    }

    public Task<ApiKeyRecord?> Get() => Task.FromResult(state.RecordExists ? ToRecord() : null);

    private ApiKeyRecord ToRecord() => new(
        state.State.KeyId, state.State.TenantId, state.State.Name, state.State.Prefix,
        state.State.Scopes, state.State.Environment, state.State.CreatedAt);
}

[GenerateSerializer]
public sealed class ApiKeyState
{
    [Id(0)] public string KeyId { get; set; } = "";
    [Id(1)] public string TenantId { get; set; } = "";
    [Id(2)] public string Name { get; set; } = "";
    [Id(3)] public string Prefix { get; set; } = "";
    [Id(4)] public List<string> Scopes { get; set; } = [];
    [Id(5)] public string Environment { get; set; } = "live";
    [Id(6)] public DateTimeOffset CreatedAt { get; set; }
}
