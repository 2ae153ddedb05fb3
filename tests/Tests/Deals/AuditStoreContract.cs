using Grains.Deals.Audit;
using Grains.Interfaces.Deals;
using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>What every <see cref="IAuditStore"/> must do; each test works in partitions of its own.</summary>
public abstract class AuditStoreContract
{
    protected abstract Task<IAuditStore> StoreAsync();

    protected static string NewPartition() => $"ten_{Guid.NewGuid():N}:test";

    [StoreFact]
    public async Task A_stored_chain_reads_back_unchanged_in_sequence_order_and_still_verifies()
    {
        var store = await StoreAsync();
        var partition = NewPartition();
        var chain = AuditChainTests.Chain(5, partition);

        await store.AppendAsync(chain.Take(2).ToList());
        await store.AppendAsync([chain[4], chain[2], chain[3]]);

        var read = await store.ReadAllAsync(partition, "deal", chain[0].EntityId);
        Assert.Equal(chain, read);
        Assert.Equal("verified", AuditChain.Verify(read).Status);
        Assert.Equal(5, await store.CountAsync(partition, "deal", chain[0].EntityId));
    }

    [StoreFact]
    public async Task Append_is_idempotent_by_entity_and_sequence()
    {
        var store = await StoreAsync();
        var partition = NewPartition();
        var chain = AuditChainTests.Chain(3, partition);

        await store.AppendAsync(chain);
        await store.AppendAsync(chain);
        await store.AppendAsync([chain[1], chain[1]]);
        // Another entry for a place already taken changes nothing: the first one stands.
        var rival = AuditChain.Next(chain[0], partition, "deal", chain[0].EntityId, "deal.deleted", "someone", "user", "{}", "{}",
            chain[1].CreatedAt);
        await store.AppendAsync([rival]);

        Assert.Equal(chain, await store.ReadAllAsync(partition, "deal", chain[0].EntityId));
        Assert.Equal(3, await store.CountAsync(partition, "deal", chain[0].EntityId));
    }

    [StoreFact]
    public async Task Concurrent_appends_of_many_chains_written_together_each_read_back_whole_and_verified()
    {
        var store = await StoreAsync();
        var partitions = Enumerable.Range(0, 40).Select(_ => NewPartition()).ToArray();
        var chains = partitions.Select(p => AuditChainTests.Chain(4, p)).ToArray();

        // Every entry its own append, all at once (so the PostgreSQL store shares statements between them), plus repeats.
        await Task.WhenAll(chains.SelectMany(chain => chain.Concat(chain.Take(1))).Select(e => store.AppendAsync([e])));

        foreach (var chain in chains)
        {
            var read = await store.ReadAllAsync(chain[0].Partition, "deal", chain[0].EntityId);
            Assert.Equal(chain, read);
            Assert.Equal("verified", AuditChain.Verify(read).Status);
        }
    }

    [StoreFact]
    public async Task Pages_follow_sequence_order()
    {
        var store = await StoreAsync();
        var partition = NewPartition();
        var chain = AuditChainTests.Chain(7, partition);
        await store.AppendAsync(chain);
        var id = chain[0].EntityId;

        Assert.Equal(chain.Take(3), await store.ReadAsync(partition, "deal", id, 0, 3));
        Assert.Equal(chain.Skip(3).Take(3), await store.ReadAsync(partition, "deal", id, 3, 3));
        Assert.Equal(chain.Skip(6), await store.ReadAsync(partition, "deal", id, 6, 3));
        Assert.Empty(await store.ReadAsync(partition, "deal", id, 7, 3));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ReadAsync(partition, "deal", id, 0, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ReadAsync(partition, "deal", id, -1, 10));
    }

    [StoreFact]
    public async Task Chains_are_separate_per_partition_entity_type_and_entity()
    {
        var store = await StoreAsync();
        var (a, b) = (NewPartition(), NewPartition());
        var deal = AuditChainTests.Chain(3, a);
        var otherDeal = AuditChainTests.Chain(2, a, "deal_ffffffffffffffffffffffff");
        var otherTenant = AuditChainTests.Chain(1, b);
        var customer = new List<AuditEntry>
        {
            AuditChain.Next(null, a, "customer", deal[0].EntityId, "customer.created", "k", "api_key", "{}", "{}", DateTimeOffset.UtcNow),
        };

        await store.AppendAsync([.. deal, .. otherDeal, .. otherTenant, .. customer]);

        Assert.Equal(deal, await store.ReadAllAsync(a, "deal", deal[0].EntityId));
        Assert.Equal(otherDeal, await store.ReadAllAsync(a, "deal", otherDeal[0].EntityId));
        Assert.Equal(otherTenant, await store.ReadAllAsync(b, "deal", deal[0].EntityId));
        Assert.Equal(customer, await store.ReadAllAsync(a, "customer", deal[0].EntityId));
        Assert.Equal("verified", AuditChain.Verify(await store.ReadAllAsync(a, "customer", deal[0].EntityId)).Status);
        Assert.Empty(await store.ReadAllAsync(NewPartition(), "deal", deal[0].EntityId));
        Assert.Equal(0, await store.CountAsync(b, "customer", deal[0].EntityId));
    }

    [StoreFact]
    public async Task Deleting_an_entity_removes_its_whole_chain_and_nothing_else()
    {
        var store = await StoreAsync();
        var partition = NewPartition();
        var deal = AuditChainTests.Chain(3, partition);
        var other = AuditChainTests.Chain(2, partition, "deal_ffffffffffffffffffffffff");
        await store.AppendAsync([.. deal, .. other]);

        await store.DeleteEntityAsync(partition, "deal", deal[0].EntityId);
        await store.DeleteEntityAsync(partition, "deal", "deal_000000000000000000000000");

        Assert.Empty(await store.ReadAllAsync(partition, "deal", deal[0].EntityId));
        Assert.Equal(0, await store.CountAsync(partition, "deal", deal[0].EntityId));
        Assert.Equal(other, await store.ReadAllAsync(partition, "deal", other[0].EntityId));
    }

    [StoreFact]
    public async Task Timestamps_keep_microseconds_and_json_text_comes_back_byte_for_byte()
    {
        var store = await StoreAsync();
        var partition = NewPartition();
        const string changes = "{ \"total\" : 1250.00,\n \"note\": \"caf\\u00e9 \u00e9 \\\"q\\\"\" }";
        var entry = AuditChain.Next(null, partition, "deal", "deal_0123456789abcdef01234567", "deal.updated", "k", "api_key",
            changes, "[]", new DateTimeOffset(2026, 3, 9, 10, 30, 0, 123, 456, TimeSpan.FromHours(10)));
        await store.AppendAsync([entry]);

        var read = Assert.Single(await store.ReadAllAsync(partition, "deal", entry.EntityId));
        Assert.Equal(entry, read);
        Assert.Equal(changes, read.ChangesJson);
        Assert.Equal(entry.CreatedAt.UtcTicks, read.CreatedAt.UtcTicks);
        Assert.Equal("verified", AuditChain.Verify([read]).Status);
    }
}
