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
}

[GenerateSerializer, Immutable]
public sealed record ApiKeyRegistration(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string Name,
    [property: Id(2)] string Prefix,
    [property: Id(3)] IReadOnlyList<string> Scopes,
    [property: Id(4)] string Environment);

[GenerateSerializer, Immutable]
public sealed record ApiKeyRecord(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string TenantId,
    [property: Id(2)] string Name,
    [property: Id(3)] string Prefix,
    [property: Id(4)] IReadOnlyList<string> Scopes,
    [property: Id(5)] string Environment,
    [property: Id(6)] DateTimeOffset CreatedAt);
