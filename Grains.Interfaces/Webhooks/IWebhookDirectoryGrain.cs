using Grains.Interfaces.Events;
using Orleans.Concurrency;

namespace Grains.Interfaces.Webhooks;

/// <summary>
/// A tenant+environment's webhook endpoints (key <c>{tenant}:{env}</c>): which endpoint wants which events, the
/// fan-out of logged events to them, and the delivery queries that span endpoints.
/// </summary>
public interface IWebhookDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Records an endpoint's subscription; an older version than the one held is ignored.</summary>
    Task Upsert(WebhookSubscription subscription);

    Task Remove(string webhookId);

    /// <summary>Reserves a place for a new endpoint: false when the partition already has the maximum.</summary>
    Task<bool> Reserve(string webhookId);

    [AlwaysInterleave]
    Task<IReadOnlyList<WebhookSubscription>> List();

    /// <summary>For each event type, whether an endpoint that is not disabled subscribes to it (aligned with the input).</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<bool>> Wanted(IReadOnlyList<string> eventTypes);

    /// <summary>Hands each event to every active or paused endpoint subscribed to it; returns when all have it.</summary>
    /// <param name="recovered">The log's sweep after a crash: endpoints skip deliveries they already stored.</param>
    /// <remarks>Interleaves: an endpoint activated by the hand-off may tell the directory its settings meanwhile.</remarks>
    [AlwaysInterleave]
    Task Dispatch(IReadOnlyList<EventLogEntry> events, bool recovered = false);

    [AlwaysInterleave]
    Task<WebhookDeliveryPage> Deliveries(WebhookDeliveryQuery query, CancellationToken cancellationToken = default);

    [AlwaysInterleave]
    Task<WebhookDelivery?> Delivery(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Deletes delivered events and successful deliveries created before the retention period.</summary>
    Task<WebhookCleanupResult> Cleanup(int retentionDays, int batchSize);
}

/// <summary>The directory's copy of an endpoint's settings: enough to route and list.</summary>
[GenerateSerializer, Immutable, Alias("webhooks.subscription")]
public sealed record WebhookSubscription(
    [property: Id(0)] string WebhookId,
    [property: Id(1)] IReadOnlyList<string> Events,
    [property: Id(2)] string Status,
    [property: Id(3)] long Version,
    [property: Id(4)] WebhookView View);
