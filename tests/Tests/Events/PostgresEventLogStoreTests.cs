using Grains.Events;
using Tests.Infrastructure;

namespace Tests.Events;

/// <summary>The shared event log contract against PostgreSQL (migration 0005). One database per class.</summary>
[RequiresPostgres]
public sealed class PostgresEventLogStoreTests(PostgresEventLogStoreTests.Database database)
    : EventLogStoreContract, IClassFixture<PostgresEventLogStoreTests.Database>
{
    /// <summary>The class's own migrated database.</summary>
    public sealed class Database() : MigratedDatabase("eventlog")
    {
        public async Task<PostgresEventLogStore> StoreAsync() => new(await DataSourceAsync());
    }

    protected override async Task<IEventLogStore> StoreAsync() => await database.StoreAsync();
}
