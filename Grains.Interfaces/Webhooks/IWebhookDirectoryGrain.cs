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

    /// <summary>
    /// The endpoints events are handed to (active and paused ones; disabled ones get nothing), with what each subscribes
    /// to. The event log asks before each hand-off and calls the endpoints itself, so the directory never runs a long
    /// request: while a silo stops, a deactivating grain takes no new call until its running requests end, and an
    /// endpoint telling the directory its settings must never wait behind a hand-off that waits for that endpoint.
    /// </summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<WebhookRoute>> Routes();

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

/// <summary>An endpoint that takes events, and the event patterns it subscribes to.</summary>
[GenerateSerializer, Immutable, Alias("webhooks.route")]
public sealed record WebhookRoute(
    [property: Id(0)] string WebhookId,
    [property: Id(1)] IReadOnlyList<string> Events);
