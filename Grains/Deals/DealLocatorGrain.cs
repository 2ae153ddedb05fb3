using Grains.Interfaces.Deals;
using Grains.Interfaces.Platform;

namespace Grains.Deals;

[GenerateSerializer, Alias("deals.locator-state")]
public sealed class DealLocatorState
{
    [Id(0)] public string? Partition { get; set; }
}

/// <summary>Maps a deal id to its tenant+environment for the public verify endpoint. First registration wins.</summary>
public sealed class DealLocatorGrain([PersistentState("deal-locator")] IPersistentState<DealLocatorState> state) : Grain, IDealLocatorGrain
{
    public async Task Register(string partition)
    {
        if (state.State.Partition == partition)
        {
            return;
        }
        if (state.State.Partition is not null)
        {
            throw DomainException.Conflict("conflict.already_exists", "This deal id is registered to another tenant");
        }
        state.State.Partition = partition;
        await state.WriteStateAsync();
    }

    public Task<string?> Partition() => Task.FromResult(state.State.Partition);
}
