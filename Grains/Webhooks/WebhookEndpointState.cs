using Grains.Interfaces.Webhooks;

namespace Grains.Webhooks;

[GenerateSerializer, Alias("webhooks.state")]
public sealed class WebhookEndpointState
{
    /// <summary>The endpoint; null before creation and after deletion.</summary>
    [Id(0)] public WebhookRecord? Record { get; set; }

    /// <summary>A deleted endpoint keeps this tombstone so its id is never reused.</summary>
    [Id(1)] public bool Deleted { get; set; }

    [Id(2)] public long Version { get; set; }

    /// <summary>The version the partition's directory is known to hold; behind means "tell it on activation".</summary>
    [Id(3)] public long DirectoryVersion { get; set; }

    /// <summary>Dead letters since the last success; at <see cref="WebhookEndpointGrain.DisableAfterDeadLetters"/> the endpoint is disabled.</summary>
    [Id(4)] public int ConsecutiveDeadLetters { get; set; }
}

/// <param name="SecretCipher">The signing secret, encrypted under the tenant's data key.</param>
/// <param name="PreviousSecretCipher">The secret before the last rotation, for the standard scheme's overlap window.</param>
[GenerateSerializer, Immutable, Alias("webhooks.record")]
public sealed record WebhookRecord(
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
    [property: Id(10)] string SecretCipher,
    [property: Id(11)] string SecretHint,
    [property: Id(12)] string? PreviousSecretCipher,
    [property: Id(13)] DateTimeOffset? PreviousSecretUntil,
    [property: Id(14)] DateTimeOffset CreatedAt,
    [property: Id(15)] DateTimeOffset UpdatedAt,
    [property: Id(16)] DateTimeOffset? SecretRotatedAt);
