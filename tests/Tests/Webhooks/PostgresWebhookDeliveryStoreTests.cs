using Grains.Interfaces.Webhooks;
using Grains.Webhooks.Storage;
using Tests.Infrastructure;

namespace Tests.Webhooks;

/// <summary>The shared contract against PostgreSQL (migration 0007). One database per class.</summary>
[RequiresPostgres]
public sealed class PostgresWebhookDeliveryStoreTests(PostgresWebhookDeliveryStoreTests.Database database)
    : WebhookDeliveryStoreContract, IClassFixture<PostgresWebhookDeliveryStoreTests.Database>
{
    /// <summary>The class's own migrated database.</summary>
    public sealed class Database() : MigratedDatabase("deliveries")
    {
        public async Task<PostgresWebhookDeliveryStore> StoreAsync() => new(await DataSourceAsync());
    }

    protected override async Task<IWebhookDeliveryStore> StoreAsync() => await database.StoreAsync();
}
