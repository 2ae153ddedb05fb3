using Grains.Events;
using Grains.Interfaces.Events;
using Microsoft.Extensions.Logging;

namespace Tests.Events;

/// <summary>
/// A grain with an outbox wired like the customer and product grains (<see cref="OutboxRelay"/> after the write and
/// on activation), plus a way to stop right after the state write: what a silo dying at that moment leaves behind.
/// Key: <c>{tenant}:{env}/{name}</c>.
/// </summary>
public interface IOutboxProbeGrain : IGrainWithStringKey
{
    /// <summary>Persists the event in the outbox and hands it on, as a domain grain does.</summary>
    Task Record(OutboxEvent evt);

    /// <summary>Persists the event in the outbox and stops there, as if the silo died before the hand-off.</summary>
    Task RecordWithoutHandOff(OutboxEvent evt);

    Task<IReadOnlyList<OutboxEvent>> Pending();

    Task<string> Where();

    Task Deactivate();
}

public sealed class OutboxProbeGrain(
    [PersistentState("outbox-probe")] IPersistentState<OutboxProbeState> state,
    ILocalSiloDetails silo,
    ILogger<OutboxProbeGrain> logger) : Grain, IOutboxProbeGrain
{
    private string Partition => this.GetPrimaryKeyString()[..this.GetPrimaryKeyString().IndexOf('/')];

    public override Task OnActivateAsync(CancellationToken cancellationToken) => HandOn();

    public async Task Record(OutboxEvent evt)
    {
        await RecordWithoutHandOff(evt);
        await HandOn();
    }

    public async Task RecordWithoutHandOff(OutboxEvent evt)
    {
        state.State.Outbox.Add(evt);
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<OutboxEvent>> Pending() => Task.FromResult<IReadOnlyList<OutboxEvent>>([.. state.State.Outbox]);

    public Task<string> Where() => Task.FromResult(silo.SiloAddress.ToString());

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private Task HandOn() => OutboxRelay.DrainAsync(GrainFactory, Partition, state, s => s.Outbox, logger, this.GetPrimaryKeyString(), persistTrim: true);
}

[GenerateSerializer]
public sealed class OutboxProbeState
{
    [Id(0)] public List<OutboxEvent> Outbox { get; set; } = [];
}
