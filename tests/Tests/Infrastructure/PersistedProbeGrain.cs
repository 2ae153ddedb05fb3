namespace Tests.Infrastructure;

/// <summary>A persisted grain that reports where it runs, for failover tests.</summary>
public interface IPersistedProbeGrain : IGrainWithStringKey
{
    Task Set(string value);
    Task<PersistedProbeReply> Get();
}

[GenerateSerializer, Immutable]
public sealed record PersistedProbeReply([property: Id(0)] string? Value, [property: Id(1)] string SiloAddress);

public sealed class PersistedProbeGrain(
    [PersistentState("probe")] IPersistentState<PersistedProbeState> state,
    ILocalSiloDetails silo) : Grain, IPersistedProbeGrain
{
    public async Task Set(string value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
    }

    public Task<PersistedProbeReply> Get() => Task.FromResult(new PersistedProbeReply(state.State.Value, silo.SiloAddress.ToString()));
}

[GenerateSerializer]
public sealed class PersistedProbeState
{
    [Id(0)] public string? Value { get; set; }
}
