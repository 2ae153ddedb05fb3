using Grains.Interfaces.Webhooks;

namespace Grains.Webhooks.Storage;

/// <summary>
/// Where deliveries live: PostgreSQL (<c>webhook_delivery</c>) in cluster mode, memory in embedded mode. Each row is
/// written only by its endpoint's grain (through <see cref="WebhookDeliveryWriter"/>); queries span endpoints.
/// Keys are partition + delivery id, so one tenant never reads another's rows.
/// </summary>
public interface IWebhookDeliveryStore
{
    /// <summary>
    /// Inserts the new rows and updates the changed ones (in that order). A new row whose id exists already is left
    /// as stored: a repeated hand-off of an event must not reset a settled delivery. An update changes only the
    /// attempt fields (status, attempts, response, times), only of a stored row, and never replaces a success or a
    /// row with more attempts (<see cref="WebhookDeliveryRules.MayReplace"/>): an activation that lost its silo may
    /// still finish an attempt after the endpoint delivered from elsewhere, and a row deleted meanwhile (its endpoint
    /// was deleted) stays deleted.
    /// </summary>
    /// <returns>The keys of the new rows that were actually inserted.</returns>
    Task<IReadOnlySet<DeliveryKey>> WriteAsync(IReadOnlyList<WebhookDelivery> inserts, IReadOnlyList<WebhookDelivery> updates,
        CancellationToken cancellationToken = default);

    /// <summary>An endpoint's pending deliveries in event order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<WebhookDelivery>> PendingAsync(string partition, string webhookId, int limit, CancellationToken cancellationToken = default);

    Task<WebhookDelivery?> GetAsync(string partition, string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Newest first, with the total matching count.</summary>
    Task<WebhookDeliveryPage> QueryAsync(string partition, WebhookDeliveryQuery query, CancellationToken cancellationToken = default);

    /// <summary>How many deliveries of each event are pending, succeeded and failed.</summary>
    Task<IReadOnlyList<EventDeliveryCounts>> CountsAsync(IReadOnlyCollection<EventKey> events, CancellationToken cancellationToken = default);

    /// <summary>Deletes the endpoint's pending deliveries (the endpoint is gone).</summary>
    Task<int> DeletePendingAsync(string partition, string webhookId, CancellationToken cancellationToken = default);

    /// <summary>Deletes up to <paramref name="batchSize"/> successful deliveries created before <paramref name="cutoff"/>.</summary>
    Task<int> DeleteSucceededBeforeAsync(string partition, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default);
}

public readonly record struct DeliveryKey(string Partition, string DeliveryId)
{
    public static DeliveryKey Of(WebhookDelivery delivery) => new(delivery.Partition, delivery.DeliveryId);
}

public readonly record struct EventKey(string Partition, string EventId);

public sealed record EventDeliveryCounts(EventKey Event, int Pending, int Succeeded, int Failed);

/// <summary>Rules both stores share.</summary>
public static class WebhookDeliveryRules
{
    /// <summary>Success is final, and attempts only grow.</summary>
    public static bool MayReplace(WebhookDelivery stored, WebhookDelivery next) =>
        stored.Status != WebhookKeys.DeliverySuccess && next.Attempts >= stored.Attempts;

    public static bool Matches(WebhookDelivery delivery, WebhookDeliveryQuery query) =>
        (query.WebhookId is null || delivery.WebhookId == query.WebhookId)
        && (query.Status is null || delivery.Status == query.Status)
        && (query.EventType is null || delivery.EventType == query.EventType);

    /// <summary>Newest first; the id breaks ties so pages are stable.</summary>
    public static IOrderedEnumerable<WebhookDelivery> Newest(IEnumerable<WebhookDelivery> deliveries) =>
        deliveries.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.DeliveryId, StringComparer.Ordinal);

    /// <summary>Pending work in event order (replays after the originals of the same event).</summary>
    public static IOrderedEnumerable<WebhookDelivery> InEventOrder(IEnumerable<WebhookDelivery> deliveries) =>
        deliveries.OrderBy(d => d.EventSequence).ThenBy(d => d.CreatedAt).ThenBy(d => d.DeliveryId, StringComparer.Ordinal);
}
