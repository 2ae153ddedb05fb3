using Grains.Interfaces.Webhooks;
using Grains.Webhooks.Storage;

namespace Tests.Webhooks;

public sealed class InMemoryWebhookDeliveryStoreTests : WebhookDeliveryStoreContract
{
    private readonly InMemoryWebhookDeliveryStore store = new();

    protected override Task<IWebhookDeliveryStore> StoreAsync() => Task.FromResult<IWebhookDeliveryStore>(store);
}
