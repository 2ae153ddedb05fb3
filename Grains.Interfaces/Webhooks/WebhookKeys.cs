namespace Grains.Interfaces.Webhooks;

/// <summary>Names the webhook feature shares between the API and the grains.</summary>
public static class WebhookKeys
{
    public const string IdPrefix = "wh";
    public const string DeliveryPrefix = "whd";

    /// <summary>An endpoint delivers (or, paused, accumulates); disabled ones neither receive nor send.</summary>
    public const string Active = "active";
    public const string Paused = "paused";
    public const string Disabled = "disabled";

    public static readonly IReadOnlyList<string> Statuses = [Active, Paused, Disabled];

    /// <summary>What a client may set with PATCH: <see cref="Disabled"/> is the system's verdict, never a request.</summary>
    public static readonly IReadOnlyList<string> SettableStatuses = [Active, Paused];

    /// <summary>Delivery statuses as the document names them; <c>failed</c> is the dead letter.</summary>
    public const string DeliveryPending = "pending";
    public const string DeliverySuccess = "success";
    public const string DeliveryFailed = "failed";

    public static readonly IReadOnlyList<string> DeliveryStatuses = [DeliveryPending, DeliverySuccess, DeliveryFailed];

    public const int DescriptionMaxLength = 255;
    public const int UrlMaxLength = 2048;
    public const int MaxEventPatterns = 100;

    /// <summary>Endpoints per tenant+environment: the fan-out of one event is bounded by it.</summary>
    public const int MaxEndpointsPerPartition = 1000;

    public const int DefaultMaxInFlight = 8;
    public const int MaxMaxInFlight = 32;

    /// <summary>Bounds of a custom retry policy (<c>retry_policy.max_attempts</c>, <c>retry_policy.backoff_ms</c>).</summary>
    public const int MinPolicyAttempts = 1;
    public const int MaxPolicyAttempts = 20;
    public const long MinBackoffMs = 100;
    public const long MaxBackoffMs = 24L * 60 * 60 * 1000;

    /// <summary>The signature header schemes an endpoint can choose.</summary>
    public const string SalesboothScheme = "salesbooth";
    public const string StandardScheme = "standard";

    /// <summary>Events one replay call re-delivers at most (the document's limit).</summary>
    public const int MaxReplayEvents = 100;

    /// <summary>Attempts of the default schedule: the first plus five retries.</summary>
    public const int DefaultMaxAttempts = 6;

    public static string Grain(string partition, string webhookId) => $"{partition}/{webhookId}";
}
