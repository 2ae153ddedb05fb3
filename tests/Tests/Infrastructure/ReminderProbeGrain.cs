namespace Tests.Infrastructure;

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
