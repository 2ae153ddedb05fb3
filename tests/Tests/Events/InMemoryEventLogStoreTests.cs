using Grains.Events;

namespace Tests.Events;

/// <summary>The shared event log contract against the embedded topology's in-memory store.</summary>
public sealed class InMemoryEventLogStoreTests : EventLogStoreContract
{
    private readonly InMemoryEventLogStore store = new();

    protected override Task<IEventLogStore> StoreAsync() => Task.FromResult<IEventLogStore>(store);
}
