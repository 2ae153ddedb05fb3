namespace Grains.Interfaces.AgentTrust;

/// <summary>
/// A <c>TrustLevelCredential</c> issued to an agent key: a compact JWS (RFC 7515) signed with the tenant's Ed25519
/// key (<c>alg: EdDSA</c>, RFC 8037), checkable offline with the tenant's public key (<see cref="KeyId"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("agent-trust.credential")]
public sealed record TrustCredential(
    [property: Id(0)] string CredentialId,
    [property: Id(1)] string Type,
    [property: Id(2)] int TrustLevel,
    [property: Id(3)] DateTimeOffset IssuedAt,
    [property: Id(4)] DateTimeOffset ExpiresAt,
    [property: Id(5)] string Jwt,
    [property: Id(6)] string KeyId,
    [property: Id(7)] string PublicKeyBase64,
    [property: Id(8)] DateTimeOffset? RevokedAt = null,
    [property: Id(9)] string? RevocationReason = null);

/// <summary>A revoked credential as the public revocation list shows it.</summary>
[GenerateSerializer, Immutable, Alias("agent-trust.revocation")]
public sealed record TrustRevocation(
    [property: Id(0)] string CredentialId,
    [property: Id(1)] DateTimeOffset RevokedAt,
    [property: Id(2)] string Reason);

[GenerateSerializer, Immutable, Alias("agent-trust.revocation-list")]
public sealed record TrustRevocationList([property: Id(0)] IReadOnlyList<TrustRevocation> Revocations, [property: Id(1)] DateTimeOffset? UpdatedAt);

/// <summary>
/// The public list of revoked credentials, one grain for the whole deployment (key <see cref="Key"/>): remote
/// instances check a presented credential against it without a key.
/// </summary>
public interface ITrustRevocationsGrain : IGrainWithStringKey
{
    public const string Key = "global";

    Task Add(IReadOnlyList<TrustRevocation> revocations);

    [Orleans.Concurrency.AlwaysInterleave]
    Task<TrustRevocationList> List();
}

public static class TrustCredentials
{
    public const string IdPrefix = "cred";
    public const string TrustLevelCredential = "TrustLevelCredential";
    public const string DemotionReason = "trust_demotion";
    public const int ValidityMonths = 6;
    public const int Kept = 50;
}
