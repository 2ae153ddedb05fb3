using Grains.Events;
using Grains.Interfaces.Events;
using Grains.Interfaces.Webhooks;
using Grains.Platform;
using Grains.Webhooks.Delivery;
using Tests.Infrastructure;

namespace Tests.Webhooks;

/// <summary>Cluster topology on PostgreSQL: an endpoint whose silo dies mid-delivery delivers after reactivating elsewhere.</summary>
public sealed class WebhookFailoverTests
{
    private static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(90);

    [PostgresFact]
    public async Task An_event_in_flight_when_its_endpoints_silo_dies_is_delivered_from_the_surviving_silo()
    {
        await using var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync("webhook_failover"));
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();

        // The receiver holds the first request open: the silo dies while the delivery is in flight.
        await using var receiver = await new WebhookReceiver().StartAsync();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answered = 0;
        receiver.Respond = async _ =>
        {
            if (Interlocked.Increment(ref answered) == 1)
            {
                held.TrySetResult();
                await release.Task;
                return (503, null);
            }
            return (200, null);
        };

        var partition = $"{ResourceIds.New("ten")}:live";
        var webhookId = ResourceIds.New(WebhookKeys.IdPrefix);
        var endpoint = client.GetGrain<IWebhookEndpointGrain>(WebhookKeys.Grain(partition, webhookId));
        var created = await endpoint.Create(new WebhookSettings(receiver.Url, ["customer.created"], null, null,
            WebhookSignatures.SalesboothScheme, false, 8));
        await cluster.StartSiloAsync();

        var evt = Outbox.Event("customer.created", DateTimeOffset.UtcNow, new { id = "cust_1" });
        await client.GetGrain<IEventLogGrain>(partition).Append([evt]);
        await held.Task.WaitAsync(ClusterTimeout);

        await cluster.KillSiloAsync(first);
        release.TrySetResult();

        var delivered = await Eventually.Get(() => Task.FromResult(receiver.Succeeded), r => r.Count >= 1, ClusterTimeout,
            "the delivery from the surviving silo");
        Assert.Equal(evt.Id, delivered[0].EventId);
        Assert.True(WebhookCalls.VerifySalesbooth(delivered[0], created.Secret, DateTimeOffset.UtcNow));

        var record = await Eventually.Get(
            () => client.GetGrain<IWebhookDirectoryGrain>(partition).Deliveries(new WebhookDeliveryQuery(webhookId)),
            p => p.Items.Count == 1 && p.Items[0].Status == WebhookKeys.DeliverySuccess, ClusterTimeout, "the stored delivery record");
        Assert.Equal(evt.Id, record.Items[0].EventId);
    }
}
