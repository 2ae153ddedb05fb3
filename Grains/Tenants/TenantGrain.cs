using Grains.Interfaces.Tenants;

namespace Grains.Tenants;

public sealed class TenantGrain(
    [PersistentState("tenant")] IPersistentState<TenantState> state,
    TimeProvider time) : Grain, ITenantGrain
{
    public async Task<TenantInfo> EnsureCreated(string name)
    {
        if (!state.RecordExists)
        {
            state.State = new TenantState { Name = name, CreatedAt = time.GetUtcNow() };
            await state.WriteStateAsync();
        }
        return ToInfo();
    }

    public Task<TenantInfo?> Get() => Task.FromResult(state.RecordExists ? ToInfo() : null);

    private TenantInfo ToInfo() => new(this.GetPrimaryKeyString(), state.State.Name, state.State.CreatedAt);
}

[GenerateSerializer]
public sealed class TenantState
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public DateTimeOffset CreatedAt { get; set; }
}
