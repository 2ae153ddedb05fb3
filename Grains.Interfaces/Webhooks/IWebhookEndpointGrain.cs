using Grains.Interfaces.Events;

namespace Grains.Interfaces.Webhooks;

/// <summary>
/// One webhook endpoint (key <c>{tenant}:{env}/wh_...</c>): its settings and encrypted signing secret in its state,
/// its pending deliveries, and the reminder/timers that drive retry backoff.
/// </summary>
public interface IWebhookEndpointGrain : IGrainWithStringKey
{
    /// <returns>The endpoint and its signing secret (the only time the secret is shown, with rotation).</returns>
    Task<WebhookCreated> Create(WebhookSettings settings);

    Task<WebhookView> Get();

    /// <param name="expectedVersion">When given (If-Match), a different current version is a 412.</param>
    Task<WebhookView> Update(WebhookChanges changes, long? expectedVersion = null);

    Task Delete(long? expectedVersion = null);

    /// <returns>The new secret. The old one still signs nothing; see the decisions doc on rotation.</returns>
    Task<WebhookCreated> RotateSecret();

    /// <summary>
    /// Accepts new events from the event log (idempotent by event id) and starts delivering them; returns once their
    /// deliveries are durable. <paramref name="recovered"/> (the log's sweep after a crash): only deliveries not
    /// stored yet are sent.
    /// </summary>
    Task Enqueue(IReadOnlyList<EventLogEntry> events, bool recovered = false);

    /// <summary>Sends a sample event now and reports what the receiver answered; records nothing.</summary>
    Task<WebhookTestResult> Test(string eventType);

    /// <summary>Resets one delivery to pending and attempts it at once.</summary>
    Task<WebhookDelivery> Retry(string deliveryId);

    /// <summary>Re-delivers up to <see cref="WebhookKeys.MaxReplayEvents"/> logged events the endpoint subscribes to.</summary>
    Task<WebhookReplayResult> Replay(WebhookReplayRequest request);

    /// <summary>Deliveries waiting in memory (tests and diagnostics).</summary>
    Task<int> PendingCount();
}

/// <param name="MaxAttempts">Attempts in all, the first included.</param>
/// <param name="BackoffMs">Delay before the first retry; each later retry doubles it.</param>
[GenerateSerializer, Immutable, Alias("webhooks.retry-policy")]
public sealed record WebhookRetryPolicy([property: Id(0)] int MaxAttempts, [property: Id(1)] long BackoffMs);

[GenerateSerializer, Immutable, Alias("webhooks.settings")]
public sealed record WebhookSettings(
    [property: Id(0)] string Url,
    [property: Id(1)] IReadOnlyList<string> Events,
    [property: Id(2)] string? Description,
    [property: Id(3)] WebhookRetryPolicy? RetryPolicy,
    [property: Id(4)] string SignatureScheme,
    [property: Id(5)] bool Ordered,
    [property: Id(6)] int MaxInFlight);

/// <summary>A PATCH: null fields stay as they are; <see cref="ClearRetryPolicy"/> returns to the default schedule.</summary>
[GenerateSerializer, Immutable, Alias("webhooks.changes")]
public sealed record WebhookChanges(
    [property: Id(0)] string? Url = null,
    [property: Id(1)] IReadOnlyList<string>? Events = null,
    [property: Id(2)] string? Status = null,
    [property: Id(3)] string? Description = null,
    [property: Id(4)] WebhookRetryPolicy? RetryPolicy = null,
    [property: Id(5)] bool ClearRetryPolicy = false,
    [property: Id(6)] bool? Ordered = null,
    [property: Id(7)] int? MaxInFlight = null,
    [property: Id(8)] bool ClearDescription = false);

[GenerateSerializer, Immutable, Alias("webhooks.view")]
public sealed record WebhookView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Url,
    [property: Id(2)] IReadOnlyList<string> Events,
    [property: Id(3)] string? Description,
    [property: Id(4)] string Status,
    [property: Id(5)] string? DisabledReason,
    [property: Id(6)] WebhookRetryPolicy? RetryPolicy,
    [property: Id(7)] string SignatureScheme,
    [property: Id(8)] bool Ordered,
    [property: Id(9)] int MaxInFlight,
    [property: Id(10)] string SecretMasked,
    [property: Id(11)] int ConsecutiveDeadLetters,
    [property: Id(12)] DateTimeOffset CreatedAt,
    [property: Id(13)] DateTimeOffset UpdatedAt,
    [property: Id(14)] DateTimeOffset? SecretRotatedAt,
    [property: Id(15)] long Version);

[GenerateSerializer, Immutable, Alias("webhooks.created")]
public sealed record WebhookCreated([property: Id(0)] WebhookView Webhook, [property: Id(1)] string Secret);

[GenerateSerializer, Immutable, Alias("webhooks.test-result")]
public sealed record WebhookTestResult(
    [property: Id(0)] bool Success,
    [property: Id(1)] int? ResponseCode,
    [property: Id(2)] string? ResponseBody,
    [property: Id(3)] long LatencyMs,
    [property: Id(4)] string? ErrorMessage,
    [property: Id(5)] string EventType);

[GenerateSerializer, Immutable, Alias("webhooks.replay-request")]
public sealed record WebhookReplayRequest(
    [property: Id(0)] long? SinceSequence,
    [property: Id(1)] DateTimeOffset? SinceTimestamp,
    [property: Id(2)] string? EventType);

[GenerateSerializer, Immutable, Alias("webhooks.replayed-event")]
public sealed record WebhookReplayedEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] long EventSequence,
    [property: Id(2)] string EventType,
    [property: Id(3)] string DeliveryId);

[GenerateSerializer, Immutable, Alias("webhooks.replay-result")]
public sealed record WebhookReplayResult(
    [property: Id(0)] string WebhookId,
    [property: Id(1)] IReadOnlyList<WebhookReplayedEvent> Events,
    [property: Id(2)] bool HasMore);
