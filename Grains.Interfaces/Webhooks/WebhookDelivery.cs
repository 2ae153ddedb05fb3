namespace Grains.Interfaces.Webhooks;

/// <summary>
/// One event owed to one endpoint, as stored: the endpoint grain writes it when the event arrives and after
/// every attempt. <see cref="Payload"/> is the exact body sent on every attempt (same event id each time).
/// </summary>
/// <param name="Status"><see cref="WebhookKeys.DeliveryPending"/>, <c>success</c> or <c>failed</c> (dead letter).</param>
/// <param name="NextAttemptAt">When a pending delivery is due; null once it is settled.</param>
/// <param name="FirstAttemptAt">The retry schedule counts from here.</param>
/// <param name="TraceParent">The producing request's trace context (kept in memory, not stored): attempts continue its trace.</param>
[GenerateSerializer, Immutable, Alias("webhooks.delivery")]
public sealed record WebhookDelivery(
    [property: Id(0)] string DeliveryId,
    [property: Id(1)] string Partition,
    [property: Id(2)] string WebhookId,
    [property: Id(3)] string EventId,
    [property: Id(4)] long EventSequence,
    [property: Id(5)] string EventType,
    [property: Id(6)] string Payload,
    [property: Id(7)] string Status,
    [property: Id(8)] int Attempts,
    [property: Id(9)] int MaxAttempts,
    [property: Id(10)] int? ResponseCode,
    [property: Id(11)] string? ErrorMessage,
    [property: Id(12)] bool IsReplay,
    [property: Id(13)] DateTimeOffset CreatedAt,
    [property: Id(14)] DateTimeOffset? NextAttemptAt,
    [property: Id(15)] DateTimeOffset? FirstAttemptAt,
    [property: Id(16)] DateTimeOffset? DeliveredAt,
    [property: Id(17)] DateTimeOffset? RetriedAt,
    [property: Id(18)] DateTimeOffset UpdatedAt,
    [property: Id(19)] string? TraceParent = null);

[GenerateSerializer, Immutable, Alias("webhooks.delivery-query")]
public sealed record WebhookDeliveryQuery(
    [property: Id(0)] string? WebhookId = null,
    [property: Id(1)] string? Status = null,
    [property: Id(2)] string? EventType = null,
    [property: Id(3)] int Limit = 50,
    [property: Id(4)] int Offset = 0);

[GenerateSerializer, Immutable, Alias("webhooks.delivery-page")]
public sealed record WebhookDeliveryPage([property: Id(0)] IReadOnlyList<WebhookDelivery> Items, [property: Id(1)] int Total);

[GenerateSerializer, Immutable, Alias("webhooks.cleanup-result")]
public sealed record WebhookCleanupResult(
    [property: Id(0)] DateTimeOffset CutoffDate,
    [property: Id(1)] int RetentionDays,
    [property: Id(2)] int EventsDeleted,
    [property: Id(3)] int DeliveriesDeleted);
