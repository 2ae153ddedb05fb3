using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ApiHost.Api;
using Grains.Interfaces.Webhooks;

namespace ApiHost.Webhooks;

/// <summary>
/// A webhook endpoint (Salesbooth §Webhooks). <c>secret</c> is masked except in the answer that made it (create,
/// rotate_secret): it is shown once.
/// </summary>
public sealed record WebhookResource(
    string Id, string WebhookId, string Url, IReadOnlyList<string> Events, string? Description, string Status, string? DisabledReason,
    WebhookRetryPolicyRecord? RetryPolicy, string SignatureScheme, bool Ordered, int MaxInFlight, string Secret, int ConsecutiveDeadLetters,
    DateTimeOffset? SecretRotatedAt, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record WebhookRetryPolicyRecord
{
    [Required, Range(1, 20)] public int? MaxAttempts { get; init; }
    [Required, Description("First retry delay in milliseconds; later ones back off from it")] public long? BackoffMs { get; init; }
}

public sealed record WebhookData(WebhookResource Webhook);

public sealed record WebhookList(IReadOnlyList<WebhookResource> Webhooks, int Total);

public sealed record WebhookDeleted(string Id, string WebhookId, bool Deleted);

public sealed record WebhookDeliveryRecord(
    string DeliveryId, string WebhookId, string EventId, long EventSequence, string EventType, string Status, int Attempts, int MaxAttempts,
    int? ResponseCode, string? ErrorMessage, bool IsReplay, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt,
    DateTimeOffset? RetriedAt, DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("Dead letters only: the event's data")] JsonNode? Payload = null);

public sealed record WebhookDeliveryList(IReadOnlyList<WebhookDeliveryRecord> Deliveries, Pagination Pagination);

public sealed record WebhookDeadLetterList(IReadOnlyList<WebhookDeliveryRecord> DeadLetters, Pagination Pagination);

public sealed record WebhookDeliveryData(WebhookDeliveryRecord Delivery);

public sealed record WebhookTestData(bool Success, int? ResponseCode, string? ResponseBody, long LatencyMs, string? ErrorMessage, string EventType);

public sealed record WebhookReplayData(int Replayed, string WebhookId, bool HasMore, IReadOnlyList<WebhookReplayedEvent> Events);

public sealed record WebhookReplayedEvent(string EventId, long EventSequence, string EventType, string DeliveryId);

public sealed record WebhookCleanupData(DateTimeOffset CutoffDate, int RetentionDays, int EventsDeleted, int DeliveriesDeleted);

public sealed record EventLogData(IReadOnlyList<EventLogRecord> Events, EventLogCursor Cursor);

/// <summary>An entry of the tenant event log, with the payload's <c>data</c> so a consumer can catch up from the log.</summary>
public sealed record EventLogRecord(string EventId, long EventSequence, string EventType, string Status, DateTimeOffset CreatedAt, JsonNode? Data);

public sealed record EventLogCursor(long? LastSequence, bool HasMore);

/// <summary>The PATCH body: any subset; <c>retry_policy: null</c> returns to the default schedule.</summary>
public record WebhookPatch : IApiRequest
{
    [Url] public virtual string? Url { get; init; }
    [Description("Event names or patterns such as deal.* or *")] public virtual IReadOnlyList<string>? Events { get; init; }
    [MaxLength(255)] public string? Description { get; init; }
    [OneOf(typeof(WebhookKeys), nameof(WebhookKeys.SettableStatuses)), Description("PATCH only")] public string? Status { get; init; }
    public WebhookRetryPolicyRecord? RetryPolicy { get; init; }
    [Description("Deliver one event at a time, in sequence")] public bool? Ordered { get; init; }
    [Range(1, 32)] public int? MaxInFlight { get; init; }
}

/// <summary>The create body: url and events required; <c>signature_scheme</c> chosen once.</summary>
public sealed record WebhookInput : WebhookPatch
{
    [Required, Url] public override string? Url { get; init; }
    [Required, MinLength(1)] public override IReadOnlyList<string>? Events { get; init; }
    [Description("salesbooth (default) or standard (Standard Webhooks)")] public string? SignatureScheme { get; init; }
}

public sealed record WebhookTestBody : IApiRequest
{
    [MaxLength(100), Description("Default deal.created")] public string? EventType { get; init; }
}

public sealed record WebhookRetryBody : IApiRequest
{
    [Required, MaxLength(64)] public string? DeliveryId { get; init; }
}

public sealed record WebhookReplayBody : IApiRequest
{
    [Required, MaxLength(64)] public string? WebhookId { get; init; }
    [Range(0, int.MaxValue)] public int? SinceSequence { get; init; }
    public DateTimeOffset? SinceTimestamp { get; init; }
    [MaxLength(100)] public string? EventType { get; init; }
}

public sealed record WebhookCleanupBody : IApiRequest
{
    [Range(1, 3650)] public int? RetentionDays { get; init; }
    [Range(1, 100_000)] public int? BatchSize { get; init; }
}
