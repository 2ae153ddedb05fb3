namespace Grains.Interfaces.Tenants;

/// <summary>
/// A new key as the caller asked for it (validated fields only); the tenant grain applies the key rules (environment,
/// publishable kind) and generates the secret. <see cref="CallerEnvironment"/> is the environment of the admin key asking.
/// </summary>
[GenerateSerializer, Immutable, Alias("tenants.api-key-request")]
public sealed record ApiKeyRequest(
    [property: Id(0)] string Name,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Environment,
    [property: Id(3)] string CallerEnvironment,
    [property: Id(4)] IReadOnlyList<string> Scopes,
    [property: Id(5)] string Region,
    [property: Id(6)] DateTimeOffset? ExpiresAt = null,
    [property: Id(7)] IReadOnlyList<string>? AllowedOrigins = null,
    [property: Id(8)] int? RateLimitPerMinute = null,
    [property: Id(9)] bool AgentKey = false);
