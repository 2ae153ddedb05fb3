using Grains.Deals.Audit;
using Npgsql;
using Tests.Infrastructure;

namespace Tests.Deals;

/// <summary>The shared audit store contract against PostgreSQL (migration 0008), and tampering done in the database.</summary>
[RequiresPostgres]
public sealed class PostgresAuditStoreTests(PostgresAuditStoreTests.Database database)
    : AuditStoreContract, IClassFixture<PostgresAuditStoreTests.Database>
{
    /// <summary>The class's own migrated database.</summary>
    public sealed class Database() : MigratedDatabase("audit")
    {
        public async Task<PostgresAuditStore> StoreAsync() => new(await DataSourceAsync());
    }

    protected override async Task<IAuditStore> StoreAsync() => await database.StoreAsync();

    [StoreFact]
    public async Task An_entry_edited_directly_in_the_table_is_reported_as_tampered()
    {
        var store = await database.StoreAsync();
        var partition = NewPartition();
        var chain = AuditChainTests.Chain(4, partition);
        await store.AppendAsync(chain);
        Assert.Equal("verified", AuditChain.Verify(await store.ReadAllAsync(partition, "deal", chain[0].EntityId)).Status);

        await using (var connection = new NpgsqlConnection(await database.ConnectionStringAsync()))
        {
            await connection.OpenAsync();
            await using var update = new NpgsqlCommand(
                """UPDATE audit_log SET changes = '{"step":2,"total":0}' WHERE partition = $1 AND entity_id = $2 AND sequence = 2""", connection);
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = partition });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = chain[0].EntityId });
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        var result = AuditChain.Verify(await store.ReadAllAsync(partition, "deal", chain[0].EntityId));
        Assert.Equal("tampered", result.Status);
        Assert.Equal(4, result.TotalEntries);
        Assert.Equal(2, result.FirstBrokenSequence);
        Assert.Equal(chain[1].Id, result.FirstBrokenEntryId);
    }
}
