using Grains.Projections;

namespace Tests.Projections;

/// <summary>The shared store contract against the embedded topology's in-memory store.</summary>
public sealed class InMemoryProjectionStoreTests : ProjectionStoreContract
{
    private readonly InMemoryProjectionStore store = new();

    protected override Task<IProjectionStore> StoreAsync() => Task.FromResult<IProjectionStore>(store);

    [Fact]
    public async Task Concurrent_writers_and_readers_keep_the_highest_version()
    {
        var writers = Enumerable.Range(1, 200).Select(version => Task.Run(() =>
            store.UpsertAsync(Row(Partition, $"cust_{version % 10}", T0.AddSeconds(version % 10), version: version))));
        var readers = Enumerable.Range(0, 50).Select(_ => Task.Run(() =>
            store.QueryAsync(Partition, Customer, new(Limit: 100), null)));
        await Task.WhenAll(writers.Concat<Task>(readers));

        var page = await store.QueryAsync(Partition, Customer, new(Limit: 100), null);
        Assert.Equal(10, page.Total);
        Assert.All(page.Items, row => Assert.Equal(
            Enumerable.Range(1, 200).Where(version => $"cust_{version % 10}" == row.Id).Max(), row.Version));
    }
}
