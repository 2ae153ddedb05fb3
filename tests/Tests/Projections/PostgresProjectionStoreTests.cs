using Grains.Interfaces.Projections;
using Grains.Projections;
using Npgsql;
using Tests.Infrastructure;

namespace Tests.Projections;

/// <summary>
/// The shared store contract against PostgreSQL (migration 0004), plus what only this store has: bulk import.
/// One database per class; every test writes into partitions of its own.
/// </summary>
[RequiresPostgres]
public sealed class PostgresProjectionStoreTests(PostgresProjectionStoreTests.Database database)
    : ProjectionStoreContract, IClassFixture<PostgresProjectionStoreTests.Database>
{
    /// <summary>The class's own migrated database.</summary>
    public sealed class Database() : MigratedDatabase("projections")
    {
        public async Task<PostgresProjectionStore> StoreAsync() => new(await DataSourceAsync());
    }

    protected override async Task<IProjectionStore> StoreAsync() => await database.StoreAsync();

    [PostgresFact]
    public async Task Import_upserts_in_bulk_with_the_same_version_rule()
    {
        var store = await database.StoreAsync();
        await store.UpsertAsync(Row("a", T0, "active", version: 5));

        var imported = await store.ImportAsync(
        [
            Row("a", T0, "archived", version: 4),
            Row("b", T0.AddMinutes(1), "active", version: 1, amount: 3m),
            Row("b", T0.AddMinutes(1), "inactive", version: 2),
            .. Enumerable.Range(0, 1000).Select(i => Row($"bulk_{i:D4}", T0.AddSeconds(-1 - i), tokens: ["bulk"])),
        ]);

        Assert.Equal(1001, imported);
        var page = await QueryAsync(store, new ListQuery(Limit: 2));
        Assert.Equal(1002, page.Total);
        Assert.Equal([("b", "inactive", 2L), ("a", "active", 5L)], page.Items.Select(r => (r.Id, r.Status, r.Version)));
        Assert.Equal(1000, (await QueryAsync(store, new ListQuery(Limit: 1), "bulk")).Total);
    }

    [PostgresFact]
    public async Task Trigger_kept_counters_match_the_rows_after_concurrent_writes()
    {
        var store = await database.StoreAsync();
        var statuses = new[] { "active", "inactive", "archived" };
        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 150; i++)
            {
                var id = $"cust_{random.Next(40)}";
                if (random.Next(5) == 0)
                {
                    await store.DeleteAsync(Partition, Customer, id);
                }
                else
                {
                    await store.UpsertAsync(Row(id, T0, statuses[random.Next(3)], version: random.Next(1, 30)));
                }
            }
        })));
        await store.ImportAsync([.. Enumerable.Range(30, 30).Select(i => Row($"cust_{i}", T0, statuses[i % 3], version: 31))]);

        await using var command = (await database.DataSourceAsync()).CreateCommand("""
            SELECT coalesce(r.status, c.status), coalesce(r.n, 0), coalesce(c.n, 0)
            FROM (SELECT status, count(*) AS n FROM resource_projection WHERE partition = $1 GROUP BY status) r
            FULL JOIN (SELECT status, sum(n) AS n FROM resource_projection_count WHERE partition = $1 GROUP BY status) c
              ON r.status = c.status
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Partition });
        await using var reader = await command.ExecuteReaderAsync();
        var compared = 0;
        while (await reader.ReadAsync())
        {
            Assert.True(reader.GetInt64(1) == reader.GetInt64(2), $"{reader.GetString(0)}: {reader.GetInt64(1)} rows, counter {reader.GetInt64(2)}");
            compared++;
        }

        Assert.Equal(3, compared);
    }
}
