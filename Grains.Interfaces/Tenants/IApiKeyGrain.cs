namespace Grains.Interfaces.Tenants;

/// <summary>
/// One API key, keyed by the hex SHA-256 of the secret. The secret itself is never stored:
/// a presented key is hashed and the grain with that key answers whether it is known.
/// </summary>
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>Registers the key; registering the same key again with the same tenant is a no-op.</summary>
    Task<ApiKeyRecord> Register(ApiKeyRegistration registration);

    Task<ApiKeyRecord?> Get();

    /// <summary>Changes name, scopes, expiry, origins or rate limit; null leaves a value as it is.</summary>
    Task<ApiKeyRecord> Update(ApiKeyChanges changes);

    /// <summary>Revokes the key for good; later requests with it get 401.</summary>
    Task<ApiKeyRecord> Revoke();

    /// <summary>Records use, at most about once a minute per key (callers throttle).</summary>
    Task Touch(DateTimeOffset at);
}

/// <summary>What a key may be: <c>secret</c> (sb_live_/sb_test_) or <c>publishable</c> (sb_pub_).</summary>
public static class ApiKeyKinds
{
    public const string Secret = "secret";
    public const string Publishable = "publishable";
}

[GenerateSerializer, Immutable]
public sealed record ApiKeyRegistration(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string Name,
    [property: Id(2)] string Prefix,
    [property: Id(3)] IReadOnlyList<string> Scopes,
    [property: Id(4)] string Environment,
    [property: Id(5)] string Kind = ApiKeyKinds.Secret,
    [property: Id(6)] DateTimeOffset? ExpiresAt = null,
    [property: Id(7)] IReadOnlyList<string>? AllowedOrigins = null,
    [property: Id(8)] int? RateLimitPerMinute = null,
    [property: Id(9)] string? KeyId = null);

[GenerateSerializer, Immutable]
public sealed record ApiKeyChanges(
    [property: Id(0)] string? Name = null,
    [property: Id(1)] IReadOnlyList<string>? Scopes = null,
    [property: Id(2)] DateTimeOffset? ExpiresAt = null,
    [property: Id(3)] bool ClearExpiry = false,
    [property: Id(4)] IReadOnlyList<string>? AllowedOrigins = null,
    [property: Id(5)] int? RateLimitPerMinute = null);

[GenerateSerializer, Immutable]
public sealed record ApiKeyRecord(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string TenantId,
    [property: Id(2)] string Name,
    [property: Id(3)] string Prefix,
    [property: Id(4)] IReadOnlyList<string> Scopes,
    [property: Id(5)] string Environment,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] string Kind = ApiKeyKinds.Secret,
    [property: Id(8)] DateTimeOffset? ExpiresAt = null,
    [property: Id(9)] DateTimeOffset? RevokedAt = null,
    [property: Id(10)] IReadOnlyList<string>? AllowedOrigins = null,
    [property: Id(11)] int? RateLimitPerMinute = null,
    [property: Id(12)] DateTimeOffset? LastUsedAt = null)
{
    public bool IsUsableAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}
