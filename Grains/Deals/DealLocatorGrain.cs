using System.Collections.Concurrent;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Platform;

namespace Grains.Deals;

[GenerateSerializer, Alias("deals.locator-state")]
public sealed class DealLocatorState
{
    [Id(0)] public string? Partition { get; set; }
}

/// <summary>Maps a deal id made before tagged ids to its tenant+environment for the public verify endpoint. First registration wins.</summary>
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

[GenerateSerializer, Alias("deals.tag-state")]
public sealed class DealTagState
{
    [Id(0)] public List<string> Partitions { get; set; } = [];
}

/// <summary>The partitions behind a deal id tag (<see cref="DealIds"/>): one write per partition, ever.</summary>
public sealed class DealTagGrain([PersistentState("deal-tag")] IPersistentState<DealTagState> state) : Grain, IDealTagGrain
{
    public async Task Register(string partition)
    {
        if (state.State.Partitions.Contains(partition))
        {
            return;
        }
        state.State.Partitions.Add(partition);
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> Partitions() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Partitions]);
}

/// <summary>
/// The partitions this silo has registered a deal tag for: a deal create costs a tag hop only the first time its
/// partition is seen by the process (registration is idempotent, so two silos registering alike is harmless).
/// </summary>
public sealed class DealTags(IGrainFactory grains)
{
    private readonly ConcurrentDictionary<string, Task> registered = new(StringComparer.Ordinal);

    public async Task EnsureRegistered(string partition)
    {
        var registration = registered.GetOrAdd(partition, p => grains.GetGrain<IDealTagGrain>(DealIds.Tag(p)).Register(p));
        try
        {
            await registration;
        }
        catch
        {
            // Not registered: the next create tries again.
            registered.TryRemove(new KeyValuePair<string, Task>(partition, registration));
            throw;
        }
    }
}
