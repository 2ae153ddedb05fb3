using Grains.Events;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Webhooks;
using Grains.Platform;
using Grains.Platform.Postgres;
using Grains.Webhooks.Delivery;
using Microsoft.Extensions.DependencyInjection;
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

        var (partition, webhookId, created) = await CreateEndpointAsync(client, receiver, "customer.created");
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

    [PostgresFact]
    public async Task Events_logged_when_the_logs_silo_dies_before_handing_them_on_are_delivered_after_the_log_reactivates()
    {
        await using var cluster = new PostgresCluster(await TestPostgres.CreateDatabaseAsync("event_log_failover"));
        var first = await cluster.StartSiloAsync();
        var client = await cluster.StartClientAsync();
        await using var receiver = await new WebhookReceiver().StartAsync();

        var (partition, _, _) = await CreateEndpointAsync(client, receiver, "customer.*");
        var log = client.GetGrain<IEventLogGrain>(partition);
        var delivered = Outbox.Event("customer.created", DateTimeOffset.UtcNow, new { id = "cust_1" });
        await log.Append([delivered]);
        await Eventually.Get(() => Task.FromResult(receiver.Succeeded), r => r.Count == 1, ClusterTimeout, "the live delivery");

        // The log registered its wake-up in PostgreSQL before that append returned.
        var reminders = first.Services.GetRequiredService<IReminderTable>();
        Assert.Contains((await reminders.ReadRows(log.GetGrainId())).Reminders, r => r.ReminderName == EventLogGrain.DispatchReminder);

        // Every grain so far lives on the first silo. It dies right after the log stored one more event.
        await cluster.StartSiloAsync();
        await cluster.KillSiloAsync(first);
        var store = new PostgresEventLogStore(PostgresDataSource.For(cluster.ConnectionString));
        var lost = Outbox.Event("customer.updated", DateTimeOffset.UtcNow, new { id = "cust_1" });
        var sequence = (await store.AppendAsync(partition, [lost]))[0];
        Assert.True((await store.DispatchPositionAsync(partition)).DispatchedThrough < sequence);

        // The log's next activation (here a read; in production its reminder) hands it on from the surviving silo.
        await Eventually.Get(() => log.Query(new EventLogQuery()), p => p.Events.Count == 2, ClusterTimeout, "the log on the surviving silo");
        var received = await Eventually.Get(() => Task.FromResult(receiver.Succeeded), r => r.Count >= 2, ClusterTimeout, "the lost event");
        Assert.Equal([delivered.Id, lost.Id], received.Select(r => r.EventId));
        await Eventually.Get(() => store.DispatchPositionAsync(partition), p => p.DispatchedThrough == sequence, ClusterTimeout, "the mark");
    }

    /// <summary>An endpoint of a new tenant partition, subscribed to <paramref name="events"/>, posting to the receiver.</summary>
    internal static async Task<(string Partition, string WebhookId, WebhookCreated Created)> CreateEndpointAsync(
        IClusterClient client, WebhookReceiver receiver, string events)
    {
        var partition = $"{ResourceIds.New("ten")}:live";
        var webhookId = ResourceIds.New(WebhookKeys.IdPrefix);
        var created = await client.GetGrain<IWebhookEndpointGrain>(WebhookKeys.Grain(partition, webhookId)).Create(new WebhookSettings(
            receiver.Url, [events], null, null, WebhookSignatures.SalesboothScheme, false, 8));
        return (partition, webhookId, created);
    }
}
