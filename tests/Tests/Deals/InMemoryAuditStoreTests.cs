using Grains.Deals.Audit;

namespace Tests.Deals;

/// <summary>The shared audit store contract against the embedded topology's in-memory store.</summary>
public sealed class InMemoryAuditStoreTests : AuditStoreContract
{
    private readonly InMemoryAuditStore store = new();

    protected override Task<IAuditStore> StoreAsync() => Task.FromResult<IAuditStore>(store);
}
