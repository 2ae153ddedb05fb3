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

/// <summary>A grain with a reminder that records, durably, which silo each tick ran on.</summary>
public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task Start(TimeSpan due, TimeSpan period);
    Task<IReadOnlyList<string>> Ticks();
    Task<string> Where();
}

public sealed class ReminderProbeGrain(
    [PersistentState("ticks")] IPersistentState<ReminderProbeState> state,
    ILocalSiloDetails silo) : Grain, IReminderProbeGrain, IRemindable
{
    public Task Start(TimeSpan due, TimeSpan period) => this.RegisterOrUpdateReminder("probe", due, period);

    public Task<IReadOnlyList<string>> Ticks() => Task.FromResult<IReadOnlyList<string>>(state.State.Silos);

    public Task<string> Where() => Task.FromResult(silo.SiloAddress.ToString());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State.Silos.Add(silo.SiloAddress.ToString());
        await state.WriteStateAsync();
    }
}

[GenerateSerializer]
public sealed class ReminderProbeState
{
    [Id(0)] public List<string> Silos { get; set; } = [];
}
